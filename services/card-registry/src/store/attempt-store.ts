/** 4-element verification counters per card token (see domain/identity-lockout.ts for the rules). */
import type { IdentityAttempts } from '../domain/identity-lockout.ts';
import { msOf, type Queryable } from './queryable.ts';

/** Locks the card's counter row (if any) for the rest of the transaction. */
export async function loadAttempts(client: Queryable, cardToken: string): Promise<IdentityAttempts | undefined> {
  const result = await client.query<{
    shanghai_day: string;
    attempts_today: number;
    consecutive_failures: number;
    locked_until: Date | null;
  }>(
    `SELECT shanghai_day, attempts_today, consecutive_failures, locked_until FROM identity_attempts
      WHERE card_token = $1 FOR UPDATE`,
    [cardToken],
  );
  const row = result.rows[0];
  if (row === undefined) return undefined;
  return {
    day: row.shanghai_day,
    attemptsToday: row.attempts_today,
    consecutiveFailures: row.consecutive_failures,
    lockedUntilMs: msOf(row.locked_until),
  };
}

export async function saveAttempts(
  client: Queryable,
  cardToken: string,
  attempts: IdentityAttempts,
  nowMs: number,
): Promise<void> {
  await client.query(
    `INSERT INTO identity_attempts (card_token, shanghai_day, attempts_today, consecutive_failures, locked_until,
       updated_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (card_token) DO UPDATE SET shanghai_day = EXCLUDED.shanghai_day,
       attempts_today = EXCLUDED.attempts_today, consecutive_failures = EXCLUDED.consecutive_failures,
       locked_until = EXCLUDED.locked_until, updated_at = EXCLUDED.updated_at`,
    [
      cardToken,
      attempts.day,
      attempts.attemptsToday,
      attempts.consecutiveFailures,
      attempts.lockedUntilMs === 0 ? null : new Date(attempts.lockedUntilMs),
      new Date(nowMs),
    ],
  );
}
