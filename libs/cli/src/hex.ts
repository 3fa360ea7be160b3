/** Hex input as people paste it: spaces, newlines and an optional 0x prefix are tolerated. */
import { CliUsageError } from './command.ts';

export function parseHexArgument(text: string, what: string): Buffer {
  const compact = text.replace(/^0x/i, '').replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(compact)) {
    throw new CliUsageError(`${what} must be an even number of hex digits`);
  }
  return Buffer.from(compact, 'hex');
}

export function upperHex(bytes: Buffer): string {
  return bytes.toString('hex').toUpperCase();
}
