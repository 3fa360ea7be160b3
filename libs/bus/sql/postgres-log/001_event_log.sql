-- The durable Postgres event log used when KAFKA_BROKERS is unset (one machine only).
-- Topics are split into a fixed number of partitions by a hash of the event key; each partition
-- has a gap-free sequence, assigned under the partition_heads row lock so that sequences commit
-- in order and a consumer reading "sequence >= offset" never skips an event.
CREATE TABLE event_log (
  topic text NOT NULL,
  partition integer NOT NULL,
  sequence bigint NOT NULL,
  event_id uuid NOT NULL,
  event_key text NOT NULL,
  event_type text NOT NULL,
  payload bytea NOT NULL,
  headers jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  appended_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition, sequence)
);
CREATE INDEX event_log_by_appended_at ON event_log (appended_at);

CREATE TABLE partition_heads (
  topic text NOT NULL,
  partition integer NOT NULL,
  next_sequence bigint NOT NULL CHECK (next_sequence >= 0),
  PRIMARY KEY (topic, partition)
);

-- One row per (group, topic, partition). A consumer replica claims a partition with a short lease
-- (picked FOR UPDATE SKIP LOCKED); the batch transaction that runs the handlers stores the new
-- offset only if it still owns the lease, which fences out a holder whose lease expired.
CREATE TABLE consumer_offsets (
  group_name text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  next_sequence bigint NOT NULL DEFAULT 0 CHECK (next_sequence >= 0),
  lease_owner uuid,
  lease_expires_at timestamptz,
  retry_not_before timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_name, topic, partition)
);
