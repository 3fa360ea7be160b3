export * from './transactions.ts';
export { TERMINAL_CONNECTION_IN_FLIGHT_MAX, TerminalConnection } from './terminal-connection.ts';
export {
  type EntryMode,
  type PaymentOptions,
  SIMULATED_ICC_DATA,
  type TerminalIdentity,
  TerminalSimulator,
  type TestCard,
  type TransactionResult,
} from './terminal-simulator.ts';
