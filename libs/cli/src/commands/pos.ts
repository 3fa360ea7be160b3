/**
 * `acq pos <action>`: a CUP POS terminal from the command line. `activate` redeems the one-time
 * activation code over HTTP and saves a terminal profile; every other action signs in first (the
 * profile keeps no working keys), runs its transaction, prints the masked request and reply and a
 * receipt, and keeps batch and trace numbering and the journal in the profile.
 */
import { DEV_ACCESS_TOKEN_SECRET } from '@acq/access';
import { activateTerminal, lastStanOf, openTerminalSession, type TerminalSession } from '@acq/bench';
import { cupPosSpec, describeMessage } from '@acq/iso8583';
import { type CliCommand, type CliIo, EXIT_INVALID_INPUT, EXIT_OK } from '../command.ts';
import { type ActionOutcome, runFinancial, runReversal } from './pos/pos-actions.ts';
import { type PosOptions, parsePosOptions, required } from './pos/pos-options.ts';
import {
  loadProfile,
  PosRefusal,
  profilePathOf,
  resolveProfilePath,
  saveProfile,
  type TerminalProfile,
} from './pos/pos-profile.ts';
import { formatExchange, formatReceipt } from './pos/pos-receipt.ts';
import { sendSettlement } from './pos/pos-settlement.ts';

const USAGE = `usage: acq pos <action> [options]
  activate --serial SN --code CODE [--api URL] [--profile path]
  sign-in | echo
  purchase --pan N --expiry YYMM [--pin P] --amount-fen F [--entry chip|magstripe|contactless|scan --scan-code C] [--no-pin]
  balance  --pan N --expiry YYMM [--pin P]
  void     --stan S --pan N --expiry YYMM [--pin P]        (S: the original's trace number from its receipt)
  refund   --stan S --pan N --expiry YYMM --amount-fen F
  preauth  --pan N --expiry YYMM [--pin P] --amount-fen F
  completion --stan S --pan N --expiry YYMM [--pin P] --amount-fen F
  reversal --pan N --expiry YYMM                          (reverses the last request sent)
  settle                                                   (batch settlement with the journal's totals)
common: --terminal ID | --profile path (default: the only profile in ~/.acq/terminals/),
        --host 127.0.0.1 --port 8583 --timeout 60s
The profile holds the terminal's TMK in clear (a development tool; file mode 0600), never card data.
Exit codes: 0 approved, 1 declined / no reply / refused, 2 bad command line.`;

async function activate(options: PosOptions, io: CliIo): Promise<number> {
  const serialNumber = required(options.serialNumber, '--serial');
  const activationCode = required(options.activationCode, '--code');
  const answer = await activateTerminal(serialNumber, activationCode, {
    apiUrl: options.apiUrl,
    networkSimUrl: '',
    accessTokenSecret: DEV_ACCESS_TOKEN_SECRET,
  });
  if (answer.status !== 200) {
    io.stderr(`acq pos activate: HTTP ${answer.status} ${JSON.stringify(answer.body)}\n`);
    return EXIT_INVALID_INPUT;
  }
  const activated = answer.body;
  const profile: TerminalProfile = {
    version: 1,
    terminalId: activated.terminalId,
    merchantId: activated.merchantId,
    merchantNumber: activated.merchantNumber,
    tmkHex: activated.tmk,
    batchNumber: '000001',
    lastStan: 0,
    journal: [],
    lastRequest: null,
  };
  const path = options.profilePath ?? profilePathOf(activated.terminalId);
  await saveProfile(path, profile);
  io.stdout(
    `terminalId     ${activated.terminalId}\nmerchantId     ${activated.merchantId}\nmerchantNumber ${activated.merchantNumber}\n` +
      `TMK            ${activated.tmk} (KCV ${activated.tmkCheckValue})\nprofile        ${path}\n`,
  );
  return EXIT_OK;
}

async function settle(options: PosOptions, profile: TerminalProfile, session: TerminalSession, io: CliIo) {
  const outcome = await sendSettlement(session.terminal, session.connection, profile.journal, options.replyTimeoutMs);
  io.stdout(
    `>>> request\n${describeMessage(cupPosSpec, outcome.request)}\n<<< response\n${describeMessage(cupPosSpec, outcome.response)}\n`,
  );
  const balanced =
    outcome.result === 1 ? '对账平 balanced' : outcome.result === 2 ? '对账不平 not balanced' : 'no result';
  io.stdout(`批结算 SETTLEMENT batch ${session.terminal.batchNumber}: ${outcome.responseCode} ${balanced}\n`);
  if (outcome.responseCode !== '00') return EXIT_INVALID_INPUT;
  for (const entry of profile.journal) entry.settled = true;
  session.terminal.batchNumber = String((Number(session.terminal.batchNumber) % 999_999) + 1).padStart(6, '0');
  return EXIT_OK;
}

async function transact(options: PosOptions, profile: TerminalProfile, session: TerminalSession, io: CliIo) {
  const signIn = session.signIn;
  io.stdout(`签到 SIGN-IN: ${signIn.responseCode}, batch ${session.terminal.batchNumber}\n`);
  if (options.action === 'sign-in' || signIn.responseCode !== '00') {
    io.stdout(formatExchange(signIn));
    return signIn.responseCode === '00' ? EXIT_OK : EXIT_INVALID_INPUT;
  }
  if (options.action === 'settle') return settle(options, profile, session, io);
  let outcome: ActionOutcome;
  if (options.action === 'echo') outcome = { result: await session.terminal.echo(), panMasked: undefined };
  else if (options.action === 'reversal') outcome = await runReversal(options, profile, session);
  else outcome = await runFinancial(options, profile, session);
  io.stdout(formatExchange(outcome.result));
  io.stdout(formatReceipt(outcome.result, { ...profile, panMasked: outcome.panMasked }));
  return outcome.result.responseCode === '00' ? EXIT_OK : EXIT_INVALID_INPUT;
}

/** Link failures and refusals are operating errors of a terminal: say what happened and what to do next. */
function linkFailure(error: unknown, options: PosOptions, io: CliIo): number {
  if (error instanceof PosRefusal) {
    io.stderr(`acq pos ${options.action}: ${error.message}\n`);
    return EXIT_INVALID_INPUT;
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'TIMEOUT') {
    io.stderr(`acq pos ${options.action}: no reply within ${options.replyTimeoutMs} ms; send "acq pos reversal"\n`);
    return EXIT_INVALID_INPUT;
  }
  if (typeof code === 'string' && code.startsWith('E')) {
    io.stderr(`acq pos ${options.action}: cannot reach ${options.host}:${options.port} (${code})\n`);
    return EXIT_INVALID_INPUT;
  }
  throw error;
}

async function runPos(args: readonly string[], io: CliIo): Promise<number> {
  const options = parsePosOptions(args);
  if (options.action === 'activate') return activate(options, io);
  const path = await resolveProfilePath(options.profilePath, options.terminalId);
  const profile = await loadProfile(path);
  let session: TerminalSession;
  try {
    session = await openTerminalSession({
      host: options.host,
      port: options.port,
      identity: profile,
      lastStan: profile.lastStan,
      batchNumber: profile.batchNumber,
      replyTimeoutMs: options.replyTimeoutMs,
    });
  } catch (error) {
    return linkFailure(error, options, io);
  }
  try {
    return await transact(options, profile, session, io);
  } catch (error) {
    return linkFailure(error, options, io);
  } finally {
    profile.lastStan = lastStanOf(session.terminal);
    profile.batchNumber = session.terminal.batchNumber;
    session.connection.close();
    await saveProfile(path, profile);
  }
}

export const posCommand: CliCommand = {
  name: 'pos',
  summary: 'terminal simulator: activate, sign-in, purchase, void, refund, balance, reversal, settle',
  usage: USAGE,
  run: runPos,
};
