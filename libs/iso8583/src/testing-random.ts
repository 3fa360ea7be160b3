/**
 * Seeded randomness for property and fuzz tests (mulberry32): the same seed replays the same run,
 * so a failure report's seed reproduces it.
 */
import type { FieldValue, IsoMessage } from './codec.ts';
import type { FieldSpec, MessageSpec } from './spec.ts';

export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let value = this.#state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, bound). */
  below(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  bytes(count: number): Buffer {
    const out = Buffer.allocUnsafe(count);
    for (let index = 0; index < count; index++) out[index] = this.below(256);
    return out;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }
}

const DIGITS = '0123456789';
const TRACK_CHARS = '0123456789=ABCEF';

function randomText(random: SeededRandom, alphabet: string, length: number): string {
  let text = '';
  for (let index = 0; index < length; index++) text += alphabet.charAt(random.below(alphabet.length));
  return text;
}

function randomLatin1(random: SeededRandom, length: number): string {
  let text = '';
  for (let index = 0; index < length; index++) text += String.fromCharCode(random.below(256));
  return text;
}

export function randomFieldValue(random: SeededRandom, field: FieldSpec, lengthCap: number): FieldValue {
  const length = field.lengthKind === 'fixed' ? field.length : random.below(Math.min(field.length, lengthCap) + 1);
  if (field.encoding === 'binary') return random.bytes(length);
  if (field.encoding === 'z-bcd') return randomText(random, TRACK_CHARS, length);
  if (field.encoding === 'ascii') return randomLatin1(random, length);
  return randomText(random, DIGITS, length);
}

/** A valid random message: each field of the spec present with the given probability. */
export function randomMessage(
  random: SeededRandom,
  spec: MessageSpec,
  presence: number,
  lengthCap: number,
): IsoMessage {
  const fields = new Map<number, FieldValue>();
  for (let fieldNumber = 2; fieldNumber <= spec.fieldNumberMax; fieldNumber++) {
    const field = spec.fieldSpecs[fieldNumber];
    if (field === undefined || random.next() >= presence) continue;
    fields.set(fieldNumber, randomFieldValue(random, field, lengthCap));
  }
  return { mti: randomText(random, DIGITS, 4), fields };
}
