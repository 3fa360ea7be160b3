/** `acq pos` command line -> validated options (pure, unit-tested). */
import { parseArgs } from 'node:util';
import { type Fen, fen } from '@acq/money';
import type { EntryMode, TestCard } from '@acq/terminal-protocol';
import { CliUsageError } from '../../command.ts';
import { parseDurationMs } from '../bench/bench-options.ts';

export const POS_ACTIONS = [
  'activate',
  'sign-in',
  'echo',
  'purchase',
  'balance',
  'void',
  'refund',
  'preauth',
  'completion',
  'reversal',
  'settle',
] as const;
export type PosAction = (typeof POS_ACTIONS)[number];
/** A terminal waits 60 s for a reply (DESIGN.md section 4). */
export const POS_REPLY_TIMEOUT_MS_MAX = 60_000;
/** DE4 is twelve digits of fen. */
const AMOUNT_FEN_MAX = 999_999_999_999n;
const ENTRY_MODES: readonly EntryMode[] = ['chip', 'magstripe', 'contactless', 'scan'];

export interface PosOptions {
  action: PosAction;
  profilePath: string | undefined;
  terminalId: string | undefined;
  host: string;
  port: number;
  apiUrl: string;
  replyTimeoutMs: number;
  serialNumber: string | undefined;
  activationCode: string | undefined;
  card: TestCard | undefined;
  entryMode: EntryMode;
  withoutPin: boolean;
  scanCode: string | undefined;
  amountFen: Fen | undefined;
  originalStan: string | undefined;
}

const OPTIONS = {
  profile: { type: 'string' },
  terminal: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8583' },
  api: { type: 'string', default: 'http://127.0.0.1:8080' },
  timeout: { type: 'string', default: '60s' },
  serial: { type: 'string' },
  code: { type: 'string' },
  pan: { type: 'string' },
  expiry: { type: 'string' },
  pin: { type: 'string' },
  'no-pin': { type: 'boolean', default: false },
  'amount-fen': { type: 'string' },
  entry: { type: 'string', default: 'chip' },
  'scan-code': { type: 'string' },
  stan: { type: 'string' },
} as const;

export function parseCard(pan: string | undefined, expiry: string | undefined, pin: string | undefined) {
  if (pan === undefined) return undefined;
  if (!/^[0-9]{12,19}$/.test(pan)) throw new CliUsageError('--pan must be 12 to 19 digits');
  if (expiry === undefined || !/^[0-9]{2}(0[1-9]|1[0-2])$/.test(expiry)) {
    throw new CliUsageError('--expiry must be YYMM');
  }
  if (pin !== undefined && !/^[0-9]{4,12}$/.test(pin)) throw new CliUsageError('--pin must be 4 to 12 digits');
  const card: TestCard = pin === undefined ? { pan, expiryYymm: expiry } : { pan, expiryYymm: expiry, pin };
  return card;
}

export function parseAmountFen(text: string | undefined): Fen | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,12}$/.test(text)) throw new CliUsageError('--amount-fen must be a whole number of fen');
  const amount = BigInt(text);
  if (amount <= 0n || amount > AMOUNT_FEN_MAX) throw new CliUsageError('--amount-fen must be 1 to 999999999999');
  return fen(amount);
}

function parseEntryMode(text: string): EntryMode {
  const mode = ENTRY_MODES.find((candidate) => candidate === text);
  if (mode === undefined) throw new CliUsageError('--entry must be chip, magstripe, contactless or scan');
  return mode;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^[0-9]{1,5}$/.test(text) || port < 1 || port > 65_535) throw new CliUsageError('--port must be 1-65535');
  return port;
}

export function parsePosOptions(args: readonly string[]): PosOptions {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: OPTIONS,
  });
  const action = POS_ACTIONS.find((candidate) => candidate === positionals[0]);
  if (action === undefined) throw new CliUsageError(`give an action: ${POS_ACTIONS.join(', ')}`);
  if (positionals.length > 1) throw new CliUsageError(`unexpected argument "${positionals[1]}"`);
  const replyTimeoutMs = parseDurationMs(values.timeout, '--timeout');
  if (replyTimeoutMs === 0 || replyTimeoutMs > POS_REPLY_TIMEOUT_MS_MAX) {
    throw new CliUsageError('--timeout must be above 0 and at most 60s');
  }
  if (values.stan !== undefined && !/^[0-9]{1,6}$/.test(values.stan)) throw new CliUsageError('--stan is 1-6 digits');
  return {
    action,
    profilePath: values.profile,
    terminalId: values.terminal,
    host: values.host,
    port: parsePort(values.port),
    apiUrl: values.api.replace(/\/+$/, ''),
    replyTimeoutMs,
    serialNumber: values.serial,
    activationCode: values.code,
    card: parseCard(values.pan, values.expiry, values.pin),
    entryMode: parseEntryMode(values.entry),
    withoutPin: values['no-pin'],
    scanCode: values['scan-code'],
    amountFen: parseAmountFen(values['amount-fen']),
    originalStan: values.stan?.padStart(6, '0'),
  };
}

/** Fails with a usage error unless the option the action needs was given. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new CliUsageError(`this action needs ${what}`);
  return value;
}
