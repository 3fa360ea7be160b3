/**
 * Operator flows: decide a case (freeze merchant, suspend T0, dismiss) and maintain blacklists.
 * Each applies the change in Postgres with its events, then refreshes this replica's cache so the
 * decision path sees it at once (other replicas follow within the refresh interval).
 */
import { assert } from '@acq/assert';
import type { BlacklistEntry, BlacklistKind, CaseAction, CaseStatus, RiskCase } from '../domain/cases.ts';
import { watchKey } from '../domain/watch.ts';
import { CASES_PAGE_SIZE_DEFAULT, CASES_PAGE_SIZE_MAX } from '../limits.ts';
import type { RedisCounters } from '../store/redis-counters.ts';
import type { RiskCache } from '../store/risk-cache.ts';
import type { DecideResult, RiskStore } from '../store/risk-store.ts';

export interface OperatorDependencies {
  store: RiskStore;
  cache: RiskCache;
  counters: RedisCounters;
}

export async function decideCase(
  deps: OperatorDependencies,
  request: { caseId: string; action: CaseAction; operatorId: string; note: string },
): Promise<DecideResult> {
  const result = await deps.store.decideCase(request.caseId, request.action, request.operatorId, request.note);
  if (result.kind !== 'decided') return result;
  if (request.action === 'dismiss') {
    // A dismissed case was a false positive: stop flagging its subjects on the decision path.
    const riskCase = result.riskCase;
    const keys = [watchKey('merchant', riskCase.merchantId)];
    if (riskCase.terminalId !== '') keys.push(watchKey('terminal', riskCase.terminalId));
    if (riskCase.cardToken !== '') keys.push(watchKey('card', riskCase.cardToken));
    await deps.counters.clearWatch(keys);
  }
  await deps.cache.refresh();
  return result;
}

export async function putBlacklistEntry(
  deps: OperatorDependencies,
  request: { kind: BlacklistKind; value: string; reason: string; operatorId: string },
): Promise<BlacklistEntry> {
  const entry = await deps.store.putBlacklist(request.kind, request.value, request.reason, request.operatorId);
  await deps.cache.refresh();
  return entry;
}

export async function deleteBlacklistEntry(
  deps: OperatorDependencies,
  request: { kind: BlacklistKind; value: string; operatorId: string },
): Promise<boolean> {
  const deleted = await deps.store.deleteBlacklist(request.kind, request.value, request.operatorId);
  await deps.cache.refresh();
  return deleted;
}

/** Page tokens are "<openedAtMs>:<caseId>" of the last case on the previous page. */
export async function listCases(
  deps: OperatorDependencies,
  request: { status: CaseStatus | undefined; merchantId: string; pageSize: number; pageToken: string },
): Promise<{ cases: RiskCase[]; nextPageToken: string } | { problem: string }> {
  const pageSize = request.pageSize === 0 ? CASES_PAGE_SIZE_DEFAULT : Math.min(request.pageSize, CASES_PAGE_SIZE_MAX);
  let after: { openedAtMs: number; caseId: string } | undefined;
  if (request.pageToken !== '') {
    const match = /^([0-9]{1,15}):(rcase_[0-9a-f-]{36})$/.exec(request.pageToken);
    if (match === null || match[1] === undefined || match[2] === undefined) return { problem: 'invalid page token' };
    after = { openedAtMs: Number(match[1]), caseId: match[2] };
  }
  const cases = await deps.store.listCases({ status: request.status, merchantId: request.merchantId, pageSize, after });
  assert(cases.length <= pageSize, 'a page never exceeds its size');
  const last = cases.at(-1);
  const nextPageToken = cases.length === pageSize && last !== undefined ? `${last.openedAtMs}:${last.caseId}` : '';
  return { cases, nextPageToken };
}
