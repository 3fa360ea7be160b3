import { assert } from '@acq/assert';

const FNV_OFFSET_BASIS_32 = 0x811c9dc5;
const FNV_PRIME_32 = 0x01000193;

/**
 * Postgres-log partition of a key: FNV-1a (32-bit) of its UTF-8 bytes modulo the partition count.
 * Stable across processes and releases, which per-key ordering depends on.
 */
export function partitionForKey(key: string, partitionCount: number): number {
  assert(Number.isInteger(partitionCount) && partitionCount >= 1, 'partitionCount must be positive');
  let hash = FNV_OFFSET_BASIS_32;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME_32) >>> 0;
  }
  const partition = hash % partitionCount;
  assert(partition >= 0 && partition < partitionCount, 'partition in range');
  return partition;
}
