-- Merchant settlement profiles (fee plan, T0 switch and quotas), fed by merchant events and GetMerchant.
CREATE TABLE merchant_profiles (
  merchant_id text PRIMARY KEY,
  merchant_number text NOT NULL,
  merchant_name text NOT NULL,
  fee_category text NOT NULL,
  debit_rate_units bigint NOT NULL CHECK (debit_rate_units BETWEEN 0 AND 1000000),
  debit_cap_fen bigint NOT NULL CHECK (debit_cap_fen >= 0),
  credit_rate_units bigint NOT NULL CHECK (credit_rate_units BETWEEN 0 AND 1000000),
  t0_rate_units bigint NOT NULL CHECK (t0_rate_units BETWEEN 0 AND 1000000),
  t0_fixed_fen bigint NOT NULL CHECK (t0_fixed_fen >= 0),
  t0_enabled boolean NOT NULL,
  t0_single_limit_fen bigint NOT NULL CHECK (t0_single_limit_fen >= 0),
  t0_daily_quota_fen bigint NOT NULL CHECK (t0_daily_quota_fen >= 0),
  t0_suspended_until timestamptz,
  context_version bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Card transactions as settlement sees them (from authorization events).
CREATE TABLE transactions (
  txn_id text PRIMARY KEY,
  merchant_id text NOT NULL,
  merchant_number text NOT NULL,
  terminal_id text NOT NULL,
  kind text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  fee_fen bigint NOT NULL CHECK (fee_fen >= 0),
  net_fen bigint NOT NULL,
  card_kind text NOT NULL CHECK (card_kind IN ('debit', 'credit')),
  rrn text NOT NULL,
  auth_code text NOT NULL,
  stan text NOT NULL,
  batch_number text NOT NULL,
  original_txn_id text,
  occurred_at timestamptz NOT NULL,
  booking_date date NOT NULL,
  settlement_date date NOT NULL,
  -- Whether it was paid T0 is read from payouts (a T0 payout that failed falls back to T1).
  -- Where the net proceeds were credited: T1 merchants' pending account, T0 merchants' available one.
  credited_to text NOT NULL CHECK (credited_to IN ('pending', 'available')),
  -- Set when the transaction's effect is undone (void, reversal) or reduced (refunds).
  refunded_fen bigint NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0),
  cancelled_by text,
  released_on date,
  CHECK (refunded_fen <= amount_fen)
);
CREATE INDEX transactions_by_merchant_time ON transactions (merchant_id, occurred_at);
CREATE INDEX transactions_unreleased ON transactions (merchant_id, settlement_date)
  WHERE released_on IS NULL AND credited_to = 'pending';
CREATE INDEX transactions_by_booking_date ON transactions (booking_date);
CREATE INDEX transactions_by_rrn ON transactions (rrn);

-- Inbox: authorization events already applied (idempotent consumption by event id).
CREATE TABLE processed_events (
  event_id text PRIMARY KEY,
  processed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE payouts (
  payout_id text PRIMARY KEY,
  merchant_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('t0', 't1', 'd0')),
  txn_id text UNIQUE,
  settlement_date date,
  gross_fen bigint NOT NULL CHECK (gross_fen > 0),
  surcharge_fen bigint NOT NULL CHECK (surcharge_fen >= 0),
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  hold_transfer_id uuid NOT NULL UNIQUE,
  state text NOT NULL CHECK (state IN ('created', 'submitting', 'submitted', 'retry_wait', 'succeeded', 'failed', 'stuck')),
  attempt integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  query_count integer NOT NULL DEFAULT 0 CHECK (query_count >= 0),
  next_action_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  card_token text,
  card_version bigint,
  account_number_encrypted text,
  holder_name text,
  bank_code text,
  failure_reason text,
  fell_back_to_t1 boolean NOT NULL DEFAULT false,
  idempotency_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  CHECK (gross_fen = amount_fen + surcharge_fen),
  UNIQUE (merchant_id, idempotency_key)
);
CREATE INDEX payouts_due ON payouts (next_action_at) WHERE state IN ('created', 'submitting', 'submitted', 'retry_wait');
CREATE INDEX payouts_by_merchant ON payouts (merchant_id, created_at);
CREATE UNIQUE INDEX payouts_one_t1_per_day ON payouts (merchant_id, settlement_date) WHERE kind = 't1';

-- Arrears become bills; repayments reduce them.
CREATE TABLE bills (
  bill_id text PRIMARY KEY,
  merchant_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('refund_shortfall', 'void_shortfall', 'chargeback', 'service_fee', 'adjustment')),
  source_reference text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  repaid_fen bigint NOT NULL DEFAULT 0 CHECK (repaid_fen >= 0),
  raised_on date NOT NULL,
  due_on date NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'paid')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (repaid_fen <= amount_fen),
  CHECK ((state = 'paid') = (repaid_fen = amount_fen)),
  UNIQUE (kind, source_reference)
);
CREATE INDEX bills_open_by_merchant ON bills (merchant_id, raised_on) WHERE state = 'open';

CREATE TABLE repayments (
  repayment_id text PRIMARY KEY,
  bill_id text NOT NULL REFERENCES bills (bill_id),
  merchant_id text NOT NULL,
  method text NOT NULL CHECK (method IN ('bank_card', 'wallet', 'settlement')),
  -- The wallet that collected a wallet repayment (needed to query an unknown result).
  wallet_provider text,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  state text NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed', 'unknown')),
  failure_code text,
  idempotency_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (merchant_id, idempotency_key)
);

-- Operator corrections of the business calendar; they win over data/calendar-cn.json.
CREATE TABLE calendar_overrides (
  date date PRIMARY KEY,
  is_business_day boolean NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reconciliation_runs (
  clearing_date date PRIMARY KEY,
  matched_count integer NOT NULL,
  platform_only_count integer NOT NULL,
  network_only_count integer NOT NULL,
  amount_mismatch_count integer NOT NULL,
  matched_amount_fen bigint NOT NULL,
  completed_at timestamptz NOT NULL DEFAULT now()
);

-- 差错 queue: one row per unmatched or mismatched item, resolved by an operator.
CREATE TABLE reconciliation_exceptions (
  exception_id text PRIMARY KEY,
  clearing_date date NOT NULL,
  category text NOT NULL CHECK (category IN ('platform_only', 'network_only', 'amount_mismatch')),
  rrn text NOT NULL,
  txn_id text,
  merchant_id text,
  platform_amount_fen bigint,
  network_amount_fen bigint,
  state text NOT NULL CHECK (state IN ('open', 'resolved')),
  resolution text,
  adjustment_fen bigint,
  resolved_by text,
  resolved_at timestamptz,
  UNIQUE (clearing_date, category, rrn)
);
CREATE INDEX reconciliation_exceptions_open ON reconciliation_exceptions (clearing_date) WHERE state = 'open';
