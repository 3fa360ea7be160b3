-- Store-and-forward queue of the upstream connector: reversals (0400) and advices (0220) that must reach
-- the card network until it acknowledges them. Rows hold only the network's reference data elements
-- (STAN, field 7, RRN, auth code, amounts, merchant and terminal ids), never card data.
CREATE TABLE upstream_saf_items (
  saf_item_id bigserial PRIMARY KEY,
  txn_id text NOT NULL,
  item_kind text NOT NULL CHECK (item_kind IN ('reversal', 'advice')),
  reason text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen >= 0),
  payload jsonb NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acknowledged', 'parked')),
  attempt_count integer NOT NULL DEFAULT 0 CHECK (attempt_count >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_response_code text,
  -- Set when the network approved the original after we gave up on it: from then on only a 00 to the
  -- reversal proves the approval is undone (a 25 may have answered a reversal that overtook it).
  late_approval_seen boolean NOT NULL DEFAULT false,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  acknowledged_at timestamptz,
  parked_at timestamptz,
  -- One reversal and one advice per transaction: enqueueing is idempotent per txn_id.
  CONSTRAINT upstream_saf_items_txn_kind_unique UNIQUE (txn_id, item_kind),
  CONSTRAINT upstream_saf_items_acknowledged_has_time CHECK ((state = 'acknowledged') = (acknowledged_at IS NOT NULL)),
  CONSTRAINT upstream_saf_items_parked_has_time CHECK ((state = 'parked') = (parked_at IS NOT NULL))
);

-- The worker claims due pending items in order; the partial index stays small as items complete.
CREATE INDEX upstream_saf_items_due ON upstream_saf_items (next_attempt_at, saf_item_id) WHERE state = 'pending';
-- Operators list parked items (alarm) without scanning the history.
CREATE INDEX upstream_saf_items_parked ON upstream_saf_items (parked_at) WHERE state = 'parked';
