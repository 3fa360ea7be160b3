import { Kafka, logLevel } from 'kafkajs';
import { useContainers } from './docker-engine.ts';
import { startMockKafkaCluster, type TopicSpec } from './kafka-mock-cluster.ts';
import { KAFKA_ADMIN_REQUEST_TIMEOUT_MS } from './limits.ts';

const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.0';
const KAFKA_CONTAINER_PORT = 9093;

export interface TestKafka {
  brokers: string[];
  /** `mock` has no CreateTopics, idempotent or transactional producers; tests must not need them. */
  kind: 'container' | 'mock';
  stop(): Promise<void>;
}

/**
 * Kafka for tests: a Testcontainers broker where a Docker engine answers, otherwise the librdkafka
 * mock cluster built from deploy/kafka-mock. Topics are created up front in both cases.
 */
export async function testKafka(options: { topics?: TopicSpec[]; brokerCount?: number } = {}): Promise<TestKafka> {
  const topics = options.topics ?? [];
  if (!(await useContainers())) {
    const cluster = await startMockKafkaCluster({ topics, brokerCount: options.brokerCount ?? 1 });
    return { brokers: cluster.brokers, kind: 'mock', stop: cluster.stop };
  }
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const container = await new KafkaContainer(KAFKA_IMAGE).withKraft().start();
  const brokers = [`${container.getHost()}:${container.getMappedPort(KAFKA_CONTAINER_PORT)}`];
  await createTopics(brokers, topics);
  return {
    brokers,
    kind: 'container',
    stop: async () => {
      await container.stop();
    },
  };
}

async function createTopics(brokers: string[], topics: TopicSpec[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = new Kafka({
    brokers,
    clientId: 'testkit-admin',
    requestTimeout: KAFKA_ADMIN_REQUEST_TIMEOUT_MS,
    logLevel: logLevel.WARN,
  }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({ topic: topic.name, numPartitions: topic.partitionCount })),
    });
  } finally {
    await admin.disconnect();
  }
}
