/**
 * ISO 9564-1 format 0 PIN blocks: PIN field 0 | length | PIN digits | F fill, XOR the PAN field
 * 0000 | the 12 rightmost PAN digits excluding the check digit.
 */
import { assert } from '@acq/assert';
import { DES_BLOCK_BYTES } from './des.ts';
import { CryptoError } from './errors.ts';

export const PIN_DIGITS_MIN = 4;
export const PIN_DIGITS_MAX = 12;
/** A PAN needs 12 digits besides its check digit to fill the PAN field. */
export const PAN_DIGITS_MIN = 13;
export const PAN_DIGITS_MAX = 19;

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

function requirePin(pin: string): void {
  if (!isDigits(pin) || pin.length < PIN_DIGITS_MIN || pin.length > PIN_DIGITS_MAX) {
    throw new CryptoError('BAD_PIN', `a PIN is ${PIN_DIGITS_MIN}-${PIN_DIGITS_MAX} digits`);
  }
}

/** The PAN field of format 0: 4 zero digits then the 12 rightmost digits before the check digit. */
export function panField(pan: string): Buffer {
  if (!isDigits(pan) || pan.length < PAN_DIGITS_MIN || pan.length > PAN_DIGITS_MAX) {
    throw new CryptoError('BAD_PAN', `a PAN is ${PAN_DIGITS_MIN}-${PAN_DIGITS_MAX} digits`);
  }
  const digits = pan.slice(pan.length - 13, pan.length - 1);
  return Buffer.from(`0000${digits}`, 'hex');
}

/** The clear format 0 PIN block for a PIN and PAN. */
export function pinBlockFormat0(pin: string, pan: string): Buffer {
  requirePin(pin);
  const pinField = Buffer.from(`0${pin.length.toString(16)}${pin}`.padEnd(16, 'F'), 'hex');
  const pans = panField(pan);
  for (let index = 0; index < DES_BLOCK_BYTES; index++) {
    pinField[index] = (pinField[index] as number) ^ (pans[index] as number);
  }
  assert(pinField.length === DES_BLOCK_BYTES, 'PIN block is 8 bytes');
  return pinField;
}

/** Recovers the PIN from a clear format 0 block, refusing any block that is not well formed. */
export function clearPinFromBlock(clearBlock: Buffer, pan: string): string {
  if (clearBlock.length !== DES_BLOCK_BYTES) throw new CryptoError('BAD_PIN_BLOCK', 'a PIN block is 8 bytes');
  const pans = panField(pan);
  const pinField = Buffer.alloc(DES_BLOCK_BYTES);
  for (let index = 0; index < DES_BLOCK_BYTES; index++) {
    pinField[index] = (clearBlock[index] as number) ^ (pans[index] as number);
  }
  const nibbles = pinField.toString('hex').toUpperCase();
  pinField.fill(0);
  const length = Number.parseInt(nibbles.charAt(1), 16);
  const wellFormed =
    nibbles.charAt(0) === '0' &&
    length >= PIN_DIGITS_MIN &&
    length <= PIN_DIGITS_MAX &&
    isDigits(nibbles.slice(2, 2 + length)) &&
    nibbles.slice(2 + length) === 'F'.repeat(14 - length);
  if (!wellFormed) throw new CryptoError('BAD_PIN_BLOCK', 'not a format 0 PIN block for this PAN');
  return nibbles.slice(2, 2 + length);
}
