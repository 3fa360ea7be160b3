import { type Logger, stderrLogger } from '@acq/db';
import type pg from 'pg';
import { DEFAULT_BUS_SCHEMA, ensureBusTables, ensurePostgresLog } from './bus-tables.ts';
import type { Subscription } from './consumers/subscription.ts';
import { parseBrokerList } from './kafka-client.ts';
import { type OutboxRelay, startOutboxRelay } from './outbox-relay.ts';
import { createKafkaPublisher } from './publishers/kafka-publisher.ts';
import { createPostgresLogPublisher } from './publishers/postgres-log-publisher.ts';
import type { EventPublisher } from './publishers/publisher.ts';
import { type BusBackend, type SubscribeOptions, subscribe } from './subscribe.ts';

export interface Bus {
  backend: BusBackend;
  publisher: EventPublisher;
  /** Starts this service's outbox relay (a singleton across replicas). */
  startRelay(options: { batchSizeMax: number; pollIntervalMs: number; lingerMs?: number }): OutboxRelay;
  subscribe(
    options: Omit<SubscribeOptions, 'pool' | 'schema' | 'backend' | 'brokers' | 'busSchema' | 'logger'>,
  ): Promise<Subscription>;
  close(): Promise<void>;
}

export interface CreateBusOptions {
  pool: pg.Pool;
  /** The service's own schema (outbox, inbox, dead_letter). */
  schema: string;
  clientId: string;
  logger?: Logger;
  busSchema?: string;
}

/**
 * Kafka when KAFKA_BROKERS is set, otherwise the durable Postgres log (one machine only). Creates
 * the bus tables in the service schema (and the log schema when used) before returning.
 */
export async function createBusFromEnv(
  env: Record<string, string | undefined>,
  options: CreateBusOptions,
): Promise<Bus> {
  const brokersText = env.KAFKA_BROKERS?.trim() ?? '';
  const brokers = brokersText.length > 0 ? parseBrokerList(brokersText) : undefined;
  const busSchema = options.busSchema ?? DEFAULT_BUS_SCHEMA;
  const logger = options.logger ?? stderrLogger;
  await ensureBusTables(options.pool, options.schema);
  if (brokers === undefined) await ensurePostgresLog(options.pool, busSchema);
  const publisher =
    brokers === undefined
      ? createPostgresLogPublisher({ pool: options.pool, busSchema })
      : createKafkaPublisher({ brokers, clientId: options.clientId });
  const backend: BusBackend = brokers === undefined ? 'postgres' : 'kafka';
  const relays: OutboxRelay[] = [];
  const subscriptions: Subscription[] = [];
  return {
    backend,
    publisher,
    startRelay(relayOptions) {
      const relay = startOutboxRelay({
        pool: options.pool,
        schema: options.schema,
        publisher,
        logger,
        ...relayOptions,
      });
      relays.push(relay);
      return relay;
    },
    async subscribe(subscribeOptions) {
      const subscription = await subscribe({
        clientId: options.clientId,
        ...subscribeOptions,
        pool: options.pool,
        schema: options.schema,
        backend,
        busSchema,
        logger,
        ...(brokers === undefined ? {} : { brokers }),
      });
      subscriptions.push(subscription);
      return subscription;
    },
    async close() {
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
      await Promise.all(relays.map((relay) => relay.stop()));
      await publisher.close();
    },
  };
}
