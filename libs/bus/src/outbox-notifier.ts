/**
 * Wakes outbox relays after a committed outbox write. The NOTIFY is sent after the commit, on its
 * own: a transaction that notifies holds PostgreSQL's global notify lock from its pre-commit until
 * its commit record is flushed, so NOTIFY inside every business transaction serialised all of
 * them behind one another's fsync (the top wait of the platform under load). A NOTIFY on its own
 * writes no WAL, so it holds that lock for microseconds. Writes of one event-loop turn share one
 * NOTIFY per schema. The relays of a process register their pool here; without one (no relay in
 * this process) nothing is sent and the relay elsewhere finds the rows by its poll.
 */
import type pg from 'pg';

const poolsBySchema = new Map<string, Set<pg.Pool>>();
const schemasToAnnounce = new Set<string>();
let announceScheduled = false;

/** NOTIFY channel of a schema's outbox; relays LISTEN on it. */
export function outboxChannel(schema: string): string {
  return `outbox_${schema}`;
}

/** Called by a relay at start; the returned function unregisters it. */
export function registerOutboxNotifier(schema: string, pool: pg.Pool): () => void {
  const pools = poolsBySchema.get(schema) ?? new Set<pg.Pool>();
  pools.add(pool);
  poolsBySchema.set(schema, pools);
  return () => {
    pools.delete(pool);
    if (pools.size === 0) poolsBySchema.delete(schema);
  };
}

/** Announces that rows were committed to `<schema>.outbox`. Never throws, never waits. */
export function announceOutboxWrite(schema: string): void {
  if (!poolsBySchema.has(schema)) return;
  schemasToAnnounce.add(schema);
  if (announceScheduled) return;
  announceScheduled = true;
  setImmediate(sendAnnouncements);
}

function sendAnnouncements(): void {
  announceScheduled = false;
  for (const schema of schemasToAnnounce) {
    const pool = poolsBySchema.get(schema)?.values().next().value;
    // A lost NOTIFY only delays the relay until its poll: nothing to recover here.
    pool?.query('SELECT pg_notify($1, $2)', [outboxChannel(schema), '']).catch(() => undefined);
  }
  schemasToAnnounce.clear();
}
