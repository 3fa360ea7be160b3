-- Merchant service schema: applications and review, merchants, T0 applications, terminals, QR codes,
-- and the service's own record of operator actions. Tables are unqualified: search_path is the schema.

-- Every change to a merchant or terminal takes the next value, so a terminal context's version
-- (the larger of its terminal's and its merchant's) only grows, even across re-binding.
CREATE SEQUENCE context_version_seq;

-- Field 41 terminal ids: 8 digits, handed out in order.
CREATE SEQUENCE terminal_id_seq MINVALUE 10000001 MAXVALUE 99999999 NO CYCLE;

CREATE TABLE merchant_applications (
  application_id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('submitted', 'under_review', 'approved', 'rejected')),
  merchant_type text NOT NULL CHECK (merchant_type IN ('individual', 'enterprise')),
  legal_name text NOT NULL,
  -- The ID number is kept sealed (AES-GCM under a key derived from the master key) for the card
  -- registry's identity verification, fingerprinted (HMAC) for duplicate detection, masked for display.
  id_number_sealed text NOT NULL,
  id_number_fingerprint text NOT NULL,
  id_number_masked text NOT NULL,
  phone text NOT NULL,
  business_name text NOT NULL,
  business_address text NOT NULL,
  area_code char(4) NOT NULL,
  mcc char(4) NOT NULL,
  business_licence_number text NOT NULL DEFAULT '',
  settlement_card_sealed text NOT NULL,
  settlement_card_masked text NOT NULL,
  rejection_reason text NOT NULL DEFAULT '',
  merchant_id text,
  submitted_by text NOT NULL,
  reviewed_by text NOT NULL DEFAULT '',
  submitted_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  CHECK ((status = 'rejected') = (rejection_reason <> '')),
  CHECK ((status = 'approved') = (merchant_id IS NOT NULL))
);
-- One open application per person (and per licence for enterprises): a second one is a duplicate.
CREATE UNIQUE INDEX merchant_applications_open_per_id_number
  ON merchant_applications (id_number_fingerprint) WHERE status IN ('submitted', 'under_review');
CREATE UNIQUE INDEX merchant_applications_open_per_licence
  ON merchant_applications (business_licence_number)
  WHERE status IN ('submitted', 'under_review') AND business_licence_number <> '';

CREATE TABLE merchant_number_sequences (
  prefix char(11) PRIMARY KEY,
  last_sequence integer NOT NULL CHECK (last_sequence BETWEEN 1 AND 9999)
);

CREATE TABLE merchants (
  merchant_id text PRIMARY KEY,
  merchant_number char(15) NOT NULL UNIQUE,
  application_id text NOT NULL UNIQUE REFERENCES merchant_applications (application_id),
  merchant_type text NOT NULL CHECK (merchant_type IN ('individual', 'enterprise')),
  legal_name text NOT NULL,
  business_name text NOT NULL,
  business_address text NOT NULL,
  area_code char(4) NOT NULL,
  mcc char(4) NOT NULL,
  phone text NOT NULL,
  -- Enterprise licence numbers identify one merchant; individuals have none ('').
  business_licence_number text NOT NULL DEFAULT '',
  id_number_fingerprint text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen', 'closed')),
  status_reason text NOT NULL DEFAULT '',
  fee_category text NOT NULL CHECK (fee_category IN ('standard', 'discounted', 'exempt')),
  debit_rate_units bigint NOT NULL CHECK (debit_rate_units >= 0),
  debit_cap_fen bigint NOT NULL CHECK (debit_cap_fen >= 0),
  credit_rate_units bigint NOT NULL CHECK (credit_rate_units >= 0),
  t0_rate_units bigint NOT NULL CHECK (t0_rate_units >= 0),
  t0_fixed_fen bigint NOT NULL CHECK (t0_fixed_fen >= 0),
  fee_plan_overridden boolean NOT NULL DEFAULT false,
  t0_enabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  version bigint NOT NULL DEFAULT nextval('context_version_seq')
);
CREATE UNIQUE INDEX merchants_open_per_licence
  ON merchants (business_licence_number) WHERE business_licence_number <> '' AND status <> 'closed';

CREATE TABLE t0_applications (
  t0_application_id text PRIMARY KEY,
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  status text NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
  rejection_reason text NOT NULL DEFAULT '',
  submitted_by text NOT NULL,
  reviewed_by text NOT NULL DEFAULT '',
  submitted_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz
);
CREATE UNIQUE INDEX t0_applications_open_per_merchant ON t0_applications (merchant_id) WHERE status = 'submitted';

CREATE TABLE terminals (
  terminal_id char(8) PRIMARY KEY,
  serial_number text NOT NULL UNIQUE,
  model text NOT NULL,
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  status text NOT NULL DEFAULT 'registered' CHECK (status IN ('registered', 'activated', 'frozen', 'retired')),
  activation_code_hash text,
  activation_code_expires_at timestamptz,
  activation_attempts integer NOT NULL DEFAULT 0 CHECK (activation_attempts >= 0),
  -- Keys exist only encrypted under the HSM master key (hex).
  tmk_under_master_key text NOT NULL DEFAULT '',
  pik_under_master_key text NOT NULL DEFAULT '',
  mak_under_master_key text NOT NULL DEFAULT '',
  tdk_under_master_key text NOT NULL DEFAULT '',
  key_mode text NOT NULL DEFAULT '',
  signed_in boolean NOT NULL DEFAULT false,
  last_signed_in_at timestamptz,
  batch_number char(6) NOT NULL DEFAULT '000001',
  bound_at timestamptz,
  rebound_at timestamptz,
  latitude_e6 integer,
  longitude_e6 integer,
  location_area_code text NOT NULL DEFAULT '',
  location_reported_at timestamptz,
  registered_at timestamptz NOT NULL DEFAULT now(),
  version bigint NOT NULL DEFAULT nextval('context_version_seq'),
  CHECK (status = 'registered' OR activation_code_hash IS NULL),
  CHECK (status IN ('registered', 'retired') OR tmk_under_master_key <> '')
);
CREATE INDEX terminals_by_merchant ON terminals (merchant_id, registered_at);

CREATE TABLE terminal_bindings (
  binding_id bigserial PRIMARY KEY,
  terminal_id char(8) NOT NULL REFERENCES terminals (terminal_id),
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  previous_merchant_id text,
  action text NOT NULL CHECK (action IN ('assigned', 'activated', 'rebound')),
  actor text NOT NULL,
  reason text NOT NULL DEFAULT '',
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX terminal_bindings_by_terminal ON terminal_bindings (terminal_id, occurred_at);

CREATE TABLE qr_codes (
  qr_code_id text PRIMARY KEY,
  merchant_id text NOT NULL REFERENCES merchants (merchant_id),
  kind text NOT NULL CHECK (kind IN ('static', 'dynamic')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'used')),
  token text NOT NULL UNIQUE,
  amount_fen bigint CHECK (amount_fen > 0),
  expires_at timestamptz,
  description text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz,
  CHECK ((kind = 'dynamic') = (amount_fen IS NOT NULL AND expires_at IS NOT NULL))
);
CREATE INDEX qr_codes_by_merchant ON qr_codes (merchant_id, created_at DESC);

-- Operator and merchant actions on this service's records, written in the same transaction.
CREATE TABLE merchant_action_log (
  action_id bigserial PRIMARY KEY,
  entity_kind text NOT NULL,
  entity_id text NOT NULL,
  action text NOT NULL,
  actor_subject text NOT NULL,
  actor_role text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX merchant_action_log_by_entity ON merchant_action_log (entity_kind, entity_id, occurred_at);
