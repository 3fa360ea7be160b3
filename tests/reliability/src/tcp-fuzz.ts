/**
 * Hostile connections at the terminal port: random bytes, random bodies behind a valid length,
 * lengths beyond the frame limit, byte-mutated MAC'd purchases, frames trickled byte by byte,
 * half-open frames left hanging, and connection floods. Each attempt reports how the gateway
 * reacted (answered, closed the connection, or stayed silent) and the response codes it sent.
 */
import { connect, type Socket } from 'node:net';
import { assert } from '@acq/assert';
import { cupPosSpec, decodeTerminalFrame, LengthPrefixedFrameReader } from '@acq/iso8583';
import type { SeededRandom } from './seeded-random.ts';

/** How long a hostile connection waits for the gateway's reaction before giving up on it. */
export const HOSTILE_REACTION_WAIT_MS = 400;
/** Delay between bytes of a trickled frame: slow, but far inside the gateway's idle timeout. */
export const TRICKLE_BYTE_INTERVAL_MS = 5;
/** Hostile connections in flight at once while fuzzing (each waits for the gateway's reaction). */
export const HOSTILE_CONCURRENCY = 25;
/** Connections one flood opens at once (the gateway allows 20,000; the machine's file limits less). */
export const FLOOD_CONNECTIONS = 300;
/** The 2-byte length prefix can announce at most this; the CUP POS limit is far lower. */
const LENGTH_PREFIX_MAX = 0xffff;
/** Bytes before the MAC'd message (length prefix, TPDU, header): mutations start after them. */
export const PREAMBLE_WITH_LENGTH_BYTES = 2 + 5 + 6;

export type HostileKind =
  | 'random-bytes'
  | 'random-body'
  | 'oversized-length'
  | 'mutated-purchase'
  | 'trickled-valid'
  | 'half-open';

export interface HostileOutcome {
  kind: HostileKind;
  closedByGateway: boolean;
  responseCodes: string[];
}

export interface HostileTally {
  attempts: number;
  byKind: Record<string, number>;
  closedByGateway: number;
  answered: number;
  responseCodes: Record<string, number>;
}

export function emptyHostileTally(): HostileTally {
  return { attempts: 0, byKind: {}, closedByGateway: 0, answered: 0, responseCodes: {} };
}

export function countOutcome(tally: HostileTally, outcome: HostileOutcome): void {
  tally.attempts++;
  tally.byKind[outcome.kind] = (tally.byKind[outcome.kind] ?? 0) + 1;
  if (outcome.closedByGateway) tally.closedByGateway++;
  if (outcome.responseCodes.length > 0) tally.answered++;
  for (const code of outcome.responseCodes) tally.responseCodes[code] = (tally.responseCodes[code] ?? 0) + 1;
}

function openSocket(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Watches a socket: replies decoded to their field 39, and whether the gateway closed it. */
function watch(socket: Socket) {
  const reader = new LengthPrefixedFrameReader();
  const state = { closed: false, codes: [] as string[] };
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const body of reader.push(chunk)) {
        const code = decodeTerminalFrame(cupPosSpec, body).message.fields.get(39);
        state.codes.push(typeof code === 'string' ? code : 'none');
      }
    } catch {
      state.codes.push('undecodable');
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    state.closed = true;
  });
  return state;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes the bytes (trickled or at once), waits for a reaction, then closes our side. */
export async function sendHostile(
  target: { host: string; port: number },
  kind: HostileKind,
  bytes: Buffer,
  options: { trickle?: boolean; holdOpenMs?: number } = {},
): Promise<HostileOutcome> {
  const socket = await openSocket(target.host, target.port);
  const state = watch(socket);
  if (options.trickle === true) {
    for (const byte of bytes) {
      if (state.closed) break;
      socket.write(Buffer.of(byte));
      await pause(TRICKLE_BYTE_INTERVAL_MS);
    }
  } else {
    socket.write(bytes);
  }
  await pause(options.holdOpenMs ?? HOSTILE_REACTION_WAIT_MS);
  const outcome = { kind, closedByGateway: state.closed, responseCodes: [...state.codes] };
  socket.destroy();
  return outcome;
}

export function randomBytesFrame(random: SeededRandom): Buffer {
  return random.bytes(random.integer(1, 512));
}

/** A length prefix that tells the truth, followed by random bytes. */
export function randomBodyFrame(random: SeededRandom): Buffer {
  const body = random.bytes(random.integer(1, 1_024));
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(body.length);
  return Buffer.concat([prefix, body]);
}

/** A length above the CUP POS frame limit with a first slice of body: must be refused, not buffered. */
export function oversizedLengthFrame(random: SeededRandom, messageBytesMax: number): Buffer {
  assert(messageBytesMax < LENGTH_PREFIX_MAX, 'the frame limit leaves room for an oversized prefix');
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(random.integer(messageBytesMax + 1, LENGTH_PREFIX_MAX));
  return Buffer.concat([prefix, random.bytes(random.integer(0, 256))]);
}

/** One byte of a real MAC'd frame changed (never to itself), after the unauthenticated preamble. */
export function mutatedFrame(random: SeededRandom, frame: Buffer): Buffer {
  assert(frame.length > PREAMBLE_WITH_LENGTH_BYTES, 'a frame has a message after its preamble');
  const mutated = Buffer.from(frame);
  const offset = random.integer(PREAMBLE_WITH_LENGTH_BYTES, frame.length - 1);
  mutated[offset] = (mutated[offset] as number) ^ random.integer(1, 255);
  return mutated;
}

/** Opens many connections at once, holds them briefly and closes them; returns how many opened. */
export async function floodConnections(target: { host: string; port: number }, count: number): Promise<number> {
  const opened = await Promise.allSettled(Array.from({ length: count }, () => openSocket(target.host, target.port)));
  const sockets = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  for (const socket of sockets) socket.on('error', () => {});
  await pause(HOSTILE_REACTION_WAIT_MS);
  for (const socket of sockets) socket.destroy();
  return sockets.length;
}
