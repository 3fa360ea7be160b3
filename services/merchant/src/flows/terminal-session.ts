/**
 * The terminal hot path the gateway and authorization call: the terminal context read, 0800 sign-in
 * (fresh working keys), sign-off, batch change after 0500 settlement, and location reports.
 */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import { REFUSAL_CLASS, RefusalError, refusal } from '../domain/errors.ts';
import { isValidAreaCode } from '../domain/merchant-number.ts';
import {
  isKeyMode,
  isValidBatchNumber,
  isWellFormedTerminalId,
  RESPONSE_CODE,
  terminalUseRefusal,
} from '../domain/terminal-rules.ts';
import type { TerminalContextRecord, TerminalLocationRecord } from '../store/records.ts';
import { readTerminalContext } from '../store/terminal-context-query.ts';
import { markSignedOff, storeWorkingKeys, updateBatchNumber, updateLocation } from '../store/terminal-store.ts';
import type pg from 'pg';
import { terminalChangedEvent } from './events.ts';
import type { MerchantDeps } from './ports.ts';
import { invalidArgument } from './refuse.ts';

const LATITUDE_E6_MAX = 90_000_000;
const LONGITUDE_E6_MAX = 180_000_000;

function unknownTerminal(): RefusalError {
  return new RefusalError(
    refusal(
      'TERMINAL_NOT_FOUND',
      REFUSAL_CLASS.notFound,
      'terminal is not registered',
      RESPONSE_CODE.terminalNotRegistered,
    ),
  );
}

function requireTerminalId(terminalId: string): void {
  if (!isWellFormedTerminalId(terminalId)) {
    throw new RefusalError(
      refusal(
        'INVALID_TERMINAL_ID',
        REFUSAL_CLASS.invalidArgument,
        'terminal id is 8 digits',
        RESPONSE_CODE.terminalNotRegistered,
      ),
    );
  }
}

export async function getTerminalContext(deps: MerchantDeps, terminalId: string): Promise<TerminalContextRecord> {
  requireTerminalId(terminalId);
  const context = await readTerminalContext(deps.pool, terminalId);
  if (context === undefined) throw unknownTerminal();
  assert(context.terminalId === terminalId, 'the context is the terminal asked for');
  return context;
}

/** Locks the terminal row, re-reads the context and refuses terminals that may not transact. */
async function lockUsableTerminal(client: pg.PoolClient, terminalId: string, merchantNumberFromTerminal: string) {
  await client.query('SELECT 1 FROM terminals WHERE terminal_id = $1 FOR UPDATE', [terminalId]);
  const context = await readTerminalContext(client, terminalId);
  if (context === undefined) throw unknownTerminal();
  const problem = terminalUseRefusal(
    {
      terminalStatus: context.terminalStatus,
      merchantStatus: context.merchantStatus,
      merchantNumber: context.merchantNumber,
      hasTerminalMasterKey: context.tmkUnderMasterKey !== '',
    },
    merchantNumberFromTerminal,
  );
  if (problem !== undefined) throw new RefusalError(problem);
  return context;
}

export async function signInTerminal(
  deps: MerchantDeps,
  input: { terminalId: string; merchantNumberFromTerminal: string; keyMode: string },
) {
  requireTerminalId(input.terminalId);
  const keyMode = input.keyMode;
  if (!isKeyMode(keyMode)) {
    throw new RefusalError(
      refusal('INVALID_KEY_MODE', REFUSAL_CLASS.invalidArgument, 'key mode is 001, 003 or 004', '30'),
    );
  }
  return withTransaction(deps.pool, async (client) => {
    const before = await lockUsableTerminal(client, input.terminalId, input.merchantNumberFromTerminal);
    const issued = deps.hsm.generateWorkingKeys(before.tmkUnderMasterKey, keyMode);
    const keys = { ...issued, tdkUnderMasterKey: issued.tdkUnderMasterKey ?? '' };
    assert(keys.field62.length > 0, 'sign-in returns field 62');
    assert(keyMode !== '004' || keys.tdkUnderMasterKey !== '', 'key mode 004 issues a TDK');
    const terminal = await storeWorkingKeys(client, input.terminalId, { keyMode, ...keys });
    await deps.writeOutboxEvents(client, [terminalChangedEvent(terminal, 'signed_in', deps.nowMs())]);
    const context = await readTerminalContext(client, input.terminalId);
    assert(context !== undefined, 'the signed-in terminal reads back');
    assert(context.signedIn, 'the terminal reads back signed in');
    assert(context.makUnderMasterKey === keys.makUnderMasterKey, 'the stored MAK is the issued one');
    return { field62: keys.field62, batchNumber: context.batchNumber, context };
  });
}

async function changeTerminal(
  deps: MerchantDeps,
  terminalId: string,
  change: (client: pg.PoolClient) => Promise<Parameters<typeof terminalChangedEvent>[0]>,
  eventChange: Parameters<typeof terminalChangedEvent>[1],
): Promise<TerminalContextRecord> {
  return withTransaction(deps.pool, async (client) => {
    const terminal = await change(client);
    await deps.writeOutboxEvents(client, [terminalChangedEvent(terminal, eventChange, deps.nowMs())]);
    const context = await readTerminalContext(client, terminalId);
    assert(context !== undefined, 'a changed terminal reads back');
    return context;
  });
}

export async function signOffTerminal(deps: MerchantDeps, terminalId: string) {
  requireTerminalId(terminalId);
  return changeTerminal(
    deps,
    terminalId,
    async (client) => {
      await lockUsableTerminal(client, terminalId, '');
      return markSignedOff(client, terminalId);
    },
    'signed_off',
  );
}

export async function setTerminalBatch(deps: MerchantDeps, terminalId: string, batchNumber: string) {
  requireTerminalId(terminalId);
  if (!isValidBatchNumber(batchNumber))
    throw invalidArgument('INVALID_BATCH_NUMBER', 'batch number is 6 digits, not 000000');
  return changeTerminal(
    deps,
    terminalId,
    async (client) => {
      await lockUsableTerminal(client, terminalId, '');
      return updateBatchNumber(client, terminalId, batchNumber);
    },
    'batch_changed',
  );
}

function checkLocation(location: TerminalLocationRecord): void {
  if (Math.abs(location.latitudeE6) > LATITUDE_E6_MAX || Math.abs(location.longitudeE6) > LONGITUDE_E6_MAX) {
    throw invalidArgument('INVALID_LOCATION', 'latitude/longitude out of range');
  }
  if (location.areaCode !== '' && !isValidAreaCode(location.areaCode)) {
    throw invalidArgument('INVALID_AREA_CODE', 'location area code is 4 digits');
  }
}

/** Location reports come from terminals in any state (a frozen terminal still reports where it is). */
export async function reportTerminalLocation(deps: MerchantDeps, terminalId: string, location: TerminalLocationRecord) {
  requireTerminalId(terminalId);
  checkLocation(location);
  return changeTerminal(
    deps,
    terminalId,
    async (client) => {
      const locked = await client.query('SELECT 1 FROM terminals WHERE terminal_id = $1 FOR UPDATE', [terminalId]);
      if (locked.rowCount === 0) throw unknownTerminal();
      return updateLocation(client, terminalId, location);
    },
    'location_reported',
  );
}
