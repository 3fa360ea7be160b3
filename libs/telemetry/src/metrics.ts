import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { metrics, type Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

export interface MetricsRuntime {
  meter: Meter;
  /** Serves the Prometheus text format; mount it on GET /metrics. */
  handle(request: IncomingMessage, response: ServerResponse): void;
  shutdown(): Promise<void>;
}

/** Latency buckets in milliseconds, fine-grained below 50 ms where the authorization budget lives. */
/** For sub-millisecond steps (a risk decision, a cache hit), where LATENCY_BUCKETS_MS is too coarse. */
export const FAST_STEP_BUCKETS_MS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 50, 100];
export const LATENCY_BUCKETS_MS = [0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 250, 500, 1000, 2500, 5000];

export function createMetrics(service: string): MetricsRuntime {
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    readers: [exporter],
  });
  metrics.setGlobalMeterProvider(provider);
  const meter = provider.getMeter(service);
  registerRuntimeMetrics(meter);
  return {
    meter,
    handle: (request, response) => exporter.getMetricsRequestHandler(request, response),
    shutdown: () => provider.shutdown(),
  };
}

/** How often the event-loop delay is sampled (a timer of this interval; each sample costs a wake-up). */
const EVENT_LOOP_SAMPLE_INTERVAL_MS = 10;

/** Event-loop delay is the first sign of a CPU-bound Node process; memory is the second. */
function registerRuntimeMetrics(meter: Meter): void {
  const loopDelay = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_INTERVAL_MS });
  loopDelay.enable();
  meter
    .createObservableGauge('nodejs.eventloop.delay.p99', {
      unit: 's',
      description: 'Event-loop delay beyond schedule, 99th percentile since the previous scrape',
    })
    .addCallback((result) => {
      // The histogram records whole sampling intervals (an idle process reads ~10 ms); the delay is
      // what exceeds the interval.
      const delayMs = Math.max(0, loopDelay.percentile(99) / 1e6 - EVENT_LOOP_SAMPLE_INTERVAL_MS);
      result.observe(delayMs / 1000);
      loopDelay.reset();
    });
  meter
    .createObservableGauge('process.memory.usage', { unit: 'By', description: 'Resident set size' })
    .addCallback((result) => result.observe(process.memoryUsage.rss()));
}
