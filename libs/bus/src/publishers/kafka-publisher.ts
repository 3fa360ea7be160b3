import { assert } from '@acq/assert';
import { type Logger, stderrLogger } from '@acq/db';
import { CompressionTypes, Kafka, type Message, Partitioners, type Producer, type TopicMessages } from 'kafkajs';
import type { BusEvent } from '../event.ts';
import { kafkaClientConfig } from '../kafka-client.ts';
import { KAFKA_PRODUCE_TIMEOUT_MS } from '../limits.ts';
import type { EventPublisher } from './publisher.ts';

export interface KafkaPublisherOptions {
  brokers: string[];
  clientId: string;
  logger?: Logger;
}

/** Kafka headers carrying the envelope fields next to the W3C trace context. */
export const EventHeader = {
  id: 'event-id',
  type: 'event-type',
  occurredAt: 'occurred-at',
} as const;

export function kafkaMessageFromEvent(event: BusEvent): Message {
  return {
    key: event.key,
    value: Buffer.from(event.payload.buffer, event.payload.byteOffset, event.payload.byteLength),
    timestamp: String(event.occurredAt.getTime()),
    headers: {
      ...event.headers,
      [EventHeader.id]: event.id,
      [EventHeader.type]: event.type,
      [EventHeader.occurredAt]: event.occurredAt.toISOString(),
    },
  };
}

/**
 * Kafka publisher: the event key is the message key, so the default (murmur2) partitioner keeps
 * one key in one partition; acks=all and one request in flight keep retries from reordering it.
 * The idempotent producer stays off because the librdkafka mock cluster used in tests lacks it;
 * duplicates from retries are absorbed by the consumers' inbox.
 */
export function createKafkaPublisher(options: KafkaPublisherOptions): EventPublisher {
  const kafka = new Kafka(kafkaClientConfig(options.brokers, options.clientId, options.logger ?? stderrLogger));
  const producer: Producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: true,
    idempotent: false,
    maxInFlightRequests: 1,
  });
  let connected: Promise<void> | undefined;
  return {
    backend: 'kafka',
    async publish(events) {
      if (events.length === 0) return;
      // A failed connect is forgotten so the relay's next retry connects afresh.
      connected ??= producer.connect().catch((error: unknown) => {
        connected = undefined;
        throw error;
      });
      await connected;
      const topicMessages = groupByTopic(events);
      const results = await producer.sendBatch({
        topicMessages,
        acks: -1,
        timeout: KAFKA_PRODUCE_TIMEOUT_MS,
        compression: CompressionTypes.None,
      });
      assert(
        results.every((result) => result.errorCode === 0),
        'broker acknowledged every partition',
      );
    },
    purgeExpired: () => Promise.resolve(0),
    async close() {
      if (connected !== undefined) await producer.disconnect();
    },
  };
}

/** Groups by topic keeping the original order inside each topic (and so inside each key). */
function groupByTopic(events: readonly BusEvent[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const event of events) {
    const messages = byTopic.get(event.topic) ?? [];
    messages.push(kafkaMessageFromEvent(event));
    byTopic.set(event.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
