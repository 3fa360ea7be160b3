/**
 * Where the verification pass reads the other sides' approvals: network-sim's approvals listing
 * (per clearing date and terminal, paged) and, for the platform, the authorization service's
 * transactions table read-only (the gateway has no transaction listing route yet; this is a
 * verification tool's read, never a service's).
 */
import { assert } from '@acq/assert';
import pg from 'pg';
import type { ApprovalKey } from './approval-verification.ts';
import { expectStatus, http } from './platform-setup.ts';

/** Rows one network-sim approvals page returns (its own cap is 10,000). */
export const NETWORK_APPROVALS_PAGE_SIZE = 5_000;
/** Pages read per terminal and date at most: 200,000 approvals, far above a bench run. */
export const NETWORK_APPROVALS_PAGES_MAX = 40;
/** The platform read is one indexed query; it gets a statement timeout like any other. */
export const PLATFORM_VERIFICATION_STATEMENT_TIMEOUT_MS = 30_000;
/** The network's clearing day is the Asia/Shanghai calendar date (UTC+8, no daylight saving). */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
/** Approvals after 23:00 Shanghai time clear the next day, so a window reaching it spans two dates. */
const CLEARING_CUTOFF_SLACK_MS = 3_600_000;

interface NetworkApprovalView {
  operation: string;
  terminalId: string;
  rrn: string;
  authCode: string;
  state: string;
  approvedAt: string;
}

function shanghaiDate(epochMs: number): string {
  return new Date(epochMs + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10).replaceAll('-', '');
}

/** The clearing dates approvals made between the two instants can carry. */
export function clearingDatesBetween(fromMs: number, toMs: number): string[] {
  assert(fromMs <= toMs, 'the window starts before it ends');
  const dates = new Set<string>();
  for (let atMs = fromMs; atMs < toMs + CLEARING_CUTOFF_SLACK_MS; atMs += CLEARING_CUTOFF_SLACK_MS) {
    dates.add(shanghaiDate(atMs));
  }
  dates.add(shanghaiDate(toMs + CLEARING_CUTOFF_SLACK_MS));
  return [...dates].sort();
}

async function networkApprovalsOf(networkSimUrl: string, terminalId: string, date: string) {
  const approvals: NetworkApprovalView[] = [];
  for (let page = 0; page < NETWORK_APPROVALS_PAGES_MAX; page++) {
    const query = new URLSearchParams({
      date,
      terminalId,
      offset: String(page * NETWORK_APPROVALS_PAGE_SIZE),
      limit: String(NETWORK_APPROVALS_PAGE_SIZE),
    });
    const body = expectStatus(
      await http<{ total: number; approvals: NetworkApprovalView[] }>(
        'GET',
        `${networkSimUrl}/network/approvals?${query}`,
      ),
      200,
      'list network approvals',
    );
    approvals.push(...body.approvals);
    if (approvals.length >= body.total || body.approvals.length === 0) return approvals;
  }
  throw new Error(`more than ${NETWORK_APPROVALS_PAGES_MAX} pages of approvals for one terminal and date`);
}

/** Balance inquiries are approvals at the network too, but move no money and are not journaled. */
const NETWORK_OPERATIONS_WITHOUT_MONEY = new Set(['balanceInquiry']);

/** Money-moving approvals network-sim still holds (not reversed) for these terminals since `sinceMs`. */
export async function fetchNetworkApprovals(
  networkSimUrl: string,
  terminalIds: readonly string[],
  sinceMs: number,
  untilMs: number,
): Promise<ApprovalKey[]> {
  const found: ApprovalKey[] = [];
  for (const date of clearingDatesBetween(sinceMs, untilMs)) {
    for (const terminalId of terminalIds) {
      for (const approval of await networkApprovalsOf(networkSimUrl, terminalId, date)) {
        if (approval.state !== 'approved' || NETWORK_OPERATIONS_WITHOUT_MONEY.has(approval.operation)) continue;
        if (Date.parse(approval.approvedAt) < sinceMs) continue;
        found.push({ terminalId: approval.terminalId, rrn: approval.rrn, authCode: approval.authCode });
      }
    }
  }
  return found;
}

/** Approved money-moving transactions the authorization service recorded for these terminals. */
export async function fetchPlatformApprovals(
  databaseUrl: string,
  terminalIds: readonly string[],
  sinceMs: number,
): Promise<ApprovalKey[]> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: 'acq-bench-verification',
    statement_timeout: PLATFORM_VERIFICATION_STATEMENT_TIMEOUT_MS,
  });
  await client.connect();
  try {
    const result = await client.query<{ terminal_id: string; rrn: string; auth_code: string }>(
      `SELECT terminal_id, rrn, auth_code FROM "authorization".transactions
        WHERE terminal_id = ANY($1) AND created_at >= $2 AND status = 'approved'
          AND kind <> 'balance_inquiry' AND reversed_at IS NULL`,
      [terminalIds, new Date(sinceMs)],
    );
    return result.rows.map((row) => ({ terminalId: row.terminal_id, rrn: row.rrn, authCode: row.auth_code }));
  } finally {
    await client.end();
  }
}
