/** `acq pinblock --pin P --pan N [--key K]`: ISO 9564 format 0 PIN block, clear or under a key. */
import { parseArgs } from 'node:util';
import { pinBlockFormat0, tripleDesEncryptEcb } from '@acq/crypto';
import { type CliCommand, CliUsageError, type CliIo, EXIT_OK } from '../command.ts';
import { parseHexArgument, upperHex } from '../hex.ts';

const USAGE = `usage: acq pinblock --pin <4-12 digits> --pan <13-19 digits> [--key <hex>]
Prints the clear format 0 block, or with --key (8/16/24 bytes) the block encrypted under it.`;

async function runPinBlock(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: { pin: { type: 'string' }, pan: { type: 'string' }, key: { type: 'string' } },
  });
  if (positionals.length > 0) throw new CliUsageError('unexpected arguments');
  if (values.pin === undefined || values.pan === undefined) throw new CliUsageError('--pin and --pan are required');
  const clearBlock = pinBlockFormat0(values.pin, values.pan);
  if (values.key === undefined) {
    io.stdout(`${upperHex(clearBlock)}\n`);
    return EXIT_OK;
  }
  const key = parseHexArgument(values.key, '--key');
  if (key.length !== 8 && key.length !== 16 && key.length !== 24)
    throw new CliUsageError('--key must be 8, 16 or 24 bytes');
  io.stdout(`${upperHex(tripleDesEncryptEcb(key, clearBlock))}\n`);
  return EXIT_OK;
}

export const pinBlockCommand: CliCommand = {
  name: 'pinblock',
  summary: 'ISO 9564 format 0 PIN block (clear or encrypted)',
  usage: USAGE,
  run: runPinBlock,
};
