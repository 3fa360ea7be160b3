import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** Spans beyond this many waiting for export are dropped rather than growing memory. */
const SPAN_QUEUE_MAX = 8192;

export interface TracingOptions {
  service: string;
  /** OTLP/HTTP traces endpoint; without one spans are not recorded, but trace ids still propagate. */
  otlpEndpoint: string | undefined;
  sampleRatio: number;
}

export interface TracingRuntime {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

export function createTracing(options: TracingOptions): TracingRuntime {
  const endpoint = options.otlpEndpoint;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.service }),
    sampler: new ParentBasedSampler({
      root: endpoint !== undefined ? new TraceIdRatioBasedSampler(options.sampleRatio) : new AlwaysOffSampler(),
    }),
    spanProcessors:
      endpoint === undefined
        ? []
        : [
            new BatchSpanProcessor({
              exporter: new OTLPTraceExporter({ url: endpoint }),
              maxQueueSize: SPAN_QUEUE_MAX,
            }),
          ],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return { tracer: provider.getTracer(options.service), shutdown: () => provider.shutdown() };
}

/** Copies the active trace context into a carrier (gRPC metadata, event headers). */
export function injectTraceContext(carrier: Record<string, string>): Record<string, string> {
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Runs fn inside the trace context found in a carrier. */
export function withExtractedTraceContext<T>(carrier: Record<string, string>, fn: () => T): T {
  return context.with(propagation.extract(context.active(), carrier), fn);
}
