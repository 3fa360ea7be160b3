/** A pool or a client inside a transaction: store functions run on either. */
import type pg from 'pg';

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export function msOf(value: Date | null): number {
  return value === null ? 0 : value.getTime();
}
