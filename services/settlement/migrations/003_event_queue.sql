-- Authorization events accepted by the bus consumer and waiting to be applied in batches. The
-- consumer inserts one row per event inside its inbox transaction (exactly once); an applier per
-- partition (merchant hash) applies up to a batch in one SQL transaction and deletes the rows with it.
CREATE TABLE event_queue (
  sequence bigserial PRIMARY KEY,
  partition smallint NOT NULL CHECK (partition >= 0),
  event_id text NOT NULL UNIQUE,
  merchant_id text NOT NULL,
  payload jsonb NOT NULL,
  failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  enqueued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_queue_by_partition ON event_queue (partition, sequence);

-- Events that failed APPLIER_ATTEMPT_COUNT_MAX times alone; an operator inspects and re-queues them.
CREATE TABLE event_dead_letter (
  event_id text PRIMARY KEY,
  merchant_id text NOT NULL,
  payload jsonb NOT NULL,
  error_text text NOT NULL,
  dead_lettered_at timestamptz NOT NULL DEFAULT now()
);
