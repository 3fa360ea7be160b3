// Goal: no input crashes or hangs the decoder: every outcome is a message or an IsoCodecError.
// Method: 100,000+ seeded frames (golden captures and sample messages mutated by bit flips, byte
// overwrites, truncation, insertion, length-prefix corruption, plus pure random bytes) go through
// the terminal frame decoder, both specs' unpackers and the TLV parser; whatever decodes must
// re-encode and decode to the same message. Inputs are capped at 8 KiB and the run at a time bound.
import { strict as expect } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  cupNetworkSpec,
  cupPosSpec,
  decodeTerminalFrame,
  encodeTerminalFrame,
  ISO_FRAME_BYTES_MAX,
  IsoCodecError,
  type MessageSpec,
  packMessage,
  parseTlv,
  samplePurchaseRequest,
  samplePurchaseResponse,
  unpackMessage,
} from './index.ts';
import { randomMessage, SeededRandom } from './testing-random.ts';

const FUZZ_FRAMES = 100_000;
const FUZZ_SEED = 20261122;
// A hang guard, not a speed test: the run takes about 5-10 s on a loaded 2-core machine.
const FUZZ_TIME_MS_MAX = 60_000;
const TPDU = Buffer.from('6000010000', 'hex');
const HEADER = Buffer.from('603100000000', 'hex');

function seedCorpus(random: SeededRandom): { terminalBodies: Buffer[]; networkMessages: Buffer[] } {
  const dir = join(import.meta.dirname, '..', 'testdata', 'cup-pos');
  const terminalBodies: Buffer[] = readdirSync(dir)
    .filter((file) => file.endsWith('.hex') && !file.includes('.message.'))
    .map((file) => Buffer.from(readFileSync(join(dir, file), 'utf8').trim(), 'hex').subarray(2));
  for (const message of [samplePurchaseRequest(), samplePurchaseResponse()]) {
    terminalBodies.push(encodeTerminalFrame(cupPosSpec, { tpdu: TPDU, header: HEADER, message }).subarray(2));
  }
  const networkMessages: Buffer[] = [];
  for (let index = 0; index < 20; index++) {
    terminalBodies.push(
      encodeTerminalFrame(cupPosSpec, {
        tpdu: TPDU,
        header: HEADER,
        message: randomMessage(random, cupPosSpec, 0.3, 60),
      }).subarray(2),
    );
    networkMessages.push(packMessage(cupNetworkSpec, randomMessage(random, cupNetworkSpec, 0.2, 60)));
  }
  return { terminalBodies, networkMessages };
}

function mutate(random: SeededRandom, seed: Buffer): Buffer {
  const kind = random.below(7);
  const bytes = Buffer.from(seed);
  if (bytes.length === 0 || kind === 0) return random.bytes(random.below(300));
  if (kind === 1) {
    for (let flips = 1 + random.below(4); flips > 0; flips--) {
      const at = random.below(bytes.length);
      bytes[at] = (bytes[at] as number) ^ (1 << random.below(8));
    }
    return bytes;
  }
  if (kind === 2) {
    bytes[random.below(bytes.length)] = random.below(256);
    return bytes;
  }
  if (kind === 3) return bytes.subarray(0, random.below(bytes.length));
  if (kind === 4) {
    const at = random.below(bytes.length + 1);
    return Buffer.concat([bytes.subarray(0, at), random.bytes(1 + random.below(16)), bytes.subarray(at)]);
  }
  if (kind === 5) {
    // Corrupt a likely length prefix or bitmap byte near the front.
    bytes[random.below(Math.min(bytes.length, 40))] = random.pick([0x00, 0x99, 0xff, 0x80, 0x19, 0x20]);
    return bytes;
  }
  return Buffer.concat([bytes, random.bytes(1 + random.below(8))]);
}

/** Runs the decoder; returns true when it decoded. Any non-codec exception fails the test. */
function decodesOrRefuses(run: () => void, input: Buffer, iteration: number): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof IsoCodecError) return false;
    throw new Error(`iteration ${iteration}: non-codec failure on ${input.toString('hex')}`, { cause: error });
  }
}

function checkReencodes(spec: MessageSpec, bytes: Buffer): void {
  const message = unpackMessage(spec, bytes);
  expect.deepEqual(unpackMessage(spec, packMessage(spec, message)), message);
}

test(`fuzz: ${FUZZ_FRAMES} random and mutated frames give messages or IsoCodecErrors only`, () => {
  const random = new SeededRandom(FUZZ_SEED);
  const { terminalBodies, networkMessages } = seedCorpus(random);
  const startedAt = performance.now();
  let decoded = 0;
  let iteration = 0;
  for (; iteration < FUZZ_FRAMES && performance.now() - startedAt < FUZZ_TIME_MS_MAX; iteration++) {
    const network = iteration % 4 === 3;
    const input = mutate(random, random.pick(network ? networkMessages : terminalBodies)).subarray(
      0,
      ISO_FRAME_BYTES_MAX,
    );
    if (network) {
      if (decodesOrRefuses(() => checkReencodes(cupNetworkSpec, input), input, iteration)) decoded++;
    } else if (decodesOrRefuses(() => decodeTerminalFrame(cupPosSpec, input), input, iteration)) {
      decoded++;
      checkReencodes(cupPosSpec, input.subarray(11));
    }
    if (iteration % 10 === 0) decodesOrRefuses(() => parseTlv(input), input, iteration);
  }
  expect.equal(iteration, FUZZ_FRAMES, `only ${iteration} frames within ${FUZZ_TIME_MS_MAX} ms`);
  // The mutations must exercise both outcomes, or the fuzzer is not reaching the field decoders.
  expect.ok(decoded > FUZZ_FRAMES / 50, `decoded ${decoded}`);
  expect.ok(decoded < FUZZ_FRAMES / 2, `decoded ${decoded}`);
});
