-- Terminal transactions. One row per terminal request (except reversals and batch messages), keyed for
-- duplicate detection by terminal + batch + trace (41 + 60.2 + 11). A row is written as a 'pending'
-- intent before anything leaves the process and completed with its outcome before the terminal hears
-- the answer; see README.md "Crash safety".
CREATE TABLE transactions (
  txn_id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('balance_inquiry', 'purchase', 'void', 'refund', 'preauth', 'preauth_void',
    'completion', 'completion_void')),
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'declined', 'timed_out')),
  terminal_id text NOT NULL CHECK (length(terminal_id) = 8),
  batch_number text NOT NULL CHECK (batch_number ~ '^[0-9]{6}$'),
  stan text NOT NULL CHECK (stan ~ '^[0-9]{6}$'),
  merchant_id text NOT NULL,
  merchant_number text NOT NULL CHECK (length(merchant_number) = 15),
  merchant_number_from_terminal text NOT NULL,
  mcc text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen >= 0),
  pos_entry_mode text NOT NULL,
  card_token text,
  pan_masked text,
  pos_condition_code text NOT NULL,
  request_fingerprint text NOT NULL,
  -- Ours until the network answers with its own (field 37).
  rrn text NOT NULL,
  -- The network's identity of our message (field 11 and field 7): voids, refunds, completions and
  -- reversals refer to the original by them, so no card data needs to be kept for later steps.
  network_stan text NOT NULL DEFAULT '',
  transmission_date_time text NOT NULL DEFAULT '',
  business_date text NOT NULL CHECK (business_date ~ '^[0-9]{8}$'),
  original_txn_id text REFERENCES transactions (txn_id),
  -- A void/refund/completion holds a claim on its original while in flight and after approval.
  claim_state text NOT NULL DEFAULT 'none' CHECK (claim_state IN ('none', 'held', 'released')),
  auth_code text NOT NULL DEFAULT '',
  response_code text NOT NULL DEFAULT '',
  decline_reason text,
  card_kind text NOT NULL DEFAULT 'unknown' CHECK (card_kind IN ('debit', 'credit', 'unknown')),
  fee_fen bigint NOT NULL DEFAULT 0 CHECK (fee_fen >= 0),
  balance_fen bigint,
  icc_response bytea,
  cancelled_by_txn_id text,
  completed_by_txn_id text,
  refunded_fen bigint NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= amount_fen),
  reversed_at timestamptz,
  reversal_reason text,
  settled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  CONSTRAINT transactions_terminal_batch_stan_key UNIQUE (terminal_id, batch_number, stan),
  CONSTRAINT transactions_outcome_complete CHECK (status = 'pending' OR completed_at IS NOT NULL)
);

CREATE INDEX transactions_pending_idx ON transactions (created_at) WHERE status = 'pending';
CREATE INDEX transactions_merchant_created_idx ON transactions (merchant_id, created_at);
CREATE INDEX transactions_terminal_rrn_idx ON transactions (terminal_id, rrn);

-- Batch settlement (0500) results and batch upload (0320) counts per terminal batch.
CREATE TABLE batch_settlements (
  terminal_id text NOT NULL,
  batch_number text NOT NULL CHECK (batch_number ~ '^[0-9]{6}$'),
  merchant_id text NOT NULL,
  terminal_debit_amount_fen bigint NOT NULL,
  terminal_debit_count integer NOT NULL,
  terminal_credit_amount_fen bigint NOT NULL,
  terminal_credit_count integer NOT NULL,
  host_debit_amount_fen bigint NOT NULL,
  host_debit_count integer NOT NULL,
  host_credit_amount_fen bigint NOT NULL,
  host_credit_count integer NOT NULL,
  result smallint NOT NULL CHECK (result IN (1, 2)),
  uploaded_record_count integer NOT NULL DEFAULT 0,
  settled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (terminal_id, batch_number)
);
