// Goal: a service validates env at start-up, serves ops endpoints and drains on SIGTERM; method: spawn a real process.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/example-service.ts', import.meta.url));

function start(environment: Record<string, string>) {
  const child = spawn(process.execPath, [fixture], { env: { ...process.env, ...environment, LOG_LEVEL: 'silent' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  return { child, output: () => ({ stdout, stderr }) };
}

async function waitForStatus(url: string, status: number): Promise<unknown> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const response = await fetch(url);
      if (response.status === status) return await response.json();
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} never answered ${status}`);
}

test('a bad variable stops start-up with one line naming it', async () => {
  const service = start({ EXAMPLE_OPS_PORT: 'eighty' });
  const [code] = await once(service.child, 'exit');
  expect.equal(code, 78);
  expect.equal(service.output().stderr, "example: config: EXAMPLE_OPS_PORT must be an integer (got 'eighty')\n");
});

test('ready service answers /healthz and /readyz, drains on SIGTERM', async () => {
  const service = start({ EXAMPLE_OPS_PORT: '9198' });
  expect.deepEqual(await waitForStatus('http://127.0.0.1:9198/readyz', 200), {
    ready: true,
    checks: { dependency: 'ok' },
    accepting: true,
  });
  expect.equal((await fetch('http://127.0.0.1:9198/healthz')).status, 200);
  expect.match(await (await fetch('http://127.0.0.1:9198/metrics')).text(), /process_memory_usage/);
  service.child.kill('SIGTERM');
  const [code] = await once(service.child, 'exit');
  expect.equal(code, 0);
  expect.match(service.output().stdout, /drained/);
});

test('a failing dependency makes /readyz answer 503', async () => {
  const service = start({ EXAMPLE_OPS_PORT: '9197', EXAMPLE_READY: 'false' });
  const report = await waitForStatus('http://127.0.0.1:9197/readyz', 503);
  expect.deepEqual(report, { ready: false, checks: { dependency: 'failing' }, accepting: true });
  service.child.kill('SIGTERM');
  await once(service.child, 'exit');
});
