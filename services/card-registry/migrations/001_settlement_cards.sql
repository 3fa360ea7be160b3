-- Card registry schema: settlement cards (one version per bind, one active per merchant), the change
-- flow with its audit trail, identity-verification lockout counters, and refused requests.
-- Card numbers are stored only sealed (AES-256-GCM under a key derived from the HSM master key), as a
-- keyed hash token (HMAC-SHA256 under CARD_TOKEN_KEY) and masked (first 6, last 4).

-- One row per merchant: the lock every bind, change and unbind of that merchant takes first, the last
-- card version handed out and when the last change completed (the cooldown starts there).
CREATE TABLE merchant_card_states (
  merchant_id text PRIMARY KEY,
  card_version_last bigint NOT NULL DEFAULT 0 CHECK (card_version_last >= 0),
  last_change_activated_at timestamptz,
  onboarding_bind_handled boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL
);

CREATE TABLE settlement_cards (
  card_id text PRIMARY KEY,
  merchant_id text NOT NULL REFERENCES merchant_card_states (merchant_id),
  card_version bigint NOT NULL CHECK (card_version >= 1),
  card_token text NOT NULL,
  account_number_sealed text NOT NULL,
  account_number_masked text NOT NULL,
  holder_name text NOT NULL,
  bank_code text NOT NULL,
  bank_name text NOT NULL,
  account_kind text NOT NULL CHECK (account_kind IN ('personal', 'corporate')),
  status text NOT NULL CHECK (status IN ('active', 'retired', 'unbound')),
  change_id text,
  active_from timestamptz NOT NULL,
  retired_at timestamptz,
  t0_suspended_until timestamptz,
  CHECK ((status = 'active') = (retired_at IS NULL)),
  CHECK (retired_at IS NULL OR retired_at >= active_from),
  UNIQUE (merchant_id, card_version)
);
-- A merchant is paid to exactly one card at a time.
CREATE UNIQUE INDEX settlement_cards_one_active ON settlement_cards (merchant_id) WHERE status = 'active';
CREATE INDEX settlement_cards_active_token ON settlement_cards (card_token) WHERE status = 'active';

CREATE TABLE card_changes (
  change_id text PRIMARY KEY,
  merchant_id text NOT NULL REFERENCES merchant_card_states (merchant_id),
  kind text NOT NULL CHECK (kind IN ('bind', 'change')),
  state text NOT NULL CHECK (state IN ('requested', 'identity_verified', 'sms_confirmed', 'agreement_signed',
    'under_review', 'active', 'failed')),
  card_token text NOT NULL,
  account_number_sealed text NOT NULL,
  account_number_masked text NOT NULL,
  holder_name text NOT NULL,
  bank_code text NOT NULL,
  bank_name text NOT NULL,
  account_kind text NOT NULL CHECK (account_kind IN ('personal', 'corporate')),
  phone_sealed text NOT NULL,
  phone_masked text NOT NULL,
  verification_method text NOT NULL CHECK (verification_method IN ('micro_deposit', 'zero_amount', 'onboarding')),
  -- HMAC of the one-time code and of the micro-deposit amount (keyed, bound to the change id).
  sms_code_hash text NOT NULL DEFAULT '',
  sms_code_expires_at timestamptz,
  sms_attempts integer NOT NULL DEFAULT 0 CHECK (sms_attempts >= 0),
  agreement_version text NOT NULL DEFAULT '',
  agreement_signed_at timestamptz,
  micro_deposit_hash text NOT NULL DEFAULT '',
  verification_attempts integer NOT NULL DEFAULT 0 CHECK (verification_attempts >= 0),
  failure_code text NOT NULL DEFAULT '',
  failure_message text NOT NULL DEFAULT '',
  review_reason text NOT NULL DEFAULT '',
  card_id text REFERENCES settlement_cards (card_id),
  t0_suspended_until timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  CHECK ((state = 'failed') = (failure_code <> '')),
  CHECK ((state = 'active') = (card_id IS NOT NULL))
);
-- At most one change in flight per merchant.
CREATE UNIQUE INDEX card_changes_one_open ON card_changes (merchant_id) WHERE state NOT IN ('active', 'failed');
CREATE INDEX card_changes_by_state ON card_changes (state, created_at);
CREATE INDEX card_changes_by_merchant ON card_changes (merchant_id, created_at);

-- The audit trail: every step of every change, who took it and when.
CREATE TABLE card_change_steps (
  change_id text NOT NULL REFERENCES card_changes (change_id),
  step_number integer NOT NULL CHECK (step_number >= 1),
  from_state text NOT NULL,
  to_state text NOT NULL,
  action text NOT NULL,
  actor_subject text NOT NULL,
  actor_role text NOT NULL,
  detail text NOT NULL DEFAULT '',
  at timestamptz NOT NULL,
  PRIMARY KEY (change_id, step_number)
);

-- 4-element verification counters per card token (UnionPay lockout rule, kept on our side too).
CREATE TABLE identity_attempts (
  card_token text PRIMARY KEY,
  shanghai_day text NOT NULL,
  attempts_today integer NOT NULL CHECK (attempts_today >= 0),
  consecutive_failures integer NOT NULL CHECK (consecutive_failures >= 0),
  locked_until timestamptz,
  updated_at timestamptz NOT NULL
);

-- Requests refused before a change existed, and unbinds: the rest of the audit trail.
CREATE TABLE card_registry_audit (
  audit_id bigserial PRIMARY KEY,
  merchant_id text NOT NULL,
  action text NOT NULL,
  outcome text NOT NULL,
  account_number_masked text NOT NULL DEFAULT '',
  actor_subject text NOT NULL,
  actor_role text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX card_registry_audit_by_merchant ON card_registry_audit (merchant_id, at);
