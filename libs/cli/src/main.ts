/**
 * Dispatches `acq <command> ...` through the command table and maps failures to exit codes: usage
 * errors exit 2 with the command's usage, invalid input (codec and crypto errors) exits 1 with the
 * error's log-safe message. Anything else is a bug and is rethrown.
 */
import { CryptoError } from '@acq/crypto';
import { IsoCodecError } from '@acq/iso8583';
import { type CliCommand, CliUsageError, type CliIo, EXIT_INVALID_INPUT, EXIT_OK, EXIT_USAGE } from './command.ts';
import { COMMANDS } from './commands/index.ts';

function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `usage: acq <command> [options]\ncommands:\n${lines.join('\n')}\nrun "acq <command> --help" for details\n`;
}

function isParseArgsError(error: unknown): error is Error {
  if (!(error instanceof TypeError)) return false;
  const code: unknown = Reflect.get(error, 'code');
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(helpText());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command: CliCommand | undefined = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.stderr(`acq: unknown command "${name}"\n${helpText()}`);
    return EXIT_USAGE;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof CliUsageError || isParseArgsError(error)) {
      io.stderr(`acq ${command.name}: ${error.message}\n${command.usage}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof IsoCodecError || error instanceof CryptoError) {
      io.stderr(`acq ${command.name}: ${error.message}\n`);
      return EXIT_INVALID_INPUT;
    }
    throw error;
  }
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

// `node libs/cli/src/main.ts ...` (the root "acq" npm script) runs the CLI directly.
if (import.meta.main) process.exitCode = await runCli(process.argv.slice(2), processIo());
