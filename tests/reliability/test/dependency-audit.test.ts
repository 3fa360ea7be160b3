// Goal: no production dependency carries a known high or critical advisory at the time of the run.
// Method: `npm audit --omit=dev --json` from the repository root; when the registry's audit
// endpoint cannot be reached the test says so and skips rather than passing silently.
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { writeResults } from '../src/index.ts';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** The audit is one registry round trip plus the lockfile walk. */
const AUDIT_TIMEOUT_MS = 120_000;

interface AuditDocument {
  metadata?: { vulnerabilities?: Record<string, number>; dependencies?: { prod?: number } };
  message?: string;
  error?: { code?: string; summary?: string };
}

test('npm audit of production dependencies finds nothing high or critical', (t) => {
  const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
    cwd: REPOSITORY_ROOT,
    encoding: 'utf8',
    timeout: AUDIT_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  let document: AuditDocument;
  try {
    document = JSON.parse(run.stdout) as AuditDocument;
  } catch {
    document = { error: { summary: run.stderr.slice(0, 300) } };
  }
  const vulnerabilities = document.metadata?.vulnerabilities;
  if (vulnerabilities === undefined) {
    const reason = document.message ?? (document.error?.summary || 'no audit metadata in the answer');
    writeResults('dependency-audit', 0, { reachable: false, reason });
    t.skip(`the registry audit endpoint could not be used here: ${reason}`);
    return;
  }
  writeResults('dependency-audit', 0, { reachable: true, vulnerabilities });
  expect.equal((vulnerabilities.high ?? 0) + (vulnerabilities.critical ?? 0), 0, JSON.stringify(vulnerabilities));
});
