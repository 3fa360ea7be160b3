import type { BusEvent } from '../event.ts';

/**
 * Where the relay sends outbox events. `publish` resolves only once every event is durably
 * stored by the broker (Kafka acks=all, or a committed Postgres-log insert), preserving the
 * order of events that share a key. It may be called again with events already published
 * (at-least-once); consumers deduplicate by event id.
 */
export interface EventPublisher {
  readonly backend: 'kafka' | 'postgres';
  publish(events: readonly BusEvent[]): Promise<void>;
  /**
   * Where the broker shares the outbox's database (the Postgres log): publishes and marks the
   * outbox rows at `positions` published in one atomic statement; returns how many it marked.
   * Absent elsewhere: the relay marks the rows after `publish`.
   */
  publishFromOutbox?(
    events: readonly BusEvent[],
    outbox: { schema: string; positions: readonly bigint[] },
  ): Promise<number>;
  /** Periodic housekeeping (log retention); a no-op where the broker does it. */
  purgeExpired(): Promise<number>;
  close(): Promise<void>;
}
