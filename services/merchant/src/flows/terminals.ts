/**
 * Terminal lifecycle: registration to a merchant (with a one-time activation code), activation (binds
 * the terminal and issues its TMK, delivered once), operator re-binding and status changes.
 */
import { assert } from '@acq/assert';
import type pg from 'pg';
import { withTransaction } from '@acq/db';
import {
  activationCodeMatches,
  checkActivationAttempt,
  generateActivationCode,
  hashActivationCode,
  isWellFormedActivationCode,
} from '../domain/activation-code.ts';
import { REFUSAL_CLASS, type Refusal, RefusalError, refusal } from '../domain/errors.ts';
import {
  isWellFormedModel,
  isWellFormedSerialNumber,
  type TerminalStatus,
  terminalStatusChangeAllowed,
} from '../domain/terminal-rules.ts';
import { recordAction } from '../store/action-log.ts';
import type { Queryable } from '../store/queryable.ts';
import type { MerchantRecord, TerminalRecord } from '../store/records.ts';
import {
  countFailedActivation,
  countTerminalsOfMerchant,
  findTerminal,
  insertTerminal,
  listTerminalsOfMerchant,
  markActivated,
  nextTerminalId,
  recordBinding,
  resetActivationCode,
  updateTerminalStatus,
  wasRebound,
} from '../store/terminal-store.ts';
import { terminalChangedEvent } from './events.ts';
import { requireMerchant, STATUS_REASON_CHARS_MAX } from './merchants.ts';
import type { Actor, MerchantDeps } from './ports.ts';
import { conflict, exhausted, invalidArgument, notFound } from './refuse.ts';

function newActivationCode(deps: MerchantDeps, serialNumber: string) {
  const code = generateActivationCode();
  return {
    code,
    hash: hashActivationCode(code, serialNumber, deps.settings.activationCodeSecret),
    expiresAtMs: deps.nowMs() + deps.settings.activationCodeTimeToLiveMs,
  };
}

function requireActiveMerchant(merchant: MerchantRecord): void {
  if (merchant.status !== 'active') throw conflict('MERCHANT_NOT_ACTIVE', `merchant is ${merchant.status}`);
}

async function reissueForSameMerchant(
  deps: MerchantDeps,
  client: Queryable,
  existing: TerminalRecord,
  merchantId: string,
) {
  if (existing.merchantId !== merchantId || existing.status !== 'registered') {
    throw conflict('SERIAL_NUMBER_TAKEN', 'this serial number is already registered to a merchant');
  }
  const activation = newActivationCode(deps, existing.serialNumber);
  const terminal = await resetActivationCode(client, existing.terminalId, {
    merchantId,
    activationCodeHash: activation.hash,
    activationCodeExpiresAtMs: activation.expiresAtMs,
  });
  return { terminal, activationCode: activation.code, reissued: true };
}

/** Registers a terminal; registering a not-yet-activated serial again for the same merchant re-issues its code. */
export async function registerTerminal(
  deps: MerchantDeps,
  input: { merchantId: string; serialNumber: string; model: string; actor: Actor },
) {
  if (!isWellFormedSerialNumber(input.serialNumber)) {
    throw invalidArgument('INVALID_SERIAL_NUMBER', 'serialNumber must be 6-32 letters, digits or dashes');
  }
  if (!isWellFormedModel(input.model)) throw invalidArgument('INVALID_MODEL', 'model must be 1-40 characters');
  return withTransaction(deps.pool, async (client) => {
    const merchant = await requireMerchant(client, input.merchantId, 'for_update');
    requireActiveMerchant(merchant);
    const existing = await findTerminal(client, { serialNumber: input.serialNumber }, 'for_update');
    if (existing !== undefined) {
      return recordRegistration(
        deps,
        client,
        await reissueForSameMerchant(deps, client, existing, input.merchantId),
        input.actor,
      );
    }
    if ((await countTerminalsOfMerchant(client, input.merchantId)) >= deps.settings.terminalsPerMerchantMax) {
      throw exhausted(
        'TERMINAL_LIMIT_REACHED',
        `a merchant holds at most ${deps.settings.terminalsPerMerchantMax} terminals`,
      );
    }
    const activation = newActivationCode(deps, input.serialNumber);
    const terminal = await insertTerminal(client, {
      terminalId: await nextTerminalId(client),
      serialNumber: input.serialNumber,
      model: input.model,
      merchantId: input.merchantId,
      activationCodeHash: activation.hash,
      activationCodeExpiresAtMs: activation.expiresAtMs,
    });
    // A concurrent registration of the same serial number wins the unique index; this one refuses.
    if (terminal === undefined) throw conflict('SERIAL_NUMBER_TAKEN', 'this serial number is already registered');
    return recordRegistration(
      deps,
      client,
      { terminal, activationCode: activation.code, reissued: false },
      input.actor,
    );
  });
}

async function recordRegistration(
  deps: MerchantDeps,
  client: pg.PoolClient,
  result: { terminal: TerminalRecord; activationCode: string; reissued: boolean },
  actor: Actor,
) {
  const { terminal } = result;
  await recordBinding(client, {
    terminalId: terminal.terminalId,
    merchantId: terminal.merchantId,
    previousMerchantId: undefined,
    action: 'assigned',
    actor: actor.subject,
    reason: result.reissued ? 'activation code re-issued' : 'registered',
  });
  await recordAction(client, {
    entityKind: 'terminal',
    entityId: terminal.terminalId,
    action: result.reissued ? 'reissue_activation_code' : 'register',
    actor,
    detail: { merchantId: terminal.merchantId, serialNumber: terminal.serialNumber },
  });
  await deps.writeOutboxEvents(client, [terminalChangedEvent(terminal, 'registered', deps.nowMs())]);
  return result;
}

export async function listTerminals(deps: MerchantDeps, merchantId: string, rowsMax: number) {
  await requireMerchant(deps.pool, merchantId, 'none');
  return listTerminalsOfMerchant(deps.pool, merchantId, rowsMax);
}

const ACTIVATION_REFUSALS: Readonly<Record<'attempts_exceeded' | 'expired' | 'wrong_code', Refusal>> = {
  attempts_exceeded: refusal(
    'ACTIVATION_ATTEMPTS_EXCEEDED',
    REFUSAL_CLASS.resourceExhausted,
    'too many wrong activation codes; ask for a new code',
  ),
  expired: refusal(
    'ACTIVATION_CODE_EXPIRED',
    REFUSAL_CLASS.failedPrecondition,
    'activation code has expired; ask for a new code',
  ),
  wrong_code: refusal('ACTIVATION_CODE_INVALID', REFUSAL_CLASS.invalidArgument, 'activation code is wrong'),
};

async function activateLocked(deps: MerchantDeps, client: pg.PoolClient, serialNumber: string, activationCode: string) {
  const terminal = await findTerminal(client, { serialNumber }, 'for_update');
  if (terminal === undefined) throw notFound('TERMINAL_NOT_FOUND', 'no terminal with this serial number');
  if (terminal.status !== 'registered') {
    throw conflict('TERMINAL_ALREADY_ACTIVATED', `terminal is ${terminal.status}; activation codes are one-time`);
  }
  assert(terminal.activationCodeHash !== undefined, 'a registered terminal has an activation code');
  assert(terminal.activationCodeExpiresAtMs !== undefined, 'an activation code has an expiry');
  const check = checkActivationAttempt({
    attemptsUsed: terminal.activationAttempts,
    attemptsMax: deps.settings.activationAttemptsMax,
    expiresAtMs: terminal.activationCodeExpiresAtMs,
    nowMs: deps.nowMs(),
    codeMatches: activationCodeMatches(
      terminal.activationCodeHash,
      activationCode,
      serialNumber,
      deps.settings.activationCodeSecret,
    ),
  });
  if (check === 'wrong_code') await countFailedActivation(client, terminal.terminalId);
  // Refusals are returned, not thrown, so the attempt counter commits.
  if (check !== 'ok') return { refusal: ACTIVATION_REFUSALS[check] } as const;
  const merchant = await requireMerchant(client, terminal.merchantId, 'for_share');
  requireActiveMerchant(merchant);
  const tmk = deps.hsm.generateTerminalMasterKey();
  const rebinding = await wasRebound(client, terminal.terminalId);
  const activated = await markActivated(client, terminal.terminalId, {
    tmkUnderMasterKey: tmk.tmkUnderMasterKey,
    rebinding,
  });
  await recordBinding(client, {
    terminalId: activated.terminalId,
    merchantId: activated.merchantId,
    previousMerchantId: undefined,
    action: 'activated',
    actor: `terminal:${serialNumber}`,
    reason: '',
  });
  await deps.writeOutboxEvents(client, [terminalChangedEvent(activated, 'activated', deps.nowMs())]);
  return { terminal: activated, merchant, tmk } as const;
}

/** Activation by the installer: binds the terminal to its merchant and delivers the TMK once. */
export async function activateTerminal(deps: MerchantDeps, input: { serialNumber: string; activationCode: string }) {
  if (!isWellFormedSerialNumber(input.serialNumber))
    throw invalidArgument('INVALID_SERIAL_NUMBER', 'serialNumber is malformed');
  if (!isWellFormedActivationCode(input.activationCode)) {
    throw invalidArgument('ACTIVATION_CODE_INVALID', 'activation code is 8 digits');
  }
  const outcome = await withTransaction(deps.pool, (client) =>
    activateLocked(deps, client, input.serialNumber, input.activationCode),
  );
  if ('refusal' in outcome) throw new RefusalError(outcome.refusal);
  assert(outcome.terminal.status === 'activated', 'activation leaves the terminal activated');
  return outcome;
}

/** Operator re-binding (audited): the terminal leaves its merchant and must be activated again. */
export async function rebindTerminal(
  deps: MerchantDeps,
  input: { terminalId: string; targetMerchantId: string; reason: string; actor: Actor },
) {
  const reason = input.reason.trim();
  if (reason === '' || reason.length > STATUS_REASON_CHARS_MAX) {
    throw invalidArgument('INVALID_REASON', 'a re-binding needs a reason');
  }
  return withTransaction(deps.pool, async (client) => {
    const terminal = await findTerminal(client, { terminalId: input.terminalId }, 'for_update');
    if (terminal === undefined) throw notFound('TERMINAL_NOT_FOUND', 'no such terminal');
    if (terminal.status === 'retired') throw conflict('TERMINAL_RETIRED', 'a retired terminal cannot be re-bound');
    if (terminal.merchantId === input.targetMerchantId)
      throw conflict('ALREADY_BOUND', 'terminal is already bound to this merchant');
    requireActiveMerchant(await requireMerchant(client, input.targetMerchantId, 'for_update'));
    const activation = newActivationCode(deps, terminal.serialNumber);
    const rebound = await resetActivationCode(client, terminal.terminalId, {
      merchantId: input.targetMerchantId,
      activationCodeHash: activation.hash,
      activationCodeExpiresAtMs: activation.expiresAtMs,
    });
    const entry = {
      terminalId: terminal.terminalId,
      merchantId: input.targetMerchantId,
      previousMerchantId: terminal.merchantId,
    };
    await recordBinding(client, { ...entry, action: 'rebound', actor: input.actor.subject, reason });
    await recordAction(client, {
      entityKind: 'terminal',
      entityId: terminal.terminalId,
      action: 'rebind',
      actor: input.actor,
      detail: { fromMerchantId: terminal.merchantId, toMerchantId: input.targetMerchantId, reason },
    });
    await deps.writeOutboxEvents(client, [terminalChangedEvent(rebound, 'rebound', deps.nowMs(), terminal.merchantId)]);
    return { terminal: rebound, activationCode: activation.code };
  });
}

export async function setTerminalStatus(
  deps: MerchantDeps,
  input: { terminalId: string; status: TerminalStatus; reason: string; actor: Actor },
) {
  const reason = input.reason.trim();
  if (reason === '') throw invalidArgument('INVALID_REASON', 'a status change needs a reason');
  return withTransaction(deps.pool, async (client) => {
    const terminal = await findTerminal(client, { terminalId: input.terminalId }, 'for_update');
    if (terminal === undefined) throw notFound('TERMINAL_NOT_FOUND', 'no such terminal');
    if (!terminalStatusChangeAllowed(terminal.status, input.status)) {
      throw conflict(
        'TERMINAL_STATUS_CHANGE_NOT_ALLOWED',
        `terminal is ${terminal.status}; cannot become ${input.status}`,
      );
    }
    const updated = await updateTerminalStatus(client, input.terminalId, input.status);
    await recordAction(client, {
      entityKind: 'terminal',
      entityId: input.terminalId,
      action: 'set_status',
      actor: input.actor,
      detail: { from: terminal.status, to: input.status, reason },
    });
    await deps.writeOutboxEvents(client, [terminalChangedEvent(updated, 'status_changed', deps.nowMs())]);
    return updated;
  });
}
