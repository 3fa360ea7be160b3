/** `node libs/access/src/print-access-token.ts --role operator` prints a token (what `acq token` does). */
import { runTokenCommand } from './token-command.ts';

const result = runTokenCommand(process.argv.slice(2), process.env, Date.now());
if (result.ok) {
  process.stdout.write(`${result.token}\n`);
} else {
  process.stderr.write(`${result.usage}\n`);
  process.exitCode = 64;
}
