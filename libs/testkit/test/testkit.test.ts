// Goal: prove the test kit hands out isolated Postgres schemas, Redis prefixes and a working Kafka.
// Method: use each resource for real (SQL, a produce/consume round trip) and check clean-up.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startMockKafkaCluster, testDatabase, testKafka, testRedis, useContainers } from '../src/index.ts';

test('testDatabase creates unique schemas, binds pools to them and drops them on close', async () => {
  const database = await testDatabase();
  const first = await database.createSchema('kit');
  const second = await database.createSchema('kit');
  assert.notEqual(first, second);
  assert.match(first, /^kit_[0-9a-f]{10}$/);
  const pool = database.createPool(first);
  const result = await pool.query('SELECT current_schema() AS schema');
  assert.equal(result.rows[0].schema, first);
  await database.dropSchema(second);
  await database.close();
  const check = await testDatabase();
  try {
    const pool2 = check.createPool('public');
    const remaining = await pool2.query('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ANY($1)', [
      [first, second],
    ]);
    assert.equal(remaining.rows[0].n, 0);
  } finally {
    await check.close();
  }
});

test('testRedis gives a distinct key prefix per call', async () => {
  const first = await testRedis();
  const second = await testRedis();
  assert.match(first.url, /^redis:\/\//);
  assert.notEqual(first.keyPrefix, second.keyPrefix);
});

test('testKafka starts a cluster with pre-created topics that round-trips a message, then stops', async () => {
  const kafka = await testKafka({ topics: [{ name: 'kit-topic', partitionCount: 3 }] });
  const client = new Kafka({ brokers: kafka.brokers, clientId: 'kit-test', logLevel: logLevel.NOTHING });
  const admin = client.admin();
  const producer = client.producer();
  const consumer = client.consumer({ groupId: 'kit-group' });
  try {
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: ['kit-topic'] });
    assert.equal(metadata.topics[0]?.partitions.length, 3);
    await producer.connect();
    await producer.send({ topic: 'kit-topic', acks: -1, messages: [{ key: 'k', value: 'hello' }] });
    await consumer.connect();
    await consumer.subscribe({ topic: 'kit-topic', fromBeginning: true });
    const received = await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) });
    });
    assert.equal(received, 'hello');
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
    await kafka.stop();
  }
  // stop() really ends the launcher: its port no longer accepts connections.
  const [host, port] = String(kafka.brokers[0]).split(':');
  const refused = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: String(host), port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
  assert.equal(refused, true);
});

test('the mock cluster refuses an out-of-range broker count and bad topic names', async () => {
  await assert.rejects(startMockKafkaCluster({ brokerCount: 0 }), { code: 'ASSERTION_FAILED' });
  await assert.rejects(startMockKafkaCluster({ brokerCount: 10 }), { code: 'ASSERTION_FAILED' });
  await assert.rejects(startMockKafkaCluster({ topics: [{ name: 'bad name', partitionCount: 1 }] }), {
    code: 'ASSERTION_FAILED',
  });
  await assert.rejects(startMockKafkaCluster({ topics: [{ name: 'ok', partitionCount: 0 }] }), {
    code: 'ASSERTION_FAILED',
  });
});

test('ACQ_TESTKIT_CONTAINERS=off forces the local services', async () => {
  const previous = process.env.ACQ_TESTKIT_CONTAINERS;
  process.env.ACQ_TESTKIT_CONTAINERS = 'off';
  try {
    assert.equal(await useContainers(), false);
  } finally {
    if (previous === undefined) delete process.env.ACQ_TESTKIT_CONTAINERS;
    else process.env.ACQ_TESTKIT_CONTAINERS = previous;
  }
});
