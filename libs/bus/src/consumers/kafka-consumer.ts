import { createHash } from 'node:crypto';
import { assert } from '@acq/assert';
import { describeError } from '@acq/db';
import { type Admin, type Consumer, type EachBatchPayload, Kafka, type KafkaMessage } from 'kafkajs';
import type { BusEvent } from '../event.ts';
import { kafkaClientConfig } from '../kafka-client.ts';
import {
  CONSUMER_BATCH_BYTES_MAX,
  KAFKA_FETCH_BYTES_MAX,
  KAFKA_FETCH_WAIT_MS_MAX,
  KAFKA_HEARTBEAT_INTERVAL_MS,
  KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
  KAFKA_SESSION_TIMEOUT_MS,
} from '../limits.ts';
import { processEventBatch } from '../process-event-batch.ts';
import { EventHeader } from '../publishers/kafka-publisher.ts';
import type { ConsumerOptions, Subscription } from './subscription.ts';

export interface KafkaConsumerOptions extends ConsumerOptions {
  brokers: string[];
  clientId: string;
}

/**
 * Consumes Kafka with autoCommit off: each chunk of a partition's batch goes through the inbox in
 * one database transaction, and only after it commits are the offsets resolved and committed to
 * Kafka. A crash in between redelivers events the inbox already finished, which are then skipped.
 * A failing event stops its partition (seek back, pause, resume after the backoff) to keep order.
 */
export async function startKafkaConsumer(options: KafkaConsumerOptions): Promise<Subscription> {
  const kafka = new Kafka(kafkaClientConfig(options.brokers, options.clientId, options.logger));
  const consumer = kafka.consumer({
    groupId: options.group,
    sessionTimeout: KAFKA_SESSION_TIMEOUT_MS,
    heartbeatInterval: KAFKA_HEARTBEAT_INTERVAL_MS,
    maxWaitTimeInMs: KAFKA_FETCH_WAIT_MS_MAX,
    maxBytesPerPartition: CONSUMER_BATCH_BYTES_MAX,
    maxBytes: KAFKA_FETCH_BYTES_MAX,
    // Lets a consumer start before the first producer where the brokers auto-create topics.
    allowAutoTopicCreation: true,
  });
  const admin = kafka.admin();
  const state = { completedCount: 0 };
  const resumeTimers = new Set<NodeJS.Timeout>();
  try {
    await Promise.all([consumer.connect(), admin.connect()]);
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.startFrom === 'earliest' });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
      eachBatch: (payload) => consumeBatch(options, consumer, payload, state, resumeTimers),
    });
  } catch (error) {
    // Do not leave half-open clients behind a failed start; the caller sees the original error.
    await Promise.allSettled([consumer.disconnect(), admin.disconnect()]);
    throw error;
  }
  return {
    get completedCount() {
      return state.completedCount;
    },
    lag: () => kafkaLag(admin, options.group, options.topics),
    async stop() {
      for (const timer of resumeTimers) clearTimeout(timer);
      await consumer.disconnect();
      await admin.disconnect();
    },
  };
}

async function consumeBatch(
  options: KafkaConsumerOptions,
  consumer: Consumer,
  payload: EachBatchPayload,
  state: { completedCount: number },
  resumeTimers: Set<NodeJS.Timeout>,
): Promise<void> {
  const { batch } = payload;
  for (let start = 0; start < batch.messages.length; start += options.batchSizeMax) {
    // Stop promptly on shutdown or after a rebalance took the partition away.
    if (!payload.isRunning() || payload.isStale()) return;
    const messages = batch.messages.slice(start, start + options.batchSizeMax);
    const events = messages.map((message) => eventFromKafkaMessage(batch.topic, batch.partition, message));
    const result = await processEventBatch(options, events);
    state.completedCount += result.completedCount;
    const lastCompleted = messages[result.completedCount - 1];
    if (lastCompleted !== undefined) {
      payload.resolveOffset(lastCompleted.offset);
      const committed = await commitOffset(options, consumer, batch.topic, batch.partition, lastCompleted.offset);
      if (!committed) return;
    }
    await payload.heartbeat();
    if (result.retryAfterMs !== undefined) {
      const failed = messages[result.completedCount];
      assert(failed !== undefined, 'a retry points at a message of this chunk');
      pauseForRetry(options, consumer, batch.topic, batch.partition, failed.offset, result.retryAfterMs, resumeTimers);
      return;
    }
  }
}

/**
 * Commits `offset + 1` after the database transaction. A failure here (typically a rebalance in
 * progress) loses nothing: the events are finished in the inbox, so whoever gets the partition
 * next skips them. The batch stops so kafkajs can rejoin the group.
 */
async function commitOffset(
  options: KafkaConsumerOptions,
  consumer: Consumer,
  topic: string,
  partition: number,
  offset: string,
): Promise<boolean> {
  const next = (BigInt(offset) + 1n).toString();
  try {
    await consumer.commitOffsets([{ topic, partition, offset: next }]);
    return true;
  } catch (error) {
    options.logger.warn(
      { group: options.group, topic, partition, ...describeError(error) },
      'offset commit failed; inbox absorbs the redelivery',
    );
    return false;
  }
}

function pauseForRetry(
  options: KafkaConsumerOptions,
  consumer: Consumer,
  topic: string,
  partition: number,
  offset: string,
  retryAfterMs: number,
  resumeTimers: Set<NodeJS.Timeout>,
): void {
  consumer.pause([{ topic, partitions: [partition] }]);
  consumer.seek({ topic, partition, offset });
  const timer = setTimeout(() => {
    resumeTimers.delete(timer);
    try {
      consumer.resume([{ topic, partitions: [partition] }]);
    } catch (error) {
      options.logger.warn(
        { group: options.group, topic, partition, ...describeError(error) },
        'partition resume failed',
      );
    }
  }, retryAfterMs);
  resumeTimers.add(timer);
}

/**
 * Rebuilds the envelope from headers written by the Kafka publisher. A message without an event id
 * (a foreign producer) gets a stable id derived from its position, so it is still deduplicated.
 */
export function eventFromKafkaMessage(topic: string, partition: number, message: KafkaMessage): BusEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? String(value[0] ?? '') : String(value);
  }
  const id = headers[EventHeader.id] ?? positionEventId(topic, partition, message.offset);
  const type = headers[EventHeader.type] ?? 'unknown';
  const occurredAtText = headers[EventHeader.occurredAt];
  const occurredAt = occurredAtText === undefined ? new Date(Number(message.timestamp)) : new Date(occurredAtText);
  delete headers[EventHeader.id];
  delete headers[EventHeader.type];
  delete headers[EventHeader.occurredAt];
  const value = message.value ?? Buffer.alloc(0);
  return {
    id,
    topic,
    key: message.key === null ? '' : message.key.toString('utf8'),
    type,
    payload: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
    headers,
    occurredAt,
  };
}

function positionEventId(topic: string, partition: number, offset: string): string {
  const hex = createHash('sha256').update(`${topic}/${partition}/${offset}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

async function kafkaLag(admin: Admin, group: string, topics: string[]): Promise<number> {
  let lag = 0n;
  const committed = await admin.fetchOffsets({ groupId: group, topics });
  for (const topic of topics) {
    const high = await admin.fetchTopicOffsets(topic);
    const committedPartitions = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
    for (const partition of high) {
      const committedOffset =
        committedPartitions.find((entry) => entry.partition === partition.partition)?.offset ?? '-1';
      const start = committedOffset === '-1' ? BigInt(partition.low) : BigInt(committedOffset);
      const behind = BigInt(partition.high) - start;
      lag += behind > 0n ? behind : 0n;
    }
  }
  return Number(lag);
}
