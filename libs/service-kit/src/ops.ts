import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ReadinessCheck {
  name: string;
  /** Resolves (with anything but false) when the dependency answers; rejects or resolves false when it does not. */
  check(): Promise<unknown>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, 'ok' | 'failing'>;
}

/** A check slower than this counts as failing, so /readyz itself never hangs a prober. */
export const READINESS_CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READINESS_CHECK_TIMEOUT_MS);
  });
  try {
    const answered = check.check().then(
      (result) => result !== false,
      () => false,
    );
    return await Promise.race([answered, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map(runCheck));
  const report: ReadinessReport = { ready: true, checks: {} };
  checks.forEach((check, index) => {
    const passed = results[index] === true;
    report.checks[check.name] = passed ? 'ok' : 'failing';
    if (!passed) report.ready = false;
  });
  return report;
}

export interface OpsState {
  /** False once shutdown began: /readyz fails so load balancers stop sending work. */
  accepting: boolean;
  checks: readonly ReadinessCheck[];
  metrics(request: IncomingMessage, response: ServerResponse): void;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Handles /healthz, /readyz and /metrics; returns false for any other path. */
export function createOpsHandler(state: OpsState) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      sendJson(response, 200, { status: 'ok' });
      return true;
    }
    if (path === '/readyz') {
      const report = await checkReadiness(state.checks);
      const ready = state.accepting && report.ready;
      sendJson(response, ready ? 200 : 503, { ...report, ready, accepting: state.accepting });
      return true;
    }
    if (path === '/metrics') {
      state.metrics(request, response);
      return true;
    }
    return false;
  };
}
