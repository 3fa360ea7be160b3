/**
 * The 6-byte CUP POS message header after the TPDU: application type n2 (60), software version n2,
 * terminal status n1, processing requirement n1 (set by the host: 0 none, 1 download parameters,
 * 3 sign in again, ...), software sub-version n6.
 */
import { assert } from '@acq/assert';
import { BCD_DIGIT_PAIR } from '../bcd.ts';
import { IsoCodecError, NO_FIELD } from '../errors.ts';

export const TERMINAL_HEADER_BYTES = 6;

export const PROCESSING_REQUIREMENT = {
  none: 0,
  downloadParameters: 1,
  uploadStatus: 2,
  signInAgain: 3,
  downloadPublicKeys: 4,
  downloadIcParameters: 5,
} as const;

export interface TerminalHeader {
  applicationType: string;
  softwareVersion: string;
  terminalStatus: number;
  processingRequirement: number;
  softwareSubVersion: string;
}

export function parseTerminalHeader(header: Buffer): TerminalHeader {
  if (header.length !== TERMINAL_HEADER_BYTES) {
    throw new IsoCodecError('BAD_LENGTH', NO_FIELD, 0, `header of ${header.length} bytes`);
  }
  for (let index = 0; index < TERMINAL_HEADER_BYTES; index++) {
    if (BCD_DIGIT_PAIR[header[index] as number] === 0) throw new IsoCodecError('BAD_BCD', NO_FIELD, index, 'header');
  }
  const statusByte = header[2] as number;
  return {
    applicationType: header.toString('hex', 0, 1),
    softwareVersion: header.toString('hex', 1, 2),
    terminalStatus: statusByte >> 4,
    processingRequirement: statusByte & 0x0f,
    softwareSubVersion: header.toString('hex', 3, 6),
  };
}

function isDigits(text: string, length: number): boolean {
  if (text.length !== length) return false;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

export function buildTerminalHeader(header: TerminalHeader): Buffer {
  assert(isDigits(header.applicationType, 2), 'applicationType is n2');
  assert(isDigits(header.softwareVersion, 2), 'softwareVersion is n2');
  assert(isDigits(header.softwareSubVersion, 6), 'softwareSubVersion is n6');
  assert(Number.isInteger(header.terminalStatus) && header.terminalStatus >= 0 && header.terminalStatus <= 9, 'n1');
  assert(
    Number.isInteger(header.processingRequirement) &&
      header.processingRequirement >= 0 &&
      header.processingRequirement <= 9,
    'processingRequirement is n1',
  );
  const out = Buffer.alloc(TERMINAL_HEADER_BYTES);
  out.write(header.applicationType, 0, 'hex');
  out.write(header.softwareVersion, 1, 'hex');
  out[2] = (header.terminalStatus << 4) | header.processingRequirement;
  out.write(header.softwareSubVersion, 3, 'hex');
  return out;
}

/** A copy of the header with the host's processing requirement set (e.g. 3 to force a new sign-in). */
export function withProcessingRequirement(header: Buffer, processingRequirement: number): Buffer {
  assert(header.length === TERMINAL_HEADER_BYTES, 'header length');
  assert(Number.isInteger(processingRequirement) && processingRequirement >= 0 && processingRequirement <= 9, 'n1');
  const out = Buffer.from(header);
  out[2] = ((out[2] as number) & 0xf0) | processingRequirement;
  return out;
}
