/**
 * A terminal's transaction as the gateway hands it over (authorization.proto AuthorizeRequest),
 * already in domain types. Card data fields (pan, track2, pinBlock) live only in memory.
 */
import type { Fen } from '@acq/money';
import type { BatchTotals } from '../domain/batch-totals.ts';
import type { TransactionKind } from '../domain/transaction-kind.ts';

export interface OriginalReference {
  readonly batchNumber: string;
  readonly stan: string;
  readonly dateMmdd: string;
  readonly rrn: string;
  readonly authCode: string;
  readonly kind: TransactionKind | null;
}

export interface TerminalLocationReport {
  readonly latitudeE6: number;
  readonly longitudeE6: number;
  readonly areaCode: string;
}

export interface TerminalRequest {
  readonly correlationId: string;
  readonly kind: TransactionKind;
  readonly terminalId: string;
  readonly merchantNumberFromTerminal: string;
  readonly stan: string;
  readonly batchNumber: string;
  readonly amountFen: Fen;
  readonly posEntryMode: string;
  readonly posConditionCode: string;
  readonly pan: string;
  readonly track2: string;
  readonly expiryYymm: string;
  readonly cardSequence: string;
  readonly pinBlock: Uint8Array | null;
  readonly iccData: Uint8Array | null;
  readonly scanCode: string;
  readonly original: OriginalReference | null;
  readonly settlementTotals: BatchTotals | null;
  readonly location: TerminalLocationReport | null;
  readonly reversalReasonCode: string;
  readonly uploadRecordCount: number;
  readonly receivedAtMs: number;
  readonly traceparent: string;
}
