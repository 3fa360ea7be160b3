/**
 * Merchant QR codes: static (permanent, payer enters the amount) and dynamic (one amount, expires, used
 * once). The payment flow resolves a scanned content to its merchant through resolveQrCode.
 */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import { AMOUNT_FEN_MAX, type Fen } from '@acq/money';
import { ID_PREFIX, newId } from '../domain/ids.ts';
import { effectiveQrStatus, newQrToken, type QrKind, qrTokenFromContent } from '../domain/qr-code.ts';
import { LIMITS } from '../limits.ts';
import { recordAction } from '../store/action-log.ts';
import { countActiveQrCodes, findQrCode, insertQrCode, listQrCodes, updateQrStatus } from '../store/qr-store.ts';
import type { QrCodeRecord } from '../store/records.ts';
import { requireMerchant } from './merchants.ts';
import type { Actor, MerchantDeps } from './ports.ts';
import { conflict, exhausted, invalidArgument, notFound } from './refuse.ts';

const QR_DESCRIPTION_CHARS_MAX = 64;

function dynamicTerms(amountFen: Fen, timeToLiveMs: number): { amountFen: Fen; timeToLiveMs: number } {
  if (amountFen <= 0n || amountFen > AMOUNT_FEN_MAX)
    throw invalidArgument('INVALID_AMOUNT', 'a dynamic code needs a positive amountFen');
  const ttl = timeToLiveMs === 0 ? LIMITS.dynamicQrTimeToLiveMsDefault : timeToLiveMs;
  if (ttl < 0 || ttl > LIMITS.dynamicQrTimeToLiveMsMax) {
    throw invalidArgument('INVALID_TIME_TO_LIVE', `timeToLiveMs must be within 1..${LIMITS.dynamicQrTimeToLiveMsMax}`);
  }
  return { amountFen, timeToLiveMs: ttl };
}

export async function createQrCode(
  deps: MerchantDeps,
  input: { merchantId: string; kind: QrKind; amountFen: Fen; timeToLiveMs: number; description: string; actor: Actor },
): Promise<QrCodeRecord> {
  if (input.description.length > QR_DESCRIPTION_CHARS_MAX) {
    throw invalidArgument('INVALID_DESCRIPTION', `description is at most ${QR_DESCRIPTION_CHARS_MAX} characters`);
  }
  if (input.kind === 'static' && input.amountFen !== 0n) {
    throw invalidArgument('INVALID_AMOUNT', 'a static code carries no amount; the payer enters it');
  }
  const terms = input.kind === 'dynamic' ? dynamicTerms(input.amountFen, input.timeToLiveMs) : undefined;
  return withTransaction(deps.pool, async (client) => {
    const merchant = await requireMerchant(client, input.merchantId, 'for_update');
    if (merchant.status !== 'active') throw conflict('MERCHANT_NOT_ACTIVE', `merchant is ${merchant.status}`);
    if ((await countActiveQrCodes(client, input.merchantId)) >= LIMITS.activeQrCodesPerMerchantMax) {
      throw exhausted(
        'QR_CODE_LIMIT_REACHED',
        `a merchant holds at most ${LIMITS.activeQrCodesPerMerchantMax} active codes`,
      );
    }
    const code = await insertQrCode(client, {
      qrCodeId: newId(ID_PREFIX.qrCode),
      merchantId: input.merchantId,
      kind: input.kind,
      token: newQrToken(),
      amountFen: terms?.amountFen,
      expiresAtMs: terms === undefined ? undefined : deps.nowMs() + terms.timeToLiveMs,
      description: input.description,
    });
    await recordAction(client, {
      entityKind: 'qr_code',
      entityId: code.qrCodeId,
      action: 'create',
      actor: input.actor,
      detail: { kind: input.kind },
    });
    return code;
  });
}

export async function listMerchantQrCodes(deps: MerchantDeps, merchantId: string): Promise<QrCodeRecord[]> {
  await requireMerchant(deps.pool, merchantId, 'none');
  return listQrCodes(deps.pool, merchantId, LIMITS.listRowsMax);
}

export async function revokeQrCode(
  deps: MerchantDeps,
  input: { qrCodeId: string; merchantId: string; actor: Actor },
): Promise<QrCodeRecord> {
  const { qrCodeId, actor } = input;
  return withTransaction(deps.pool, async (client) => {
    const code = await findQrCode(client, { qrCodeId }, 'for_update');
    if (code === undefined || code.merchantId !== input.merchantId)
      throw notFound('QR_CODE_NOT_FOUND', 'no such QR code');
    if (code.status !== 'active') throw conflict('QR_CODE_NOT_ACTIVE', `QR code is ${code.status}`);
    const revoked = await updateQrStatus(client, qrCodeId, 'revoked');
    await recordAction(client, { entityKind: 'qr_code', entityId: qrCodeId, action: 'revoke', actor, detail: {} });
    return revoked;
  });
}

/** Resolves a scanned content; with consume, a dynamic code is spent in the same transaction. */
export async function resolveQrCode(deps: MerchantDeps, content: string, consume: boolean) {
  const token = qrTokenFromContent(deps.settings.qrBaseUrl, content);
  if (token === undefined) throw notFound('QR_CODE_NOT_FOUND', 'not one of our QR codes');
  return withTransaction(deps.pool, async (client) => {
    const code = await findQrCode(client, { token }, consume ? 'for_update' : 'none');
    if (code === undefined) throw notFound('QR_CODE_NOT_FOUND', 'no such QR code');
    const status = effectiveQrStatus(code.status, code.expiresAtMs, deps.nowMs());
    if (status !== 'active') throw conflict('QR_CODE_NOT_ACTIVE', `QR code is ${status}`);
    const merchant = await requireMerchant(client, code.merchantId, 'for_share');
    if (merchant.status !== 'active') throw conflict('MERCHANT_NOT_ACTIVE', `merchant is ${merchant.status}`);
    const resolved = consume && code.kind === 'dynamic' ? await updateQrStatus(client, code.qrCodeId, 'used') : code;
    assert(resolved.merchantId === merchant.merchantId, 'the code belongs to the merchant it resolves to');
    return { code: resolved, merchant };
  });
}
