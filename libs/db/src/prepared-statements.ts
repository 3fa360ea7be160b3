import { assert } from '@acq/assert';
import pg from 'pg';
import { PREPARE_AFTER_USE_COUNT, PREPARED_STATEMENT_TEXT_COUNT_MAX } from './limits.ts';

/**
 * Names the statement texts that are worth preparing. A parameterised statement sent unnamed is
 * parsed, analysed and planned by PostgreSQL on every call; named, each connection does that once
 * and then only binds and executes (at 100 transactions/s parsing and planning were a quarter of the
 * platform's database CPU). Texts become named on their PREPARE_AFTER_USE_COUNT-th use, so one-off
 * statements stay unnamed, and at most PREPARED_STATEMENT_TEXT_COUNT_MAX texts per process are ever
 * named, so SQL built per call (lists of varying length) cannot fill every backend's statement cache.
 */
export class StatementNames {
  readonly #useCounts = new Map<string, number>();
  readonly #names = new Map<string, string>();

  nameFor(text: string): string | undefined {
    const name = this.#names.get(text);
    if (name !== undefined) return name;
    if (this.#names.size >= PREPARED_STATEMENT_TEXT_COUNT_MAX) return undefined;
    const useCount = (this.#useCounts.get(text) ?? 0) + 1;
    if (useCount < PREPARE_AFTER_USE_COUNT) {
      // The counts are only a warm-up filter: bounded like the names, dropped when full.
      if (this.#useCounts.size >= PREPARED_STATEMENT_TEXT_COUNT_MAX * 4) this.#useCounts.clear();
      this.#useCounts.set(text, useCount);
      return undefined;
    }
    this.#useCounts.delete(text);
    // The name is unique per text within the process, and a connection belongs to one process.
    const newName = `acq_${this.#names.size + 1}`;
    this.#names.set(text, newName);
    assert(this.#names.size <= PREPARED_STATEMENT_TEXT_COUNT_MAX, 'prepared statement names stay bounded');
    return newName;
  }

  get namedCount(): number {
    return this.#names.size;
  }
}

const processStatementNames = new StatementNames();

interface QueryConfigLike {
  text?: unknown;
  name?: unknown;
  values?: unknown;
  submit?: unknown;
}

/**
 * pg.Client that sends parameterised statements as named prepared statements (see StatementNames).
 * Statements without parameters keep the simple protocol (BEGIN, COMMIT, LISTEN: one round trip).
 */
export class PreparingClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() has many overloads; this forwards all of them.
  override query(config: any, values?: any, callback?: any): any {
    const named = withStatementName(config, values);
    if (named === undefined) return super.query(config, values, callback);
    // A text's values move into the config; a config's second argument may be its callback.
    if (typeof config === 'string') return super.query(named, callback);
    // biome-ignore lint/suspicious/noExplicitAny: the (config, values, callback) form is typed for text only.
    return super.query(named as any, values, callback);
  }
}

/** The query as a named statement, or undefined to send it as it is. */
function withStatementName(config: unknown, values: unknown): pg.QueryConfig | undefined {
  if (typeof config === 'string') {
    if (!Array.isArray(values) || values.length === 0) return undefined;
    const name = processStatementNames.nameFor(config);
    return name === undefined ? undefined : { name, text: config, values };
  }
  if (!isUnnamedQueryConfig(config)) return undefined;
  const name = processStatementNames.nameFor(config.text);
  return name === undefined ? undefined : ({ ...config, name } as pg.QueryConfig);
}

function isUnnamedQueryConfig(config: unknown): config is QueryConfigLike & { text: string } {
  if (typeof config !== 'object' || config === null) return false;
  const candidate = config as QueryConfigLike;
  return (
    typeof candidate.submit !== 'function' &&
    candidate.name === undefined &&
    typeof candidate.text === 'string' &&
    Array.isArray(candidate.values) &&
    candidate.values.length > 0
  );
}
