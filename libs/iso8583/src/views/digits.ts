/** Helpers shared by the sub-field views: digit checks and a typed error naming the parent field. */
import { IsoCodecError } from '../errors.ts';

export function isDigitString(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

export function requireDigits(text: string, length: number, fieldNumber: number, what: string): string {
  if (text.length !== length || !isDigitString(text)) {
    throw new IsoCodecError('BAD_SUBFIELD', fieldNumber, 0, `${what} must be ${length} digits`);
  }
  return text;
}

export function requireDigitsUpTo(text: string, lengthMax: number, fieldNumber: number, what: string): string {
  if (text.length > lengthMax || !isDigitString(text)) {
    throw new IsoCodecError('BAD_SUBFIELD', fieldNumber, 0, `${what} must be at most ${lengthMax} digits`);
  }
  return text;
}
