// Goal: the gateway's opt-in TLS (GATEWAY_TLS_CERT_FILE / GATEWAY_TLS_KEY_FILE) covers both the
// terminal port and HTTP, refuses plain-text clients on both, and a half configuration stops the
// start. Method: a self-signed certificate from openssl; the gateway process alone on its own ports
// and database (no other service is needed to listen, answer frames and serve /healthz).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect as connectTls } from 'node:tls';
import { strict as expect } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { cupPosSpec, decodeTerminalFrame, encodeTerminalFrame, LengthPrefixedFrameReader } from '@acq/iso8583';
import pg from 'pg';

const GATEWAY_MAIN = fileURLToPath(new URL('../../../services/gateway/src/main.ts', import.meta.url));
/** Ports of this test's own gateway, away from the platform's 8583/8080. */
const TLS_TCP_PORT = 18_583;
const TLS_HTTP_PORT = 18_080;
const START_TIMEOUT_MS = 30_000;
const REPLY_TIMEOUT_MS = 5_000;

const folder = mkdtempSync(join(tmpdir(), 'acq-tls-'));
const certFile = join(folder, 'cert.pem');
const keyFile = join(folder, 'key.pem');
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `acq_tls_${randomBytes(4).toString('hex')}`;
let gateway: ChildProcess;
let certificate: Buffer;

function databaseUrl(): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function gatewayEnvironment(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl(),
    GATEWAY_TCP_PORT: String(TLS_TCP_PORT),
    GATEWAY_HTTP_PORT: String(TLS_HTTP_PORT),
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

function httpsStatus(path: string, ca: Buffer | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      { host: '127.0.0.1', port: TLS_HTTP_PORT, path, ...(ca === undefined ? {} : { ca }), timeout: REPLY_TIMEOUT_MS },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

async function waitForHttps(): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if ((await httpsStatus('/healthz', certificate).catch(() => 0)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the TLS gateway did not serve /healthz in time');
}

/** An echo (0820) of an unknown terminal: any decodable answer proves the terminal path works. */
function echoFrame(): Buffer {
  const fields = new Map<number, string>([
    [11, '000001'],
    [41, 'TLS00001'],
    [42, '123456789012345'],
    [60, '00000001301'],
  ]);
  const tpdu = Buffer.from('6000030000', 'hex');
  const header = Buffer.from('602200000000', 'hex');
  return encodeTerminalFrame(cupPosSpec, { tpdu, header, message: { mti: '0820', fields } });
}

before(async () => {
  const generated = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { encoding: 'utf8' },
  );
  expect.equal(generated.status, 0, generated.stderr);
  certificate = readFileSync(certFile);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  gateway = spawn(process.execPath, [GATEWAY_MAIN], {
    env: gatewayEnvironment({ GATEWAY_TLS_CERT_FILE: certFile, GATEWAY_TLS_KEY_FILE: keyFile }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForHttps();
});

after(async () => {
  if (gateway !== undefined && gateway.exitCode === null) {
    const exited = new Promise((resolve) => gateway.once('exit', resolve));
    gateway.kill('SIGTERM');
    await exited;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  rmSync(folder, { recursive: true, force: true });
});

test('HTTP is served over TLS with the configured certificate, and plain HTTP is refused', async () => {
  expect.equal(await httpsStatus('/healthz', certificate), 200);
  await expect.rejects(httpsStatus('/healthz', undefined), 'an unknown issuer fails verification');
  const plain = await fetch(`http://127.0.0.1:${TLS_HTTP_PORT}/healthz`, {
    signal: AbortSignal.timeout(REPLY_TIMEOUT_MS),
  }).then(
    (response) => response.status,
    () => 0,
  );
  expect.notEqual(plain, 200, 'plain HTTP gets no answer from the TLS port');
});

test('the terminal port answers ISO 8583 frames over TLS and drops plain-text frames', async () => {
  const tlsReply = await new Promise<string>((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port: TLS_TCP_PORT, ca: certificate }, () => {
      socket.write(echoFrame());
    });
    const reader = new LengthPrefixedFrameReader();
    socket.on('data', (chunk: Buffer) => {
      const [body] = reader.push(chunk);
      if (body === undefined) return;
      socket.destroy();
      resolve(decodeTerminalFrame(cupPosSpec, body).message.mti);
    });
    socket.on('error', reject);
    socket.setTimeout(REPLY_TIMEOUT_MS, () => reject(new Error('no reply over TLS')));
  });
  expect.equal(tlsReply, '0830');
  const plainAnswered = await new Promise<boolean>((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port: TLS_TCP_PORT }, () => socket.write(echoFrame()));
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      answered ||= chunk.length > 2 && chunk.readUInt16BE(0) === chunk.length - 2;
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(answered));
    socket.setTimeout(REPLY_TIMEOUT_MS, () => socket.destroy());
  });
  expect.equal(plainAnswered, false, 'a plain-text frame is never answered on the TLS port');
});

test('a certificate without its key (or the reverse) stops the start instead of serving plain text', async () => {
  const halfConfigured = spawn(process.execPath, [GATEWAY_MAIN], {
    env: gatewayEnvironment({ GATEWAY_TLS_CERT_FILE: certFile, GATEWAY_TCP_PORT: '18584', GATEWAY_HTTP_PORT: '18081' }),
    stdio: 'ignore',
  });
  const code = await new Promise<number | null>((resolve) =>
    halfConfigured.once('exit', (exitCode) => resolve(exitCode)),
  );
  expect.notEqual(code, 0);
});
