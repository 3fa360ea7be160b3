-- Per-merchant T0 limits, part of the fee plan (set at approval or by SetMerchantFeePlan); NULL =
-- the platform default that settlement configures (SETTLEMENT_T0_SINGLE_LIMIT_FEN / _DAILY_QUOTA_FEN).
ALTER TABLE merchants
  ADD COLUMN t0_single_limit_fen bigint CHECK (t0_single_limit_fen > 0),
  ADD COLUMN t0_daily_quota_fen bigint CHECK (t0_daily_quota_fen > 0),
  ADD CHECK (t0_single_limit_fen IS NULL OR t0_daily_quota_fen IS NULL OR t0_single_limit_fen <= t0_daily_quota_fen);
