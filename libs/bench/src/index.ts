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
export {
  type BareResponderProcess,
  BARE_RESPONDER_START_TIMEOUT_MS,
  BARE_RESPONDER_STOP_TIMEOUT_MS,
  spawnBareResponder,
} from './bare-responder-process.ts';
export {
  type ApprovalKey,
  approvalKeyOf,
  compareApprovals,
  type SideVerification,
  VERIFICATION_EXAMPLES_MAX,
  verificationPassed,
} from './approval-verification.ts';
export {
  clearingDatesBetween,
  fetchNetworkApprovals,
  fetchPlatformApprovals,
  NETWORK_APPROVALS_PAGE_SIZE,
  NETWORK_APPROVALS_PAGES_MAX,
  PLATFORM_VERIFICATION_STATEMENT_TIMEOUT_MS,
} from './approval-sources.ts';
export * from './platform-setup.ts';
export {
  lastStanOf,
  openTerminalSession,
  resumeStan,
  STAN_MAX,
  TERMINAL_CONNECT_TIMEOUT_MS,
  type TerminalSession,
  type TerminalSessionOptions,
} from './terminal-session.ts';
