export { LatencyHistogram } from './latency-histogram.ts';
export {
  type ApprovedRecord,
  BENCH_TERMINALS_MAX,
  type LoadMode,
  type LoadOptions,
  type LoadReport,
  type ProgressSnapshot,
  runLoad,
  type TransactionMix,
} from './load-generator.ts';
export { type BareResponder, startBareResponder } from './bare-responder.ts';
