import { cupEcbMac, DesEcbKey, pinBlockFormat0, unwrapSignInKeys } from '@acq/crypto';
import {
  cupPosSpec,
  type DecodedTerminalFrame,
  encodeTerminalFrame,
  encodeTerminalFrameWithMac,
  type FieldValue,
  type IsoMessage,
  parseTerminalHeader,
} from '@acq/iso8583';
import { amountFieldFromFen, type Fen } from '@acq/money';
import type { TerminalConnection } from './terminal-connection.ts';
import { type FinancialKind, NETWORK_MANAGEMENT, shapeOf } from './transactions.ts';

export interface TerminalIdentity {
  terminalId: string;
  merchantNumber: string;
  /** The clear TMK the terminal received at activation (hex, 16 bytes). */
  tmkHex: string;
}

export interface TestCard {
  pan: string;
  expiryYymm: string;
  pin?: string;
}

export type EntryMode = 'magstripe' | 'chip' | 'contactless' | 'scan';

export interface TransactionResult {
  kind: FinancialKind | 'REVERSAL' | 'SETTLEMENT' | 'SIGN_IN' | 'ECHO' | 'SIGN_OFF';
  responseCode: string;
  stan: string;
  batchNumber: string;
  amountFen: Fen;
  rrn: string;
  authCode: string;
  dateMmdd: string;
  balanceFen: Fen | undefined;
  processingRequirement: number;
  /** Whether the reply's MAC verified; undefined when the reply carried none. */
  macValid: boolean | undefined;
  request: IsoMessage;
  response: IsoMessage;
}

const DEFAULT_TPDU = Buffer.from('6000030000', 'hex');
const DEFAULT_HEADER = Buffer.from('602200000000', 'hex');
const ENTRY_MODE_DIGITS: Record<EntryMode, string> = { magstripe: '02', chip: '05', contactless: '07', scan: '03' };
/** A short EMV payload standing in for field 55 (9F26 cryptogram, 9F27, 9F10, 9F37, 9F36, 95). */
export const SIMULATED_ICC_DATA = Buffer.from(
  '9F2608A1B2C3D4E5F607089F2701809F100807010103A0A802019F37045A3B2C1D9F3602000195050000000000',
  'hex',
);

export interface PaymentOptions {
  entryMode?: EntryMode;
  /** Omit the PIN even when the card has one (contactless small amounts). */
  withoutPin?: boolean;
  scanCode?: string;
  /** A terminal-sent merchant number other than its own (跳码 tests). */
  merchantNumberOverride?: string;
}

/**
 * A CUP POS terminal for tests, `acq pos` and `acq bench`: signs in (keeps its working keys in
 * clear, as a real terminal's secure module would), numbers its messages, signs them with the
 * MAK, builds PIN blocks under the PIK, journals its batch for settlement and sends reversals.
 */
export class TerminalSimulator {
  readonly identity: TerminalIdentity;
  readonly #connection: TerminalConnection;
  readonly #timeoutMs: number;
  #stan = 0;
  batchNumber = '000001';
  /** Working keys as long-lived cipher objects: one cipher per key, not one per message. */
  #pik: DesEcbKey | undefined;
  #mak: DesEcbKey | undefined;
  readonly #journal = new Map<string, TransactionResult>();
  /** The last financial request sent: what a terminal reverses when its reply does not come. */
  lastRequest: IsoMessage | undefined;

  constructor(connection: TerminalConnection, identity: TerminalIdentity, options: { timeoutMs?: number } = {}) {
    this.identity = identity;
    this.#connection = connection;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  get signedIn(): boolean {
    return this.#mak !== undefined;
  }

  /** The last STAN used (0 before the first message): what a terminal keeps across restarts. */
  get lastStan(): number {
    return this.#stan;
  }

  /** Continues numbering after `lastStan`, as a terminal does after a restart. */
  continueAfterStan(lastStan: number): void {
    if (!Number.isInteger(lastStan) || lastStan < 0 || lastStan > 999_999) throw new Error('a STAN is 0..999999');
    this.#stan = lastStan;
  }

  nextStan(): string {
    this.#stan = (this.#stan % 999_999) + 1;
    return String(this.#stan).padStart(6, '0');
  }

  async signIn(keyMode: '001' | '003' | '004' = '003'): Promise<TransactionResult> {
    const stan = this.nextStan();
    const request = this.#message('0800', stan, [
      [60, `00${this.batchNumber}${keyMode}`],
      [63, '001'],
    ]);
    const result = await this.#send('SIGN_IN', request, stan, 0n as Fen);
    if (result.responseCode === '00') {
      const field62 = result.response.fields.get(62);
      if (!Buffer.isBuffer(field62)) throw new Error('0810 without field 62');
      const keys = unwrapSignInKeys(Buffer.from(this.identity.tmkHex, 'hex'), field62, keyMode);
      this.#pik = new DesEcbKey(keys.pik);
      this.#mak = new DesEcbKey(keys.mak, { cbcChain: true });
      const field60 = result.response.fields.get(60);
      if (typeof field60 === 'string' && field60.length >= 8) this.batchNumber = field60.slice(2, 8);
    }
    return result;
  }

  echo(): Promise<TransactionResult> {
    const stan = this.nextStan();
    return this.#send('ECHO', this.#message('0820', stan, [[60, `00${this.batchNumber}301`]]), stan, 0n as Fen);
  }

  async signOff(): Promise<TransactionResult> {
    const stan = this.nextStan();
    const result = await this.#send(
      'SIGN_OFF',
      this.#message('0820', stan, [[60, `00${this.batchNumber}002`]]),
      stan,
      0n as Fen,
    );
    this.#pik = undefined;
    this.#mak = undefined;
    return result;
  }

  balance(card: TestCard, options: PaymentOptions = {}): Promise<TransactionResult> {
    return this.#financial('BALANCE_INQUIRY', card, 0n as Fen, undefined, options);
  }

  purchase(card: TestCard, amountFen: Fen, options: PaymentOptions = {}): Promise<TransactionResult> {
    return this.#financial('PURCHASE', card, amountFen, undefined, options);
  }

  void(original: TransactionResult, card: TestCard): Promise<TransactionResult> {
    const kind =
      original.kind === 'COMPLETION' ? 'COMPLETION_VOID' : original.kind === 'PREAUTH' ? 'PREAUTH_VOID' : 'VOID';
    return this.#financial(kind, card, original.amountFen, original, {});
  }

  refund(original: TransactionResult, card: TestCard, amountFen: Fen): Promise<TransactionResult> {
    return this.#financial('REFUND', card, amountFen, original, {});
  }

  preauth(card: TestCard, amountFen: Fen): Promise<TransactionResult> {
    return this.#financial('PREAUTH', card, amountFen, undefined, {});
  }

  completion(preauth: TransactionResult, card: TestCard, amountFen: Fen): Promise<TransactionResult> {
    return this.#financial('COMPLETION', card, amountFen, preauth, {});
  }

  /** The 0400 a terminal sends for a request that got no reply: same STAN, 39 = reason. */
  async reverse(sent: IsoMessage, reasonCode = '98'): Promise<TransactionResult> {
    const fields = new Map(sent.fields);
    fields.delete(52);
    fields.delete(64);
    fields.set(39, reasonCode);
    const stan = String(sent.fields.get(11));
    const result = await this.#send('REVERSAL', { mti: '0400', fields }, stan, this.#amountOf(sent));
    if (result.responseCode === '00') this.#journal.delete(stan);
    return result;
  }

  /** 0500 with the journal's totals: debits = purchases and completions, credits = refunds. */
  async settle(): Promise<TransactionResult> {
    let debitFen = 0n;
    let debitCount = 0;
    let creditFen = 0n;
    let creditCount = 0;
    for (const entry of this.#journal.values()) {
      if (entry.kind === 'PURCHASE' || entry.kind === 'COMPLETION') {
        debitFen += entry.amountFen;
        debitCount++;
      } else if (entry.kind === 'REFUND') {
        creditFen += entry.amountFen;
        creditCount++;
      }
    }
    const totals = `${amountFieldFromFen(debitFen as Fen)}${String(debitCount).padStart(3, '0')}${amountFieldFromFen(creditFen as Fen)}${String(creditCount).padStart(3, '0')}0`;
    const stan = this.nextStan();
    const request = this.#message('0500', stan, [
      [48, `${totals}${'0'.repeat(31)}`],
      [49, '156'],
      [60, `00${this.batchNumber}${NETWORK_MANAGEMENT.batchSettlement}`],
      [63, '001'],
    ]);
    const result = await this.#send('SETTLEMENT', request, stan, debitFen as Fen);
    if (result.responseCode === '00') {
      this.#journal.clear();
      this.batchNumber = String((Number(this.batchNumber) % 999_999) + 1).padStart(6, '0');
    }
    return result;
  }

  /** Builds and sends a financial request; exposed pieces let tests send it themselves. */
  buildFinancial(
    kind: FinancialKind,
    card: TestCard,
    amountFen: Fen,
    original: TransactionResult | undefined,
    options: PaymentOptions,
  ): { request: IsoMessage; stan: string } {
    const shape = shapeOf(kind);
    const stan = this.nextStan();
    const entryMode = options.entryMode ?? 'chip';
    const withPin = card.pin !== undefined && options.withoutPin !== true && entryMode !== 'scan';
    const entries: Array<[number, FieldValue]> = [
      [3, shape.processingCode],
      [22, `${ENTRY_MODE_DIGITS[entryMode]}${withPin ? '1' : '2'}`],
      [25, shape.conditionCode],
      [49, '156'],
      [60, `${shape.transactionTypeCode}${this.batchNumber}000`],
    ];
    if (shape.moneyMoves) entries.push([4, amountFieldFromFen(amountFen)]);
    if (entryMode === 'scan') entries.push([59, options.scanCode ?? '']);
    else entries.push(...this.#cardFields(card, entryMode, withPin));
    if (original !== undefined) {
      entries.push([61, `${original.batchNumber}${original.stan}${original.dateMmdd}`]);
      if (original.rrn.length > 0) entries.push([37, original.rrn]);
      if (original.authCode.length > 0) entries.push([38, original.authCode]);
    }
    const request = this.#message(shape.mti, stan, entries);
    if (options.merchantNumberOverride !== undefined) request.fields.set(42, options.merchantNumberOverride);
    return { request, stan };
  }

  async #financial(
    kind: FinancialKind,
    card: TestCard,
    amountFen: Fen,
    original: TransactionResult | undefined,
    options: PaymentOptions,
  ): Promise<TransactionResult> {
    const { request, stan } = this.buildFinancial(kind, card, amountFen, original, options);
    this.lastRequest = request;
    const result = await this.#send(kind, request, stan, amountFen);
    if (result.responseCode === '00' && kind !== 'BALANCE_INQUIRY') {
      this.#journal.set(stan, result);
      if (original !== undefined && kind.endsWith('VOID')) this.#journal.delete(original.stan);
    }
    return result;
  }

  #cardFields(card: TestCard, entryMode: EntryMode, withPin: boolean): Array<[number, FieldValue]> {
    const fields: Array<[number, FieldValue]> = [
      [2, card.pan],
      [14, card.expiryYymm],
    ];
    if (entryMode === 'magstripe') fields.push([35, `${card.pan}=${card.expiryYymm}2010000000000`]);
    else fields.push([23, '001'], [55, SIMULATED_ICC_DATA]);
    if (withPin && card.pin !== undefined) {
      if (this.#pik === undefined) throw new Error('sign in before sending a PIN');
      fields.push([52, this.#pik.encrypt(pinBlockFormat0(card.pin, card.pan))], [26, '12']);
      fields.push([53, '2600000000000000']);
    }
    return fields;
  }

  #message(mti: string, stan: string, entries: Array<[number, FieldValue]>): IsoMessage {
    const fields = new Map<number, FieldValue>(entries);
    fields.set(11, stan);
    fields.set(41, this.identity.terminalId);
    fields.set(42, this.identity.merchantNumber);
    return { mti, fields };
  }

  #amountOf(message: IsoMessage): Fen {
    const amount = message.fields.get(4);
    return (typeof amount === 'string' ? BigInt(amount) : 0n) as Fen;
  }

  /** Encodes (with a MAC on financial requests once signed in), sends, and reads the reply. */
  async #send(
    kind: TransactionResult['kind'],
    request: IsoMessage,
    stan: string,
    amountFen: Fen,
  ): Promise<TransactionResult> {
    const frame = this.encode(request);
    const reply = await this.#connection.exchange(frame, stan, this.#timeoutMs);
    return this.#result(kind, request, reply, amountFen);
  }

  /** The exact bytes this terminal would send for a message (replay tests resend them). */
  encode(request: IsoMessage): Buffer {
    const frame = { tpdu: DEFAULT_TPDU, header: DEFAULT_HEADER, message: request };
    const mak = this.#mak;
    const signs = mak !== undefined && request.mti !== '0800' && request.mti !== '0820';
    return signs
      ? encodeTerminalFrameWithMac(cupPosSpec, frame, (input) => cupEcbMac(mak, input))
      : encodeTerminalFrame(cupPosSpec, frame);
  }

  #result(
    kind: TransactionResult['kind'],
    request: IsoMessage,
    reply: DecodedTerminalFrame,
    amountFen: Fen,
  ): TransactionResult {
    const text = (field: number) => {
      const value = reply.message.fields.get(field);
      return typeof value === 'string' ? value : '';
    };
    const mac = reply.message.fields.get(64);
    const balance = text(54);
    const field60 = text(60);
    return {
      kind,
      responseCode: text(39),
      stan: String(request.fields.get(11)),
      batchNumber: field60.length >= 8 ? field60.slice(2, 8) : this.batchNumber,
      amountFen,
      rrn: text(37),
      authCode: text(38),
      dateMmdd: text(13),
      balanceFen:
        balance.length === 20 ? (((balance[7] === 'D' ? -1n : 1n) * BigInt(balance.slice(8))) as Fen) : undefined,
      processingRequirement: parseTerminalHeader(reply.header).processingRequirement,
      macValid:
        Buffer.isBuffer(mac) && this.#mak !== undefined ? cupEcbMac(this.#mak, reply.macInput).equals(mac) : undefined,
      request,
      response: reply.message,
    };
  }
}
