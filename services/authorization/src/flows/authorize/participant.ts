/**
 * The participant contract (jPOS TransactionParticipant): `prepare` does the work and votes;
 * `commit` and `abort` run after the vote of the whole pipeline and must tolerate a second call for
 * the same txnId (crash recovery may repeat them).
 */
import type { FlowDependencies } from '../flow-dependencies.ts';
import type { AuthorizationContext } from './authorization-context.ts';

export const Vote = {
  ABORTED: 0,
  PREPARED: 1,
  /** Do not call my commit/abort: I changed nothing that needs finishing or undoing. */
  NO_JOIN: 0x40,
  /** I did not change the context. */
  READONLY: 0x80,
} as const;
export type VoteBits = number;

export function isPrepared(vote: VoteBits): boolean {
  return (vote & Vote.PREPARED) === Vote.PREPARED;
}

export function joins(vote: VoteBits): boolean {
  return (vote & Vote.NO_JOIN) === 0;
}

export interface Participant {
  readonly name: string;
  /**
   * True for steps the runner must not cut off (durable writes): abandoning a write that may still
   * commit would let the record and the answer disagree. Their own statement timeouts bound them.
   */
  readonly uninterruptible?: boolean;
  /** This step's budget when it differs from the runner's default (e.g. the upstream call). */
  stepTimeoutMs?(deps: FlowDependencies): number;
  prepare(ctx: AuthorizationContext, deps: FlowDependencies): Promise<VoteBits>;
  commit?(ctx: AuthorizationContext, deps: FlowDependencies): Promise<void>;
  abort?(ctx: AuthorizationContext, deps: FlowDependencies): Promise<void>;
}
