/** `acq token --role operator|merchant [--merchant-id mch_...]`: prints an API access token. */
import { runTokenCommand } from '@acq/access';
import { type CliCommand, CliUsageError, type CliIo, EXIT_OK } from '../command.ts';

const USAGE = `usage: acq token --role operator|merchant [--merchant-id mch_...] [--subject name] [--ttl-seconds n]
Signs with ACCESS_TOKEN_SECRET (default: the local start's secret); use as "authorization: Bearer <token>".`;

async function runToken(args: readonly string[], io: CliIo): Promise<number> {
  const result = runTokenCommand(args, process.env, Date.now());
  if (!result.ok) throw new CliUsageError(result.usage.split('\n')[0] ?? 'bad arguments');
  io.stdout(`${result.token}\n`);
  return EXIT_OK;
}

export const tokenCommand: CliCommand = {
  name: 'token',
  summary: 'issue an API access token (operator or merchant)',
  usage: USAGE,
  run: runToken,
};
