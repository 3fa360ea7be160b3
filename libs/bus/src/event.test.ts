// Goal: event envelopes are well-formed and bounded, partitions are stable, broker lists and Kafka
// messages parse safely. Method: pure unit checks with golden values and refusal cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventFromKafkaMessage } from './consumers/kafka-consumer.ts';
import { buildEvent, isEventId, newEventId, PROTOBUF_CONTENT_TYPE } from './event.ts';
import { parseBrokerList } from './kafka-client.ts';
import { EVENT_KEY_LENGTH_MAX, EVENT_PAYLOAD_BYTES_MAX } from './limits.ts';
import { partitionForKey } from './partition.ts';
import { kafkaMessageFromEvent } from './publishers/kafka-publisher.ts';

test('newEventId is a version 7 UUID that sorts by creation time', () => {
  const earlier = newEventId(1_700_000_000_000);
  const later = newEventId(1_700_000_000_001);
  assert.ok(isEventId(earlier));
  assert.equal(earlier[14], '7');
  assert.ok(['8', '9', 'a', 'b'].includes(earlier[19] as string));
  assert.ok(earlier < later);
  assert.equal(earlier.slice(0, 13), '018bcfe5-6800');
  assert.notEqual(newEventId(5), newEventId(5));
  assert.throws(() => newEventId(-1), { code: 'ASSERTION_FAILED' });
});

test('buildEvent fills id, time and content type, and keeps caller headers', () => {
  const event = buildEvent(
    { topic: 'authorization.events', key: 'mch_1', type: 'x.Y', payload: new Uint8Array([1]), headers: { a: 'b' } },
    42,
  );
  assert.ok(isEventId(event.id));
  assert.equal(event.occurredAt.getTime(), 42);
  assert.deepEqual(event.headers, { 'content-type': PROTOBUF_CONTENT_TYPE, a: 'b' });
});

test('buildEvent refuses bad topics, keys, ids and payloads at and past the limits', () => {
  const valid = { topic: 't', key: 'k', type: 'x.Y', payload: new Uint8Array(0) };
  assert.doesNotThrow(() => buildEvent({ ...valid, key: 'k'.repeat(EVENT_KEY_LENGTH_MAX) }));
  assert.doesNotThrow(() => buildEvent({ ...valid, payload: new Uint8Array(EVENT_PAYLOAD_BYTES_MAX) }));
  for (const broken of [
    { ...valid, topic: 'Upper' },
    { ...valid, topic: '' },
    { ...valid, key: '' },
    { ...valid, key: 'k'.repeat(EVENT_KEY_LENGTH_MAX + 1) },
    { ...valid, type: '' },
    { ...valid, id: 'not-a-uuid' },
    { ...valid, payload: new Uint8Array(EVENT_PAYLOAD_BYTES_MAX + 1) },
  ]) {
    assert.throws(() => buildEvent(broken), { code: 'ASSERTION_FAILED' });
  }
});

test('partitionForKey is FNV-1a modulo the partition count (golden values)', () => {
  assert.equal(partitionForKey('', 8), 5);
  assert.equal(partitionForKey('a', 8), 4);
  assert.equal(partitionForKey('merchant-1', 8), 3);
  assert.equal(partitionForKey('mch_000000000000001', 8), 7);
  assert.equal(partitionForKey('商户', 8), 6);
  assert.equal(partitionForKey('anything', 1), 0);
  assert.throws(() => partitionForKey('a', 0), { code: 'ASSERTION_FAILED' });
});

test('parseBrokerList accepts host:port lists and refuses anything else with a code', () => {
  assert.deepEqual(parseBrokerList(' kafka-1:9092, kafka-2:9092 ,'), ['kafka-1:9092', 'kafka-2:9092']);
  for (const bad of ['', ' , ', 'kafka-1', 'kafka-1:port', 'a b:9092']) {
    assert.throws(() => parseBrokerList(bad), { code: 'BUS_INVALID_CONFIGURATION' });
  }
});

test('a Kafka message round-trips the envelope; a foreign message gets a stable derived id', () => {
  const event = buildEvent(
    { topic: 't', key: 'mch_1', type: 'x.Y', payload: new Uint8Array([7, 8]), headers: { traceparent: 'tp' } },
    1000,
  );
  const message = kafkaMessageFromEvent(event);
  const kafkaMessage = {
    key: Buffer.from(String(message.key)),
    value: message.value as Buffer,
    timestamp: '1000',
    attributes: 0,
    offset: '5',
    headers: Object.fromEntries(
      Object.entries(message.headers ?? {}).map(([name, value]) => [name, Buffer.from(String(value))]),
    ),
  };
  assert.deepEqual(eventFromKafkaMessage('t', 0, kafkaMessage), event);
  const foreign = { ...kafkaMessage, headers: {} };
  const first = eventFromKafkaMessage('t', 0, foreign);
  assert.ok(isEventId(first.id));
  assert.equal(eventFromKafkaMessage('t', 0, foreign).id, first.id);
  assert.notEqual(eventFromKafkaMessage('t', 1, foreign).id, first.id);
  assert.equal(first.type, 'unknown');
});
