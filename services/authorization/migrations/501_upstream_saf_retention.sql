-- Acknowledged SAF items are kept for a retention window (UPSTREAM_LIMITS.safAcknowledgedRetentionMs) and then
-- purged in batches by the SAF worker; this index finds the oldest ones without scanning pending history.
CREATE INDEX upstream_saf_items_acknowledged ON upstream_saf_items (acknowledged_at) WHERE state = 'acknowledged';
