import { assert } from '@acq/assert';

/** Outbox rows the relay reads and publishes per round trip. */
export const RELAY_BATCH_SIZE_MAX = 1_000;
/**
 * Payload bytes per relay batch. Even if every event of a batch lands in one Kafka partition, its
 * record batch stays under the broker's default message.max.bytes (1 MiB).
 */
export const RELAY_BATCH_BYTES_MAX = 768 * 1024;
/** Fallback poll when no NOTIFY arrives (NOTIFY is the normal wake-up, within milliseconds). */
export const RELAY_POLL_INTERVAL_MS_MAX = 5_000;
/** Longest pause a relay may take after a wake-up to let events gather (latency it adds to the bus). */
export const RELAY_LINGER_MS_MAX = 200;
export const RELAY_PUBLISH_RETRY_BACKOFF_MS_BASE = 100;
export const RELAY_PUBLISH_RETRY_BACKOFF_MS_MAX = 10_000;
/** Published outbox rows are kept this long for inspection, then purged in bounded deletes. */
export const OUTBOX_PUBLISHED_RETENTION_MS = 24 * 60 * 60 * 1000;
export const PURGE_INTERVAL_MS = 60_000;
export const PURGE_BATCH_SIZE_MAX = 5_000;

/** Events a single writeOutboxEvents call may insert (one statement). */
export const OUTBOX_WRITE_EVENT_COUNT_MAX = 10_000;
/** Events are small protobufs; the cap keeps one event far below Kafka's default 1 MiB record batch. */
export const EVENT_PAYLOAD_BYTES_MAX = 256 * 1024;
export const EVENT_KEY_LENGTH_MAX = 256;
export const EVENT_HEADER_COUNT_MAX = 32;

/** Fixed partition count of every Postgres-log topic; changing it would break per-key order. */
export const POSTGRES_LOG_PARTITION_COUNT = 8;
/** Postgres-log events are kept this long (Kafka's default retention), then purged. */
export const POSTGRES_LOG_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Inbox rows outlive every redelivery window, so a late duplicate is still recognised. */
export const INBOX_RETENTION_MS = 8 * 24 * 60 * 60 * 1000;

export const CONSUMER_BATCH_SIZE_MAX = 500;
/** Payload bytes one Postgres-log consumer batch reads (and Kafka fetches per partition). */
export const CONSUMER_BATCH_BYTES_MAX = 4 * 1024 * 1024;
/** Total bytes of one Kafka fetch across partitions. */
export const KAFKA_FETCH_BYTES_MAX = 16 * 1024 * 1024;
export const CONSUMER_POLL_INTERVAL_MS_MAX = 5_000;
/** Longest pause a Postgres-log consumer may take to let events gather before a round (latency it adds). */
export const CONSUMER_BATCH_LINGER_MS_MAX = 200;
/** Postgres-log partitions one consumer replica processes concurrently. */
export const CONSUMER_PARTITION_WORKER_COUNT_MAX = 8;
export const CONSUMER_RETRY_COUNT_MAX = 20;
/**
 * A Postgres-log partition claim expires this long after its last renewal. The holder renews it
 * every third of the period while a batch runs, so it bounds how long a crashed consumer's
 * partitions stay blocked, not how long a batch may take.
 */
export const CONSUMER_PARTITION_LEASE_MS = 10_000;
export const CONSUMER_PARTITION_LEASE_MS_MIN = 1_000;
export const CONSUMER_PARTITION_LEASE_MS_MAX = 60_000;
export const CONSUMER_RETRY_BACKOFF_MS_BASE = 200;
export const CONSUMER_RETRY_BACKOFF_MS_MAX = 30_000;
/** Stored handler error text is cut to this length (it is log-safe text, not card data). */
export const ERROR_TEXT_LENGTH_MAX = 1_000;

export const KAFKA_REQUEST_TIMEOUT_MS = 10_000;
export const KAFKA_CONNECTION_TIMEOUT_MS = 3_000;
export const KAFKA_PRODUCE_TIMEOUT_MS = 10_000;
/**
 * A silent group member is evicted after this. Short enough that a rebalance stuck on a member that
 * left without saying so (seen with the librdkafka mock and kafkajs joins) resolves in seconds.
 */
export const KAFKA_SESSION_TIMEOUT_MS = 10_000;
export const KAFKA_HEARTBEAT_INTERVAL_MS = 3_000;
export const KAFKA_FETCH_WAIT_MS_MAX = 100;
export const KAFKA_RETRY_COUNT_MAX = 5;
export const KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY = 4;

assert(EVENT_PAYLOAD_BYTES_MAX <= RELAY_BATCH_BYTES_MAX, 'a single event always fits a relay batch');
assert(EVENT_PAYLOAD_BYTES_MAX <= CONSUMER_BATCH_BYTES_MAX, 'a single event always fits a consumer batch');
assert(CONSUMER_BATCH_BYTES_MAX <= KAFKA_FETCH_BYTES_MAX, 'a partition fetch fits the whole fetch');
assert(INBOX_RETENTION_MS > POSTGRES_LOG_RETENTION_MS, 'inbox outlives the log, so replayed duplicates are caught');
assert(
  CONSUMER_PARTITION_LEASE_MS_MIN <= CONSUMER_PARTITION_LEASE_MS &&
    CONSUMER_PARTITION_LEASE_MS <= CONSUMER_PARTITION_LEASE_MS_MAX,
  'default partition lease within its bounds',
);
assert(RELAY_PUBLISH_RETRY_BACKOFF_MS_BASE < RELAY_PUBLISH_RETRY_BACKOFF_MS_MAX, 'relay backoff range');
assert(CONSUMER_RETRY_BACKOFF_MS_BASE < CONSUMER_RETRY_BACKOFF_MS_MAX, 'consumer backoff range');
assert(KAFKA_HEARTBEAT_INTERVAL_MS * 3 <= KAFKA_SESSION_TIMEOUT_MS, 'heartbeat well inside the session timeout');
assert(KAFKA_PRODUCE_TIMEOUT_MS <= KAFKA_REQUEST_TIMEOUT_MS, 'produce timeout within the request timeout');
