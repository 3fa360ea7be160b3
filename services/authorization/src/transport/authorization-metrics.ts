/**
 * Prometheus metrics of the authorization edge: answers by kind and field 39, end-to-end duration,
 * and group commit health (rows waiting, rows per commit). Recorded at the transport edge so the
 * flows stay free of telemetry.
 */
import { FAST_STEP_BUCKETS_MS, LATENCY_BUCKETS_MS } from '@acq/telemetry';
import type { Meter } from '@opentelemetry/api';
import type { TransactionStore } from '../store/transaction-store.ts';

export interface AuthorizationMetrics {
  recordAnswer(kind: string, responseCode: string, durationMs: number): void;
}

export function createAuthorizationMetrics(meter: Meter, store: TransactionStore): AuthorizationMetrics {
  const answers = meter.createCounter('authorization.answers', {
    description: 'Answers given, by transaction kind and field-39 response code',
  });
  const duration = meter.createHistogram('authorization.duration', {
    unit: 'ms',
    description: 'Time from request to answer inside the authorization service',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
  });
  meter
    .createObservableGauge('authorization.group_commit.rows_written', {
      description: 'Rows written by group commit since start, by phase (intent, outcome)',
    })
    .addCallback((result) => {
      const stats = store.groupCommitStats();
      result.observe(stats.intents.rowsWritten, { phase: 'intent' });
      result.observe(stats.outcomes.rowsWritten, { phase: 'outcome' });
    });
  meter
    .createObservableGauge('authorization.group_commit.batches_written', {
      description: 'Commits made by group commit since start, by phase (rows / batches = rows per commit)',
    })
    .addCallback((result) => {
      const stats = store.groupCommitStats();
      result.observe(stats.intents.batchesWritten, { phase: 'intent' });
      result.observe(stats.outcomes.batchesWritten, { phase: 'outcome' });
    });
  return {
    recordAnswer(kind, responseCode, durationMs) {
      answers.add(1, { kind, response_code: responseCode });
      duration.record(durationMs, { kind });
    },
  };
}

/** The Assess exchange as the pipeline waits for it: risk's own work plus the stream both ways. */
export function riskAssessObserver(meter: Meter): (elapsedMs: number, outcome: string) => void {
  const duration = meter.createHistogram('authorization.risk_assess.duration', {
    unit: 'ms',
    description: 'Time the authorization pipeline waited for risk Assess, by outcome',
    advice: { explicitBucketBoundaries: FAST_STEP_BUCKETS_MS },
  });
  return (elapsedMs, outcome) => duration.record(elapsedMs, { outcome });
}

/** Each pipeline step's prepare time: where the authorization budget goes, step by step. */
export function pipelineStepObserver(meter: Meter): (step: string, durationMs: number) => void {
  const duration = meter.createHistogram('authorization.step.duration', {
    unit: 'ms',
    description: 'Time each authorization pipeline step took to prepare, by step',
    advice: { explicitBucketBoundaries: FAST_STEP_BUCKETS_MS },
  });
  return (step, durationMs) => duration.record(durationMs, { step });
}
