/**
 * The connector's instruments, created once from the service's meter. Counter names carry no
 * `_total`: the Prometheus exporter appends it (`upstream_requests` is scraped as
 * `upstream_requests_total`). The SAF gauges read values the worker refreshes.
 */
import type { MetricAttributes, UpstreamMeter } from './types.ts';

type Counter = ReturnType<UpstreamMeter['createCounter']>;
type Histogram = ReturnType<UpstreamMeter['createHistogram']>;

export interface SafGaugeValues {
  depth: number;
  oldestAgeSeconds: number;
  parked: number;
}

export interface UpstreamMetrics {
  requests: Counter;
  requestDurationMs: Histogram;
  lateResponses: Counter;
  unmatchedResponses: Counter;
  connectionCloses: Counter;
  reconnects: Counter;
  echoes: Counter;
  safEnqueued: Counter;
  safSends: Counter;
  safAcks: Counter;
  safParked: Counter;
  safEnqueueFailures: Counter;
  /** Written by the SAF worker, read by the observable gauges. */
  safGauges: SafGaugeValues;
}

export function createUpstreamMetrics(
  meter: UpstreamMeter,
  live: { readyConnections: () => number; inFlight: () => number },
): UpstreamMetrics {
  const safGauges: SafGaugeValues = { depth: 0, oldestAgeSeconds: 0, parked: 0 };
  const gauge = (name: string, description: string, unit: string, read: () => number, attributes?: MetricAttributes) =>
    meter
      .createObservableGauge(name, { description, unit })
      .addCallback((result) => result.observe(read(), attributes));
  gauge('upstream_connections_ready', 'Upstream links signed on and usable', '{connection}', live.readyConnections);
  gauge('upstream_in_flight', 'Upstream requests awaiting an answer', '{request}', live.inFlight);
  gauge('upstream_saf_depth', 'Store-and-forward items pending', '{item}', () => safGauges.depth);
  gauge('upstream_saf_oldest_age_seconds', 'Age of the oldest pending SAF item', 's', () => safGauges.oldestAgeSeconds);
  gauge(
    'upstream_saf_parked_items',
    'SAF items parked after max attempts (alarm when > 0)',
    '{item}',
    () => safGauges.parked,
  );
  const counter = (name: string, description: string) => meter.createCounter(name, { description });
  return {
    requests: counter('upstream_requests', 'Upstream requests by kind and outcome'),
    requestDurationMs: meter.createHistogram('upstream_request_duration_ms', {
      description: 'Upstream request round trip',
      unit: 'ms',
    }),
    lateResponses: counter('upstream_late_responses', 'Answers that came after their timeout'),
    unmatchedResponses: counter('upstream_unmatched_responses', 'Answers matching no request'),
    connectionCloses: counter('upstream_connection_closes', 'Upstream links closed, by reason'),
    reconnects: counter('upstream_reconnects', 'Upstream reconnect attempts'),
    echoes: counter('upstream_echoes', 'Echo tests sent, by response code'),
    safEnqueued: counter('upstream_saf_enqueued', 'SAF items queued, by item kind and reason'),
    safSends: counter('upstream_saf_sends', 'SAF sends, by item kind and result'),
    safAcks: counter('upstream_saf_acks', 'SAF items acknowledged by the network'),
    safParked: counter('upstream_saf_parked', 'SAF items parked after max attempts (alarm)'),
    safEnqueueFailures: counter(
      'upstream_saf_enqueue_failures_total',
      'Reversals that could not be queued (database down): the caller must queue them',
    ),
    safGauges,
  };
}
