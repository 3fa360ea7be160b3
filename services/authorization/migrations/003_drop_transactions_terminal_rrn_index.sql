-- No query looks transactions up by (terminal_id, rrn): terminals name originals by batch + STAN
-- (the unique key) and refunds by merchant + RRN (transactions_merchant_rrn_idx). The index only
-- cost an entry per intent and per outcome (the outcome rewrites rrn), on the hottest table.
DROP INDEX IF EXISTS transactions_terminal_rrn_idx;
