/** A whole change as a merchant app drives it: request, SMS code, agreement, micro-deposit amount. */
import assert from 'node:assert/strict';
import type { CardChange, CardRegistryServiceClient } from '@acq/proto/card_registry/v1/card_registry.ts';
import { AGREEMENT_VERSION, type Harness, type Person } from './harness.ts';

export const MERCHANT_ACTOR = { subject: 'merchant-app', role: 'merchant' } as const;

export type ChangeDriver = Pick<Harness, 'call' | 'latestSmsCode' | 'microDepositFen'> & {
  readonly client: CardRegistryServiceClient;
};

export async function completeChange(
  driver: ChangeDriver,
  merchantId: string,
  holder: Person,
  newCard: string,
): Promise<CardChange> {
  const { call, client } = driver;
  const requested = await call(client.requestCardChange, {
    merchantId,
    cardNumber: newCard,
    holderName: holder.name,
    idNumber: holder.idNumber,
    phone: holder.phone,
    verificationMethod: 'micro_deposit',
    actor: MERCHANT_ACTOR,
  });
  assert.equal(requested.state, 'identity_verified');
  const changeId = requested.changeId;
  const code = await driver.latestSmsCode(holder.phone);
  await call(client.confirmSmsCode, { changeId, code, actor: MERCHANT_ACTOR });
  await call(client.signAgreement, { changeId, agreementVersion: AGREEMENT_VERSION, actor: MERCHANT_ACTOR });
  const amountFen = await driver.microDepositFen(newCard);
  return call(client.confirmCardVerification, { changeId, amountFen, actor: MERCHANT_ACTOR });
}
