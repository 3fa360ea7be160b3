import { createHash } from 'node:crypto';
import { assert } from '@acq/assert';

/**
 * Maps a readable lock name to the signed 64-bit key pg_advisory_lock takes. A hash keeps names
 * free-form while making collisions between different names practically impossible.
 */
export function advisoryKey(name: string): bigint {
  assert(name.length > 0, 'advisory lock name must not be empty');
  const digest = createHash('sha256').update(name).digest();
  const key = digest.readBigInt64BE(0);
  assert(key >= -(2n ** 63n) && key < 2n ** 63n, 'advisory key fits int8');
  return key;
}
