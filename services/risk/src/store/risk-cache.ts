/**
 * In-memory view of blacklists and T0 suspensions for the decision path. Every replica polls the
 * cache version (one indexed row) and reloads only when a change was committed anywhere; a change
 * made through this replica refreshes at once.
 */
import { assert } from '@acq/assert';
import type { BlacklistEntry } from '../domain/cases.ts';
import type { BlacklistView } from '../domain/state-rules.ts';
import type { RiskStore } from './risk-store.ts';

export interface T0Suspension {
  reason: string;
  caseId: string;
  suspendedAtMs: number;
}

export class RiskCache implements BlacklistView {
  readonly #store: RiskStore;
  #version = -1n;
  #cards = new Set<string>();
  #terminals = new Set<string>();
  #merchants = new Set<string>();
  #t0Suspensions = new Map<string, T0Suspension>();

  constructor(store: RiskStore) {
    this.#store = store;
  }

  hasCard(cardToken: string): boolean {
    return this.#cards.has(cardToken);
  }
  hasTerminal(terminalId: string): boolean {
    return this.#terminals.has(terminalId);
  }
  hasMerchant(merchantId: string): boolean {
    return this.#merchants.has(merchantId);
  }
  t0Suspension(merchantId: string): T0Suspension | undefined {
    return this.#t0Suspensions.get(merchantId);
  }
  get loaded(): boolean {
    return this.#version >= 0n;
  }

  /** Reloads when the stored version moved; returns whether it reloaded. */
  async refresh(): Promise<boolean> {
    const version = await this.#store.readCacheVersion();
    if (version === this.#version) return false;
    const [entries, suspensions] = await Promise.all([this.#store.loadBlacklist(), this.#store.loadT0Suspensions()]);
    this.#apply(entries);
    this.#t0Suspensions = suspensions;
    // A change committed between the version read and the loads is picked up next time: the
    // version only moves forward and we store the one read before loading.
    assert(version >= this.#version, 'the cache version never goes back');
    this.#version = version;
    return true;
  }

  #apply(entries: readonly BlacklistEntry[]): void {
    const cards = new Set<string>();
    const terminals = new Set<string>();
    const merchants = new Set<string>();
    for (const entry of entries) {
      if (entry.kind === 'card') cards.add(entry.value);
      else if (entry.kind === 'terminal') terminals.add(entry.value);
      else merchants.add(entry.value);
    }
    this.#cards = cards;
    this.#terminals = terminals;
    this.#merchants = merchants;
  }
}
