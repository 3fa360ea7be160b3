export { type CliCommand, type CliIo, CliUsageError, EXIT_INVALID_INPUT, EXIT_OK, EXIT_USAGE } from './command.ts';
export { COMMANDS } from './commands/index.ts';
export { parseHexArgument, upperHex } from './hex.ts';
export { processIo, runCli } from './main.ts';
