/**
 * The shape of one `acq` sub-command. A command gets its arguments (after its name) and an IO
 * object, writes its output through it and returns the exit code; it throws CliUsageError for bad
 * arguments. Commands never call process.exit, so tests can run them in-process as well as spawned.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
}

export interface CliCommand {
  name: string;
  /** One line for `acq help`. */
  summary: string;
  /** Full usage text shown on `acq <name> --help` and after a usage error. */
  usage: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

export const EXIT_OK = 0;
/** The input was understood but is invalid (bad frame, bad key, MAC mismatch). */
export const EXIT_INVALID_INPUT = 1;
/** The command line itself is wrong. */
export const EXIT_USAGE = 2;

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
  readonly code = 'CLI_USAGE';
}
