/**
 * Wakes outbox relays after a committed outbox write. The NOTIFY is sent after the commit, on its
 * own: a transaction that notifies holds PostgreSQL's global notify lock from its pre-commit until
 * its commit record is flushed, so NOTIFY inside every business transaction serialised all of
 * them behind one another's fsync (the top wait of the platform under load). A NOTIFY on its own
 * writes no WAL, so it holds that lock for microseconds. Writes of one event-loop turn share one
 * NOTIFY per schema. The relays of a process register their pool here; without one (no relay in
 * this process) nothing is sent and the relay elsewhere finds the rows by its poll. When this
 * process's own relay holds the schema's lease, it is woken in process and no NOTIFY is sent at all
 * (a round trip and a wake-up of every listening backend fewer per commit).
 */
import type pg from 'pg';

const poolsBySchema = new Map<string, Set<pg.Pool>>();
const leasedRelayWakesBySchema = new Map<string, Set<() => void>>();
const schemasToAnnounce = new Set<string>();
let announceScheduled = false;

/** NOTIFY channel of a schema's outbox; relays LISTEN on it. */
export function outboxChannel(schema: string): string {
  return `outbox_${schema}`;
}

/** Called by a relay at start; the returned function unregisters it. */
export function registerOutboxNotifier(schema: string, pool: pg.Pool): () => void {
  return addToRegistry(poolsBySchema, schema, pool);
}

/** Called by a relay while it holds the schema's lease: writes of this process then wake it directly. */
export function registerLeasedRelayWake(schema: string, wake: () => void): () => void {
  return addToRegistry(leasedRelayWakesBySchema, schema, wake);
}

/** Adds `value` under `schema`; the returned function removes it (and the schema once empty). */
function addToRegistry<Value>(registry: Map<string, Set<Value>>, schema: string, value: Value): () => void {
  const values = registry.get(schema) ?? new Set<Value>();
  values.add(value);
  registry.set(schema, values);
  return () => {
    values.delete(value);
    if (values.size === 0 && registry.get(schema) === values) registry.delete(schema);
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
    const leasedRelayWakes = leasedRelayWakesBySchema.get(schema);
    if (leasedRelayWakes !== undefined) {
      for (const wake of leasedRelayWakes) wake();
      continue;
    }
    const pool = poolsBySchema.get(schema)?.values().next().value;
    // A lost NOTIFY only delays the relay until its poll: nothing to recover here.
    pool?.query('SELECT pg_notify($1, $2)', [outboxChannel(schema), '']).catch(() => undefined);
  }
  schemasToAnnounce.clear();
}
