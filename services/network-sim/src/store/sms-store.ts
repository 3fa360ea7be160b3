/**
 * SMS messages the platform sent, kept per phone so tests can read verification codes. Bounded per
 * phone (oldest dropped) and in phone numbers (new phones refused when full).
 */
import { assert } from '@acq/assert';
import { LIMITS } from '../limits.ts';

export interface SmsMessage {
  readonly messageId: string;
  readonly phone: string;
  readonly text: string;
  readonly sentAtMs: number;
}

export class SmsStore {
  private readonly byPhone = new Map<string, SmsMessage[]>();
  private sequence = 0;

  /** Stores a message; undefined when the phone book is full. */
  add(phone: string, text: string, sentAtMs: number): SmsMessage | undefined {
    assert(text.length <= LIMITS.smsTextLengthMax, 'SMS text length is validated before storing');
    let messages = this.byPhone.get(phone);
    if (messages === undefined) {
      if (this.byPhone.size >= LIMITS.smsPhonesMax) return undefined;
      messages = [];
      this.byPhone.set(phone, messages);
    }
    this.sequence += 1;
    const message = { messageId: `sms_${this.sequence}`, phone, text, sentAtMs };
    messages.push(message);
    if (messages.length > LIMITS.smsMessagesPerPhoneMax) messages.shift();
    return message;
  }

  forPhone(phone: string): readonly SmsMessage[] {
    return this.byPhone.get(phone) ?? [];
  }
}
