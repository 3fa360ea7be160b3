/** `acq kcv <key-hex>`: key check value, the first bytes of E_key(8 zero bytes). */
import { parseArgs } from 'node:util';
import { keyCheckValue } from '@acq/crypto';
import { type CliCommand, CliUsageError, type CliIo, EXIT_OK } from '../command.ts';
import { parseHexArgument, upperHex } from '../hex.ts';

const USAGE = `usage: acq kcv [--bytes 3|4|8] <key-hex>
The key is 8, 16 or 24 bytes; prints 4 bytes (as in CUP field 62) unless --bytes says otherwise.`;

async function runKcv(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: { bytes: { type: 'string', default: '4' } },
  });
  if (positionals.length !== 1) throw new CliUsageError('give exactly one key');
  const bytes = Number(values.bytes);
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 8) throw new CliUsageError('--bytes must be 1-8');
  const key = parseHexArgument(positionals[0] as string, 'the key');
  if (key.length !== 8 && key.length !== 16 && key.length !== 24)
    throw new CliUsageError('the key must be 8, 16 or 24 bytes');
  io.stdout(`${upperHex(keyCheckValue(key, bytes))}\n`);
  return EXIT_OK;
}

export const kcvCommand: CliCommand = {
  name: 'kcv',
  summary: 'key check value of a DES/3DES key',
  usage: USAGE,
  run: runKcv,
};
