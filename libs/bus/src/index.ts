export { type Bus, type CreateBusOptions, createBusFromEnv } from './create-bus-from-env.ts';
export { DEFAULT_BUS_SCHEMA, ensureBusTables, ensurePostgresLog, SERVICE_TABLES_SQL_PATH } from './bus-tables.ts';
export { eventFromKafkaMessage } from './consumers/kafka-consumer.ts';
export type { Subscription } from './consumers/subscription.ts';
export { BusError, BusErrorCode } from './errors.ts';
export {
  type BusEvent,
  buildEvent,
  currentTraceHeaders,
  isEventId,
  newEventId,
  type OutboxEventInput,
  PROTOBUF_CONTENT_TYPE,
} from './event.ts';
export type { BatchEventHandler, EventHandler, EventHandlers } from './handler-span.ts';
export { purgeInbox } from './inbox-retention.ts';
export { parseBrokerList } from './kafka-client.ts';
export * as busLimits from './limits.ts';
export {
  type OutboxBacklog,
  type OutboxRelay,
  type OutboxRelayOptions,
  outboxBacklog,
  startOutboxRelay,
} from './outbox-relay.ts';
export { partitionForKey } from './partition.ts';
export {
  processEventBatch,
  type ProcessEventBatchOptions,
  type ProcessEventBatchResult,
} from './process-event-batch.ts';
export { createKafkaPublisher, EventHeader, type KafkaPublisherOptions } from './publishers/kafka-publisher.ts';
export { createPostgresLogPublisher, type PostgresLogPublisherOptions } from './publishers/postgres-log-publisher.ts';
export type { EventPublisher } from './publishers/publisher.ts';
export { type BusBackend, type SubscribeOptions, subscribe } from './subscribe.ts';
export {
  OUTBOX_EVENT_COLUMNS,
  OUTBOX_EVENT_PARAMETER_COUNT,
  outboxEventSource,
  prepareOutboxInsert,
  writeOutboxEvents,
} from './write-outbox-events.ts';
export { announceOutboxWrite } from './outbox-notifier.ts';
