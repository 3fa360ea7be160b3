/**
 * Throughput of the ISO 8583 port: starts the simulator as a child process (its own core), then
 * pipelines purchases over a few connections with a bounded window and reports requests per second
 * and latency percentiles. Usage: node bench/iso-bench.ts [totalRequests] [connections] [--pin]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pinBlockFormat0, tripleDesEncryptEcb } from '@acq/crypto';
import { cupNetworkSpec, decodeNetworkFrame, encodeNetworkFrame, LengthPrefixedFrameReader } from '@acq/iso8583';
import { DEV_NETWORK_ZPK_CLEAR } from '../src/transport/iso/hsm-pin-verifier.ts';

const HTTP_PORT = 28_601;
const ISO_PORT = 28_602;
const WINDOW_PER_CONNECTION = 256;
const STARTUP_WAIT_MS_MAX = 30_000;

const totalRequests = Number(process.argv[2] ?? 100_000);
const connections = Number(process.argv[3] ?? 4);
const withPin = process.argv.includes('--pin');

async function startSimulator(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    env: {
      ...process.env,
      NETWORK_SIM_HTTP_PORT: String(HTTP_PORT),
      NETWORK_SIM_ISO_PORT: String(ISO_PORT),
      LOG_LEVEL: 'warn',
    },
    stdio: 'inherit',
  });
  const deadline = Date.now() + STARTUP_WAIT_MS_MAX;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${HTTP_PORT}/readyz`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return child;
    } catch {
      // Not listening yet: retry until the deadline.
    }
    await sleep(100);
  }
  child.kill();
  throw new Error('simulator did not become ready');
}

async function createCard(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${HTTP_PORT}/cards`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pin: '123456', expiry: '3012', kind: 'debit', balanceFen: '900000000000000' }),
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json()) as { pan: string };
  return body.pan;
}

function purchaseFrame(pan: string, stan: number, terminal: number, pinBlock: Buffer | undefined): Buffer {
  const fields = new Map<number, string | Buffer>([
    [2, pan],
    [3, '000000'],
    [4, '000000000100'],
    [7, '1122020000'],
    [11, (stan % 1_000_000).toString().padStart(6, '0')],
    [25, '00'],
    [41, `B${terminal.toString().padStart(7, '0')}`],
    [42, '898310053110001'],
    [49, '156'],
  ]);
  if (pinBlock !== undefined) fields.set(52, pinBlock);
  return encodeNetworkFrame(cupNetworkSpec, { mti: '0200', fields });
}

async function drive(
  socket: Socket,
  pan: string,
  connectionIndex: number,
  count: number,
  latencies: number[],
): Promise<number> {
  const pinBlock = withPin
    ? tripleDesEncryptEcb(Buffer.from(DEV_NETWORK_ZPK_CLEAR, 'hex'), pinBlockFormat0('123456', pan))
    : undefined;
  const reader = new LengthPrefixedFrameReader();
  const sentAt = new Map<string, bigint>();
  let sent = 0;
  let received = 0;
  let approved = 0;
  return new Promise((resolve) => {
    const sendMore = (): void => {
      const batch: Buffer[] = [];
      while (sent < count && sent - received < WINDOW_PER_CONNECTION) {
        const stan = sent + 1;
        sentAt.set((stan % 1_000_000).toString().padStart(6, '0'), process.hrtime.bigint());
        batch.push(purchaseFrame(pan, stan, connectionIndex * 1_000 + Math.floor(stan / 1_000_000), pinBlock));
        sent += 1;
      }
      if (batch.length > 0) socket.write(Buffer.concat(batch));
    };
    socket.on('data', (chunk: Buffer) => {
      const now = process.hrtime.bigint();
      for (const body of reader.push(chunk)) {
        const message = decodeNetworkFrame(cupNetworkSpec, body).message;
        const stan = String(message.fields.get(11));
        const start = sentAt.get(stan);
        if (start !== undefined) latencies.push(Number(now - start) / 1e6);
        sentAt.delete(stan);
        if (message.fields.get(39) === '00') approved += 1;
        received += 1;
      }
      if (received === count) resolve(approved);
      else sendMore();
    });
    sendMore();
  });
}

function percentile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? 0;
}

const child = await startSimulator();
try {
  const pan = await createCard();
  const sockets = await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<Socket>((resolve) => {
          const socket = connect({ port: ISO_PORT, host: '127.0.0.1', noDelay: true }, () => resolve(socket));
        }),
    ),
  );
  const latencies: number[] = [];
  const perConnection = Math.floor(totalRequests / connections);
  const started = process.hrtime.bigint();
  const approvedCounts = await Promise.all(
    sockets.map((socket, index) => drive(socket, pan, index, perConnection, latencies)),
  );
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  latencies.sort((a, b) => a - b);
  const total = perConnection * connections;
  process.stdout.write(
    `${JSON.stringify({
      requests: total,
      approved: approvedCounts.reduce((sum, value) => sum + value, 0),
      connections,
      withPin,
      elapsedMs: Math.round(elapsedMs),
      requestsPerSecond: Math.round((total / elapsedMs) * 1_000),
      latencyMsP50: percentile(latencies, 0.5).toFixed(2),
      latencyMsP99: percentile(latencies, 0.99).toFixed(2),
    })}\n`,
  );
  for (const socket of sockets) socket.destroy();
} finally {
  child.kill('SIGTERM');
}
