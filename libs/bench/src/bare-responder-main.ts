// The ceiling-mode child process: starts the bare responder, announces {port, tmkHex} on stdout and
// exits on SIGTERM/SIGINT or when the parent's stdin closes.
import { startBareResponder } from './bare-responder.ts';

const requestedPort = Number(process.argv[2] ?? '0');
const responder = await startBareResponder(Number.isInteger(requestedPort) ? requestedPort : 0);
process.stdout.write(`${JSON.stringify({ port: responder.port, tmkHex: responder.tmkHex })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  // Open sockets would keep close() waiting; the bench has finished with them when it asks to stop.
  responder.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
  setTimeout(() => process.exit(0), 1_000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
