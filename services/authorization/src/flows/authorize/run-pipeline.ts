/**
 * The transaction manager. Runs `prepare` of each participant in order under a per-step timeout and
 * the transaction's total budget; once one votes ABORTED (or throws, or runs out of time) no further
 * prepare runs and every participant that joined gets `abort` in reverse order; otherwise each gets
 * `commit` in order. Every step's duration is recorded for the one summary log line.
 */
import { trace } from '@opentelemetry/api';
import { assert } from '@acq/assert';
import type { FlowDependencies } from '../flow-dependencies.ts';
import type { AuthorizationContext, StepTiming } from './authorization-context.ts';
import { isPrepared, joins, type Participant, Vote, type VoteBits } from './participant.ts';

const TIMED_OUT = Symbol('step timed out');

export async function runPipeline(
  participants: readonly Participant[],
  ctx: AuthorizationContext,
  deps: FlowDependencies,
): Promise<void> {
  assert(participants.length > 0, 'a pipeline has at least one participant');
  assert(participants.length <= deps.settings.pipelineStepCountMax, 'pipeline longer than its step limit');
  const joined: Participant[] = [];
  let allPrepared = true;
  for (const participant of participants) {
    const vote = await prepareOne(participant, ctx, deps);
    if (joins(vote)) joined.push(participant);
    if (!isPrepared(vote)) {
      allPrepared = false;
      break;
    }
  }
  assert(allPrepared || ctx.declineReason !== undefined, 'an aborted transaction records why');
  if (allPrepared) {
    for (const participant of joined) await finishOne(participant, 'commit', ctx, deps);
  } else {
    for (let index = joined.length - 1; index >= 0; index -= 1) {
      await finishOne(joined[index] as Participant, 'abort', ctx, deps);
    }
  }
}

async function prepareOne(
  participant: Participant,
  ctx: AuthorizationContext,
  deps: FlowDependencies,
): Promise<VoteBits> {
  const startedAtMs = deps.nowMs();
  const remainingMs = ctx.remainingMs(startedAtMs);
  if (remainingMs <= 0 && participant.uninterruptible !== true) {
    ctx.decline('budget_exhausted');
    recordTiming(ctx, deps, participant.name, 0, 'timeout');
    return Vote.ABORTED | Vote.NO_JOIN;
  }
  const stepTimeoutMs = Math.min(participant.stepTimeoutMs?.(deps) ?? deps.settings.stepTimeoutMs, remainingMs);
  try {
    const work = participant.prepare(ctx, deps);
    const vote = participant.uninterruptible === true ? await work : await raceTimeout(work, stepTimeoutMs);
    if (vote === TIMED_OUT) {
      // The step may still be running; it joins so its abort can undo whatever it manages to do.
      work.catch((error: unknown) => {
        deps.logger.warn({ txnId: ctx.txnId, step: participant.name, err: error }, 'participant failed after timeout');
      });
      ctx.decline('budget_exhausted');
      recordTiming(ctx, deps, participant.name, deps.nowMs() - startedAtMs, 'timeout');
      return Vote.ABORTED;
    }
    recordTiming(ctx, deps, participant.name, deps.nowMs() - startedAtMs, isPrepared(vote) ? 'prepared' : 'aborted');
    assert(isPrepared(vote) || ctx.declineReason !== undefined, `${participant.name} aborted without a reason`);
    return vote;
  } catch (error) {
    ctx.decline('internal_error');
    recordTiming(ctx, deps, participant.name, deps.nowMs() - startedAtMs, 'error');
    deps.logger.error({ txnId: ctx.txnId, step: participant.name, err: error }, 'participant prepare failed');
    return Vote.ABORTED;
  }
}

async function finishOne(
  participant: Participant,
  phase: 'commit' | 'abort',
  ctx: AuthorizationContext,
  deps: FlowDependencies,
): Promise<void> {
  const finish = participant[phase];
  if (finish === undefined) return;
  try {
    await finish.call(participant, ctx, deps);
  } catch (error) {
    // commit/abort are idempotent and crash recovery repeats what they leave undone; a human looks.
    deps.logger.error({ txnId: ctx.txnId, step: participant.name, phase, err: error }, 'participant finish failed');
  }
}

function raceTimeout(work: Promise<VoteBits>, timeoutMs: number): Promise<VoteBits | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function recordTiming(
  ctx: AuthorizationContext,
  deps: FlowDependencies,
  step: string,
  durationMs: number,
  vote: StepTiming['vote'],
): void {
  ctx.timings.push({ step, durationMs, vote });
  deps.observeStep?.(step, durationMs);
  // The same timing as an event on the active Authorize span, so a slow trace shows its slow step.
  trace.getActiveSpan()?.addEvent(step, { 'acq.step.duration_ms': durationMs, 'acq.step.vote': vote });
}
