import type { Logger } from '@acq/db';
import type pg from 'pg';
import type { EventHandlers } from '../handler-span.ts';

export interface ConsumerOptions extends EventHandlers {
  /** The consumer's own pool and schema: inbox and dead_letter live there. */
  pool: pg.Pool;
  schema: string;
  group: string;
  topics: string[];
  retryCountMax: number;
  batchSizeMax: number;
  pollIntervalMs: number;
  /** Where a group with no stored position begins: all retained events, or only new ones. */
  startFrom: 'earliest' | 'latest';
  logger: Logger;
}

export interface Subscription {
  /** Events this replica finished (processed, skipped as duplicate, or dead-lettered). */
  readonly completedCount: number;
  /** Events published to the subscribed topics that this group has not finished yet. */
  lag(): Promise<number>;
  /** Stops fetching, lets the batch in progress finish, and releases connections. */
  stop(): Promise<void>;
}
