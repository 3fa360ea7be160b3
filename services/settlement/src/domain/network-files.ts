/**
 * Parsers of the card network's daily files (format of network-sim's clearing and dispute files):
 * pipe-separated H (header), # (column comment), D (detail) and T (trailer) lines. A file whose
 * trailer disagrees with its lines is refused as a whole: reconciling half a file would invent
 * exceptions.
 */
import { type Fen, parseFen } from '@acq/money';
import { CLEARING_RECORDS_MAX } from '../limits.ts';

export class NetworkFileError extends Error {
  override readonly name = 'NetworkFileError';
  readonly code = 'NETWORK_FILE_INVALID';
}

export const CLEARING_TYPES = ['PURCHASE', 'COMPLETION', 'VOID', 'COMPLETION_VOID', 'REFUND'] as const;
export type ClearingType = (typeof CLEARING_TYPES)[number];

export type ClearingLine = {
  readonly type: ClearingType;
  readonly direction: 'D' | 'C';
  readonly terminalId: string;
  readonly merchantNumber: string;
  readonly stan: string;
  readonly rrn: string;
  readonly authCode: string;
  readonly amountFen: Fen;
  readonly originalRrn: string;
};

export type ClearingFile = { readonly clearingDate: string; readonly lines: readonly ClearingLine[] };

const CLEARING_DETAIL_FIELDS = 14;

function amountOf(text: string | undefined, lineNumber: number): Fen {
  const amount = text === undefined ? undefined : parseFen(text);
  if (amount === undefined || amount <= 0n) throw new NetworkFileError(`line ${lineNumber}: invalid amount`);
  return amount;
}

/** Splits a file into non-empty lines with the header, details and trailer separated. */
function splitFile(
  text: string,
  kind: string,
): { header: string[]; details: Array<[string[], number]>; trailer: string[] } {
  const lines = text.split(/\r?\n/).filter((line) => line !== '');
  if (lines.length > CLEARING_RECORDS_MAX + 3) throw new NetworkFileError('file exceeds the record limit');
  const header = lines[0]?.split('|');
  const trailer = lines.at(-1)?.split('|');
  if (header === undefined || header[0] !== 'H' || header[1] !== kind) throw new NetworkFileError(`not a ${kind} file`);
  if (trailer === undefined || trailer[0] !== 'T') throw new NetworkFileError('missing trailer');
  const details: Array<[string[], number]> = [];
  for (let index = 1; index < lines.length - 1; index += 1) {
    const line = lines[index] ?? '';
    if (line.startsWith('#')) continue;
    const fields = line.split('|');
    if (fields[0] !== 'D') throw new NetworkFileError(`line ${index + 1}: unexpected record type`);
    details.push([fields, index + 1]);
  }
  return { header, details, trailer };
}

function dateOf(text: string | undefined): string {
  if (text === undefined || !/^\d{8}$/.test(text)) throw new NetworkFileError('invalid file date');
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
}

export function parseClearingFile(text: string): ClearingFile {
  const { header, details, trailer } = splitFile(text, 'CLEARING');
  const clearingDate = dateOf(header[2]);
  const lines: ClearingLine[] = [];
  let debitFen = 0n;
  let creditFen = 0n;
  for (const [fields, lineNumber] of details) {
    if (fields.length !== CLEARING_DETAIL_FIELDS) throw new NetworkFileError(`line ${lineNumber}: wrong field count`);
    const type = CLEARING_TYPES.find((candidate) => candidate === fields[2]);
    const direction = fields[3];
    if (type === undefined || (direction !== 'D' && direction !== 'C'))
      throw new NetworkFileError(`line ${lineNumber}: unknown type`);
    const amountFen = amountOf(fields[10], lineNumber);
    if (direction === 'D') debitFen += amountFen;
    else creditFen += amountFen;
    lines.push({
      type,
      direction,
      terminalId: fields[4] ?? '',
      merchantNumber: fields[5] ?? '',
      stan: fields[6] ?? '',
      rrn: fields[8] ?? '',
      authCode: fields[9] ?? '',
      amountFen,
      originalRrn: fields[13] ?? '',
    });
  }
  const consistent =
    header[4] === String(lines.length) &&
    trailer[1] === String(lines.length) &&
    trailer[2] === debitFen.toString() &&
    trailer[3] === creditFen.toString();
  if (!consistent) throw new NetworkFileError('trailer does not match the details');
  return { clearingDate, lines };
}

export type DisputeLine = {
  readonly disputeId: string;
  readonly kind: 'CHARGEBACK' | 'RETRIEVAL';
  readonly reasonCode: string;
  readonly merchantNumber: string;
  readonly rrn: string;
  readonly amountFen: Fen;
};

export function parseDisputeFile(text: string): { disputeDate: string; lines: DisputeLine[] } {
  const { header, details, trailer } = splitFile(text, 'DISPUTES');
  const disputeDate = dateOf(header[2]);
  const lines: DisputeLine[] = [];
  let chargebackFen = 0n;
  for (const [fields, lineNumber] of details) {
    if (fields.length !== 13) throw new NetworkFileError(`line ${lineNumber}: wrong field count`);
    const kind = fields[2];
    if (kind !== 'CHARGEBACK' && kind !== 'RETRIEVAL') throw new NetworkFileError(`line ${lineNumber}: unknown kind`);
    const amountFen = amountOf(fields[12], lineNumber);
    if (kind === 'CHARGEBACK') chargebackFen += amountFen;
    lines.push({
      disputeId: fields[1] ?? '',
      kind,
      reasonCode: fields[3] ?? '',
      merchantNumber: fields[5] ?? '',
      rrn: fields[8] ?? '',
      amountFen,
    });
  }
  if (
    header[3] !== String(lines.length) ||
    trailer[1] !== String(lines.length) ||
    trailer[2] !== chargebackFen.toString()
  ) {
    throw new NetworkFileError('trailer does not match the details');
  }
  return { disputeDate, lines };
}
