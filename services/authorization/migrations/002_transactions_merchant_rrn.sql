-- Refunds may come from another terminal of the same merchant, naming the original by its RRN
-- (field 37 of the original's answer, the network's reference once it answered).
CREATE INDEX transactions_merchant_rrn_idx ON transactions (merchant_id, rrn);
