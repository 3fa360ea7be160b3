/**
 * The JSON form of DESIGN.md section 6 (`acq iso decode` / `acq iso encode`): fields keyed by their
 * number as a string, numeric and track fields as digit strings, text as strings and binary fields
 * as upper-case hex. Conversion in both directions validates against the spec.
 */
import type { FieldValue, IsoMessage } from './codec.ts';
import { IsoCodecError, NO_FIELD } from './errors.ts';
import type { MessageSpec } from './spec.ts';

export type FieldsJson = Record<string, string>;

export interface MessageJson {
  mti: string;
  fields: FieldsJson;
}

export function fieldsToJson(spec: MessageSpec, message: IsoMessage): FieldsJson {
  const out: FieldsJson = {};
  const numbers = [...message.fields.keys()].sort((left, right) => left - right);
  for (const fieldNumber of numbers) {
    const value = message.fields.get(fieldNumber) as FieldValue;
    if (spec.fieldSpecs[fieldNumber] === undefined) {
      throw new IsoCodecError('UNKNOWN_FIELD', fieldNumber, 0, 'field not in spec');
    }
    out[String(fieldNumber)] = typeof value === 'string' ? value : value.toString('hex').toUpperCase();
  }
  return out;
}

export function messageToJson(spec: MessageSpec, message: IsoMessage): MessageJson {
  return { mti: message.mti, fields: fieldsToJson(spec, message) };
}

const HEX_DIGITS = '0123456789abcdefABCDEF';

/** Strict hex parsing: Buffer.from(text, 'hex') silently stops at the first bad pair. */
export function parseHexStrict(text: string, fieldNumber: number): Buffer {
  if (text.length % 2 !== 0) throw new IsoCodecError('BAD_CHARACTER', fieldNumber, text.length, 'odd hex length');
  for (let index = 0; index < text.length; index++) {
    if (!HEX_DIGITS.includes(text.charAt(index))) {
      throw new IsoCodecError('BAD_CHARACTER', fieldNumber, index, 'not a hex digit');
    }
  }
  return Buffer.from(text, 'hex');
}

export function fieldsFromJson(spec: MessageSpec, fields: unknown): Map<number, FieldValue> {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new IsoCodecError('BAD_VALUE_TYPE', NO_FIELD, 0, 'fields must be an object');
  }
  const out = new Map<number, FieldValue>();
  for (const [key, value] of Object.entries(fields)) {
    const fieldNumber = Number(key);
    const known = Number.isInteger(fieldNumber) && String(fieldNumber) === key;
    const fieldSpec = known ? spec.fieldSpecs[fieldNumber] : undefined;
    if (fieldSpec === undefined) throw new IsoCodecError('UNKNOWN_FIELD', known ? fieldNumber : NO_FIELD, 0, 'key');
    if (typeof value !== 'string') throw new IsoCodecError('BAD_VALUE_TYPE', fieldNumber, 0, 'needs a string');
    out.set(fieldNumber, fieldSpec.encoding === 'binary' ? parseHexStrict(value, fieldNumber) : value);
  }
  return out;
}

export function messageFromJson(spec: MessageSpec, json: unknown): IsoMessage {
  if (typeof json !== 'object' || json === null) throw new IsoCodecError('BAD_VALUE_TYPE', NO_FIELD, 0, 'object');
  const record = json as Record<string, unknown>;
  if (typeof record.mti !== 'string') throw new IsoCodecError('BAD_MTI', NO_FIELD, 0, 'mti must be a string');
  return { mti: record.mti, fields: fieldsFromJson(spec, record.fields) };
}
