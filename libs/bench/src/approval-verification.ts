/**
 * The verification pass of `acq bench`, as pure functions: every transaction the terminals saw
 * approved must exist exactly once on the other side (platform or network), keyed by terminal and
 * RRN (the network's retrieval reference, which the platform passes through to the terminal).
 */
import { assert } from '@acq/assert';

/** Discrepancies listed in full in a report at most; the counts are always exact. */
export const VERIFICATION_EXAMPLES_MAX = 20;

/** One approval as a side recorded it: which terminal, which RRN, and its auth code. */
export interface ApprovalKey {
  terminalId: string;
  rrn: string;
  authCode: string;
}

export interface SideVerification {
  /** Approvals the terminals saw. */
  expected: number;
  /** Approvals the other side holds for those terminals in the run's window. */
  found: number;
  matched: number;
  /** Approved to a terminal, absent on this side: money moved with no record (or the reverse). */
  lostCount: number;
  /** Present more than once on this side, or approved twice to the terminals under one key. */
  duplicatedCount: number;
  /** On this side but never approved to a terminal (e.g. a timed-out request whose reversal failed). */
  unknownCount: number;
  /** Same key on both sides but a different auth code. */
  authCodeMismatchCount: number;
  lost: ApprovalKey[];
  duplicated: ApprovalKey[];
  unknown: ApprovalKey[];
  authCodeMismatch: ApprovalKey[];
}

export function approvalKeyOf(record: ApprovalKey): string {
  return `${record.terminalId}|${record.rrn}`;
}

function countByKey(records: readonly ApprovalKey[]): Map<string, { record: ApprovalKey; count: number }> {
  const counts = new Map<string, { record: ApprovalKey; count: number }>();
  for (const record of records) {
    const key = approvalKeyOf(record);
    const entry = counts.get(key);
    if (entry === undefined) counts.set(key, { record, count: 1 });
    else entry.count++;
  }
  return counts;
}

function pushExample(list: ApprovalKey[], record: ApprovalKey): void {
  if (list.length < VERIFICATION_EXAMPLES_MAX) list.push(record);
}

/** Compares what the terminals saw approved with what one side recorded. */
export function compareApprovals(expected: readonly ApprovalKey[], found: readonly ApprovalKey[]): SideVerification {
  const expectedByKey = countByKey(expected);
  const foundByKey = countByKey(found);
  const result: SideVerification = {
    expected: expected.length,
    found: found.length,
    matched: 0,
    lostCount: 0,
    duplicatedCount: 0,
    unknownCount: 0,
    authCodeMismatchCount: 0,
    lost: [],
    duplicated: [],
    unknown: [],
    authCodeMismatch: [],
  };
  for (const [key, want] of expectedByKey) {
    const have = foundByKey.get(key);
    if (want.count > 1 || (have !== undefined && have.count > 1)) {
      result.duplicatedCount++;
      pushExample(result.duplicated, want.record);
    }
    if (have === undefined) {
      result.lostCount++;
      pushExample(result.lost, want.record);
      continue;
    }
    result.matched++;
    if (have.record.authCode !== want.record.authCode) {
      result.authCodeMismatchCount++;
      pushExample(result.authCodeMismatch, want.record);
    }
  }
  for (const [key, have] of foundByKey) {
    if (expectedByKey.has(key)) continue;
    result.unknownCount++;
    pushExample(result.unknown, have.record);
  }
  assert(result.matched + result.lostCount === expectedByKey.size, 'every expected key is matched or lost');
  assert(result.matched + result.unknownCount === foundByKey.size, 'every found key is matched or unknown');
  return result;
}

/** A run passes when no side lost or duplicated an approval. */
export function verificationPassed(sides: readonly SideVerification[]): boolean {
  return sides.every((side) => side.lostCount === 0 && side.duplicatedCount === 0);
}
