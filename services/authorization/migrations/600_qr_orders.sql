-- QR payment orders (merchant-presented dynamic codes and customer-presented payment codes) and their
-- refunds. The customer's payment code is kept only masked. Money is integer fen.
CREATE TABLE qr_orders (
  order_id text PRIMARY KEY,
  flow text NOT NULL CHECK (flow IN ('merchant_presented', 'customer_presented')),
  channel text NOT NULL CHECK (channel IN ('http', 'terminal')),
  provider text NOT NULL CHECK (provider IN ('wechat', 'alipay', 'unionpay')),
  merchant_id text NOT NULL,
  merchant_number text NOT NULL,
  terminal_id text NOT NULL,
  mcc text NOT NULL,
  t0_enabled boolean NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  fee_fen bigint NOT NULL CHECK (fee_fen >= 0),
  description text NOT NULL DEFAULT '',
  idempotency_key text NOT NULL,
  status text NOT NULL CHECK (status IN ('NOTPAY', 'USERPAYING', 'SUCCESS', 'CLOSED', 'REVOKED')),
  -- Set when nobody waits for a payment any more (a terminal was answered): it must be revoked.
  abandoned boolean NOT NULL DEFAULT false,
  code_url text NOT NULL DEFAULT '',
  payment_code_masked text NOT NULL DEFAULT '',
  failure_code text NOT NULL DEFAULT '',
  risk_reservation_id text NOT NULL DEFAULT '',
  -- The card pipeline's transaction of a terminal scan-code purchase (channel terminal).
  auth_txn_id text NOT NULL DEFAULT '',
  created_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL,
  paid_at_ms bigint NOT NULL DEFAULT 0,
  next_check_at_ms bigint NOT NULL,
  refunded_fen bigint NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT qr_orders_refund_within_amount CHECK (refunded_fen <= amount_fen),
  CONSTRAINT qr_orders_idempotency UNIQUE (merchant_id, idempotency_key)
);

-- The resolver claims open (and abandoned paid) orders by due time; the partial index holds only those.
CREATE INDEX qr_orders_due ON qr_orders (next_check_at_ms)
  WHERE status IN ('NOTPAY', 'USERPAYING') OR (status = 'SUCCESS' AND abandoned);

CREATE TABLE qr_refunds (
  refund_id text PRIMARY KEY,
  order_id text NOT NULL REFERENCES qr_orders (order_id),
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  idempotency_key text NOT NULL,
  status text NOT NULL CHECK (status IN ('PENDING', 'SUCCESS', 'FAILED')),
  failure_code text NOT NULL DEFAULT '',
  created_at_ms bigint NOT NULL,
  next_check_at_ms bigint NOT NULL,
  CONSTRAINT qr_refunds_idempotency UNIQUE (order_id, idempotency_key)
);

CREATE INDEX qr_refunds_pending ON qr_refunds (next_check_at_ms) WHERE status = 'PENDING';
