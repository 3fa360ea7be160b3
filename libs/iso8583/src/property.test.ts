// Goal: decode(encode(m)) == m and encode(decode(bytes)) == bytes for every valid message.
// Method: seeded random messages over every field of both spec tables (random presence, lengths
// from 0 to the maximum, every allowed character), packed, unpacked and repacked.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { cupNetworkSpec, cupPosSpec, type MessageSpec, packMessage, unpackMessage } from './index.ts';
import { randomMessage, SeededRandom } from './testing-random.ts';

const MESSAGES_PER_SPEC = 5_000;

function checkRoundTrips(spec: MessageSpec, seed: number, lengthCap: number): void {
  const random = new SeededRandom(seed);
  for (let iteration = 0; iteration < MESSAGES_PER_SPEC; iteration++) {
    const message = randomMessage(random, spec, 0.35, lengthCap);
    const packed = packMessage(spec, message);
    const decoded = unpackMessage(spec, packed);
    expect.deepEqual(decoded, message, `seed ${seed} iteration ${iteration}`);
    expect.deepEqual(packMessage(spec, decoded), packed, `seed ${seed} iteration ${iteration}`);
  }
}

test('CUP POS messages round-trip both ways', () => {
  checkRoundTrips(cupPosSpec, 0xc0ffee, 999);
});

test('network messages round-trip both ways', () => {
  // Variable fields capped at 200 characters so the random messages stay under the message bound.
  checkRoundTrips(cupNetworkSpec, 0xbeef, 200);
});
