// Goal: the bus contract holds on Kafka, for per-event and batch handlers. Method: run the shared
// contract against the librdkafka mock cluster from @acq/testkit (or a Testcontainers broker), with
// kafkajs publisher and consumers.
import { testKafka } from '@acq/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { createKafkaPublisher } from '../src/index.ts';
import { type BackendUnderTest, CONTRACT_TOPICS, defineBusContract, type HandlerKind } from './bus-contract.ts';

const PARTITION_COUNT = 4;

async function kafkaBackend(): Promise<BackendUnderTest> {
  const kafka = await testKafka({ topics: CONTRACT_TOPICS.map((name) => ({ name, partitionCount: PARTITION_COUNT })) });
  const admin = new Kafka({ brokers: kafka.brokers, clientId: 'contract-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  return {
    publisher: () => createKafkaPublisher({ brokers: kafka.brokers, clientId: 'contract-relay' }),
    subscribeOptions: { backend: 'kafka', brokers: kafka.brokers },
    relayChildEnv: { RELAY_BACKEND: 'kafka', RELAY_BROKERS: kafka.brokers.join(',') },
    async storedEventCount(topic) {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
    },
    async tearDown() {
      await admin.disconnect();
      await kafka.stop();
    },
  };
}

// Each handler kind gets its own mock cluster, so topics and consumer groups start empty.
for (const handlerKind of ['per-event', 'batch'] as HandlerKind[])
  defineBusContract('kafka', handlerKind, kafkaBackend);
