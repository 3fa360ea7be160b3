-- A terminal scan-code payment is kept only if the card pipeline recorded its purchase as approved.
-- Until that is known (normally at once, by the pipeline's commit; after a crash, by the resolver
-- reading the transaction's status) a paid terminal order stays on the resolver's work list.
ALTER TABLE qr_orders ADD COLUMN card_outcome_known boolean NOT NULL DEFAULT true;

DROP INDEX qr_orders_due;
CREATE INDEX qr_orders_due ON qr_orders (next_check_at_ms)
  WHERE status IN ('NOTPAY', 'USERPAYING') OR (status = 'SUCCESS' AND (abandoned OR NOT card_outcome_known));
