/**
 * Reconciliation matching, pure: platform transactions of a clearing date against the network's
 * clearing lines, keyed by RRN and transaction type. Every item lands in exactly one category.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { ClearingLine } from './network-files.ts';

export type PlatformItem = {
  readonly txnId: string;
  readonly merchantId: string;
  readonly kind: string;
  readonly rrn: string;
  readonly amountFen: Fen;
};

export type ReconciliationResult = {
  readonly matched: ReadonlyArray<{ platform: PlatformItem; network: ClearingLine }>;
  readonly platformOnly: readonly PlatformItem[];
  readonly networkOnly: readonly ClearingLine[];
  readonly amountMismatch: ReadonlyArray<{ platform: PlatformItem; network: ClearingLine }>;
};

const keyOf = (rrn: string, kind: string): string => `${rrn}|${kind}`;

export function matchClearing(
  platform: readonly PlatformItem[],
  network: readonly ClearingLine[],
): ReconciliationResult {
  const byKey = new Map<string, ClearingLine[]>();
  for (const line of network) {
    const key = keyOf(line.rrn, line.type);
    const bucket = byKey.get(key) ?? [];
    bucket.push(line);
    byKey.set(key, bucket);
  }
  const matched: Array<{ platform: PlatformItem; network: ClearingLine }> = [];
  const amountMismatch: Array<{ platform: PlatformItem; network: ClearingLine }> = [];
  const platformOnly: PlatformItem[] = [];
  for (const item of platform) {
    const line = byKey.get(keyOf(item.rrn, item.kind))?.shift();
    if (line === undefined) platformOnly.push(item);
    else if (line.amountFen === item.amountFen) matched.push({ platform: item, network: line });
    else amountMismatch.push({ platform: item, network: line });
  }
  const networkOnly = [...byKey.values()].flat();
  const accounted = matched.length * 2 + amountMismatch.length * 2 + platformOnly.length + networkOnly.length;
  assert(accounted === platform.length + network.length, 'every item lands in exactly one category');
  return { matched, platformOnly, networkOnly, amountMismatch };
}
