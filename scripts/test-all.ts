/**
 * `npm test`: generate the contracts, lint, type-check the whole repository, then run every package's
 * tests one package at a time (integration tests share the machine's Postgres, Redis and ports).
 * Ends with one summary line, "N passed, N failed", summed over all node:test runs.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PASS_LINE = /[ℹ#] pass (\d+)\s*$/;
const FAIL_LINE = /[ℹ#] fail (\d+)\s*$/;

interface StepResult {
  exitCode: number;
  passed: number;
  failed: number;
}

function run(title: string, command: string, args: readonly string[]): Promise<StepResult> {
  process.stdout.write(`\n== ${title}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const result: StepResult = { exitCode: 0, passed: 0, failed: 0 };
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        result.passed += Number(PASS_LINE.exec(line)?.[1] ?? 0);
        result.failed += Number(FAIL_LINE.exec(line)?.[1] ?? 0);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ ...result, exitCode: code ?? 1 }));
  });
}

const turbo = 'node_modules/.bin/turbo';
const steps: Array<[string, string, string[]]> = [
  ['generate contracts', turbo, ['run', 'build', '--output-logs=errors-only']],
  ['lint (biome)', 'node_modules/.bin/biome', ['check', '.']],
  // One program over every package checks each file once (per-package runs re-check the shared libs).
  ['typecheck', 'node_modules/.bin/tsc', ['-p', 'tsconfig.json']],
  ['tests', turbo, ['run', 'test', '--concurrency=1', '--continue=always', '--output-logs=full']],
];

let passed = 0;
let failed = 0;
let failedSteps: string[] = [];
for (const [title, command, args] of steps) {
  const result = await run(title, command, args);
  passed += result.passed;
  failed += result.failed;
  if (result.exitCode !== 0) failedSteps = [...failedSteps, title];
  if (result.exitCode !== 0 && title !== 'tests') break;
}
if (failedSteps.length > 0) process.stdout.write(`\nfailed steps: ${failedSteps.join(', ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failedSteps.length > 0 || failed > 0 ? 1 : 0);
