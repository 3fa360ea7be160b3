/**
 * A debug dump of a message that is safe to log: PAN-like fields show only their first 6 and last
 * 4 digits, hidden fields (tracks, PIN block, expiry, EMV data, keys) show only their length.
 */
import type { FieldValue, IsoMessage } from './codec.ts';
import type { MessageSpec } from './spec.ts';

const PAN_VISIBLE_DIGITS_MIN = 10;

export function maskPan(pan: string): string {
  if (pan.length < PAN_VISIBLE_DIGITS_MIN) return '*'.repeat(pan.length);
  return `${pan.slice(0, 6)}****${pan.slice(-4)}`;
}

function shown(spec: MessageSpec, fieldNumber: number, value: FieldValue): string {
  const fieldSpec = spec.fieldSpecs[fieldNumber];
  const mask = fieldSpec?.mask ?? 'hidden';
  const unit = typeof value === 'string' ? 'characters' : 'bytes';
  if (mask === 'hidden') return `[hidden, ${value.length} ${unit}]`;
  const text = typeof value === 'string' ? value : value.toString('hex').toUpperCase();
  if (mask === 'pan') return maskPan(text);
  return text;
}

export function describeMessage(spec: MessageSpec, message: IsoMessage): string {
  const lines = [`${spec.name} MTI ${message.mti}`];
  const numbers = [...message.fields.keys()].sort((left, right) => left - right);
  for (const fieldNumber of numbers) {
    const value = message.fields.get(fieldNumber) as FieldValue;
    const description = spec.fieldSpecs[fieldNumber]?.description ?? 'Unknown field';
    lines.push(`F${String(fieldNumber).padEnd(3)} ${description.padEnd(48, '.')}: ${shown(spec, fieldNumber, value)}`);
  }
  return lines.join('\n');
}
