/**
 * `acq mac --mak <hex> <frame-hex>`: the CUP ECB MAC of a terminal frame over MTI .. the field
 * before 64, printed as the 8 ASCII characters of field 64. With --verify the frame's own field 64
 * is compared and a mismatch exits 1. --mab MACs the given bytes as they are.
 */
import { parseArgs } from 'node:util';
import { cupEcbMac } from '@acq/crypto';
import { cupPosSpec, decodeTerminalFrame } from '@acq/iso8583';
import { type CliCommand, CliUsageError, type CliIo, EXIT_INVALID_INPUT, EXIT_OK } from '../command.ts';
import { parseHexArgument } from '../hex.ts';

const USAGE = `usage: acq mac --mak <hex> [--verify] <frame-hex>
       acq mac --mak <hex> --mab <hex>
The MAK is 8 bytes (single DES) or 16 bytes (3DES). The frame may carry its 2-byte length.`;

function frameBody(bytes: Buffer): Buffer {
  const hasPrefix = bytes.length > 2 && bytes.readUInt16BE(0) === bytes.length - 2;
  return hasPrefix ? bytes.subarray(2) : bytes;
}

async function runMac(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: { mak: { type: 'string' }, mab: { type: 'string' }, verify: { type: 'boolean', default: false } },
  });
  if (values.mak === undefined) throw new CliUsageError('--mak is required');
  const mak = parseHexArgument(values.mak, '--mak');
  if (mak.length !== 8 && mak.length !== 16) throw new CliUsageError('--mak must be 8 or 16 bytes');
  if (values.mab !== undefined) {
    if (positionals.length > 0) throw new CliUsageError('give either --mab or a frame, not both');
    io.stdout(`${cupEcbMac(mak, parseHexArgument(values.mab, '--mab')).toString('latin1')}\n`);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new CliUsageError('missing the frame hex');
  const frame = decodeTerminalFrame(cupPosSpec, frameBody(parseHexArgument(positionals.join(''), 'the frame')));
  const mac = cupEcbMac(mak, frame.macInput);
  io.stdout(`${mac.toString('latin1')}\n`);
  if (!values.verify) return EXIT_OK;
  const carried = frame.message.fields.get(64);
  if (!Buffer.isBuffer(carried)) {
    io.stderr('acq mac: the frame carries no field 64 to verify\n');
    return EXIT_INVALID_INPUT;
  }
  if (!carried.equals(mac)) {
    io.stderr('acq mac: field 64 does not match\n');
    return EXIT_INVALID_INPUT;
  }
  io.stderr('acq mac: field 64 matches\n');
  return EXIT_OK;
}

export const macCommand: CliCommand = {
  name: 'mac',
  summary: 'CUP ECB MAC of a terminal frame',
  usage: USAGE,
  run: runMac,
};
