// Goal: `acq bench --ceiling`, `acq pos` and `acq token` work end to end as operators run them.
// Method: spawn bin/acq.ts with the repository's Node 24; the bench spawns its own bare responder
// child process, and `acq pos` runs against a bare responder started in this test.
import { strict as expect } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { verifyAccessToken } from '@acq/access';
import { type BareResponderProcess, spawnBareResponder } from '@acq/bench';

const BIN = join(import.meta.dirname, '..', 'bin', 'acq.ts');
/** A 2 s bench with warm-up, responder start and sign-ins; generous for a loaded shared machine. */
const SPAWN_TIMEOUT_MS = 60_000;

function acq(args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      timeout: SPAWN_TIMEOUT_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let directory: string;
let responder: BareResponderProcess;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'acq-cli-test-'));
  responder = await spawnBareResponder();
});

after(async () => {
  await responder.stop();
  await rm(directory, { recursive: true, force: true });
});

test('acq bench --ceiling runs open loop against a bare responder child and writes the JSON report', async () => {
  const jsonPath = join(directory, 'bench.json');
  const args = ['bench', '--ceiling', '--duration', '2s', '--warmup', '500ms', '--terminals', '4', '--rate', '200'];
  const result = await acq([...args, '--json', jsonPath]);
  expect.equal(result.status, 0, result.stderr);
  expect.match(result.stdout, /ceiling 127\.0\.0\.1:\d+, 4 terminals, open loop at 200\/s/);
  expect.match(result.stdout, /latency ms: p50 [\d.]+ p90 [\d.]+ p99 [\d.]+ p99\.9 [\d.]+ max [\d.]+/);
  expect.match(result.stderr, /bare responder listening on 127\.0\.0\.1:\d+ \(pid \d+\)/);
  expect.match(result.stderr, /measure rate=\d+\/s p50=[\d.]+ms p99=[\d.]+ms errors=0/);
  const document = JSON.parse(await readFile(jsonPath, 'utf8'));
  expect.equal(document.schemaVersion, 1);
  expect.equal(document.target.kind, 'ceiling');
  expect.deepEqual(document.options.mode, { kind: 'open', ratePerSecond: 200 });
  expect.equal(document.result.terminals, 4);
  expect.equal(document.result.connectionErrors, 0);
  expect.equal(document.result.timeouts, 0);
  expect.deepEqual(Object.keys(document.result.responseCodes), ['00']);
  // 2 s at 200/s offered: at least half answered even on a loaded machine, never more than offered.
  expect.ok(document.result.completed >= 200 && document.result.completed <= 420, String(document.result.completed));
  expect.ok(document.result.latencyMs.p50 <= document.result.latencyMs.p99);
  expect.equal(document.verification, null);
});

test('acq bench refuses a command line without --rate or --closed', async () => {
  const result = await acq(['bench', '--ceiling']);
  expect.equal(result.status, 2);
  expect.match(result.stderr, /either --rate R \(open loop\) or --closed/);
});

test('acq pos keeps trace numbering and its journal across invocations: purchase, void, reversal, settle', async () => {
  const profile = join(directory, 'terminal.json');
  await writeFile(
    profile,
    JSON.stringify({
      version: 1,
      terminalId: 'T0000001',
      merchantId: 'mch_test',
      merchantNumber: '898310058120001',
      tmkHex: responder.tmkHex,
      batchNumber: '000001',
      lastStan: 0,
      journal: [],
      lastRequest: null,
    }),
  );
  const common = ['--profile', profile, '--port', String(responder.port)];
  const card = ['--pan', '6217000000000000087', '--expiry', '3012', '--pin', '123456'];
  const purchase = await acq(['pos', 'purchase', ...common, ...card, '--amount-fen', '1234']);
  expect.equal(purchase.status, 0, purchase.stderr);
  expect.match(purchase.stdout, /F2 +Primary account number\.+: 621700\*\*\*\*0087/);
  expect.doesNotMatch(purchase.stdout, /6217000000000000087/);
  expect.match(purchase.stdout, /金额 AMOUNT +: RMB 12\.34/);
  expect.match(purchase.stdout, /凭证号 TRACE NO +: 000002/);
  const voided = await acq(['pos', 'void', ...common, ...card, '--stan', '2']);
  expect.equal(voided.status, 0, voided.stderr);
  expect.match(voided.stdout, /消费撤销 VOID/);
  expect.match(voided.stdout, /凭证号 TRACE NO +: 000004/);
  const again = await acq(['pos', 'void', ...common, ...card, '--stan', '2']);
  expect.equal(again.status, 1);
  expect.match(again.stderr, /STAN 000002 was already voided/);
  const wrongCard = await acq(['pos', 'reversal', ...common, '--pan', '6217000000000000095', '--expiry', '3012']);
  expect.equal(wrongCard.status, 1);
  expect.match(wrongCard.stderr, /the original used card 621700\*\*\*\*0087/);
  const reversal = await acq(['pos', 'reversal', ...common, '--pan', '6217000000000000087', '--expiry', '3012']);
  expect.equal(reversal.status, 0, reversal.stderr);
  expect.match(reversal.stdout, /MTI 0400/);
  const settle = await acq(['pos', 'settle', ...common]);
  expect.equal(settle.status, 0, settle.stderr);
  expect.match(settle.stdout, /批结算 SETTLEMENT batch 000001: 00/);
  const saved = JSON.parse(await readFile(profile, 'utf8'));
  expect.equal(saved.batchNumber, '000002');
  // Each invocation signs in first: 1-2 purchase, 3-4 void, 5 refused void, 6 refused reversal,
  // 7-8 reversal (8 drawn for the rebuilt request, which is sent under the original's STAN), 9-10 settle.
  expect.equal(saved.lastStan, 10);
  expect.equal(JSON.stringify(saved).includes('6217000000000000087'), false);
});

test('acq pos scan-code purchase carries field 59 and prints no card on the receipt', async () => {
  const profile = join(directory, 'scan-terminal.json');
  await writeFile(
    profile,
    JSON.stringify({
      version: 1,
      terminalId: 'T0000002',
      merchantId: 'mch_test',
      merchantNumber: '898310058120001',
      tmkHex: responder.tmkHex,
      batchNumber: '000003',
      lastStan: 999_998,
      journal: [],
      lastRequest: null,
    }),
  );
  const common = ['--profile', profile, '--port', String(responder.port)];
  const result = await acq([
    'pos',
    'purchase',
    ...common,
    '--entry',
    'scan',
    '--scan-code',
    '134567890123456789',
    '--amount-fen',
    '500',
  ]);
  expect.equal(result.status, 0, result.stderr);
  expect.match(result.stdout, /F59 /);
  expect.match(result.stdout, /F22 +POS entry mode\.+: 032/);
  expect.doesNotMatch(result.stdout, /卡号 CARD NO/);
  // Sign-in took 999999 and the purchase wrapped to 000001.
  expect.match(result.stdout, /凭证号 TRACE NO +: 000001/);
  expect.match(result.stdout, /批次号 BATCH NO +: 000003/);
  const missingCode = await acq(['pos', 'purchase', ...common, '--entry', 'scan', '--amount-fen', '500']);
  expect.equal(missingCode.status, 2);
  expect.match(missingCode.stderr, /needs --scan-code/);
});

test('acq pos without a profile tells the operator to activate first', async () => {
  const result = await acq(['pos', 'echo'], { HOME: directory });
  expect.equal(result.status, 2);
  expect.match(result.stderr, /run "acq pos activate --serial SN --code CODE" first/);
});

test('acq token prints a token the gateway accepts, and refuses a merchant token without a merchant', async () => {
  const secret = 'test-secret-for-acq-token-0123456789';
  const result = await acq(['token', '--role', 'merchant', '--merchant-id', 'mch_4zgel77gl6vm5n5mszyi'], {
    ACCESS_TOKEN_SECRET: secret,
  });
  expect.equal(result.status, 0, result.stderr);
  const verified = verifyAccessToken(result.stdout.trim(), secret, Date.now());
  expect.equal(verified.ok && verified.claims.merchantId, 'mch_4zgel77gl6vm5n5mszyi');
  const refused = await acq(['token', '--role', 'merchant']);
  expect.equal(refused.status, 2);
});
