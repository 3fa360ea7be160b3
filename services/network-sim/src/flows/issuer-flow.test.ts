// Goal: the issuers answer every rule's response code and keep balances, holds and the approved set right.
// Method: drive IssuerFlow with the real software HSM and ZPK PIN blocks, then read the card back.
import { strict as expect } from 'node:assert';
import { beforeEach, describe, test } from 'node:test';
import { type Fen, fen } from '@acq/money';
import { buildTestSimulator, pinBlockUnderZpk } from '../../test/fixture.ts';
import type { CardKind, CardStatus } from '../domain/card.ts';
import type { IssuerOperation } from '../domain/issuer.ts';
import type { NetworkSimulator } from '../simulator.ts';
import type { NetworkRequest, OriginalReference } from './issuer-flow.ts';

let simulator: NetworkSimulator;
let stanCounter = 0;

function card(
  balanceFen: bigint,
  options: { status?: CardStatus; expiry?: string; kind?: CardKind; limitFen?: bigint } = {},
) {
  const created = simulator.cardAdmin.create({
    pan: undefined,
    pin: '123456',
    expiry: options.expiry ?? '3012',
    kind: options.kind ?? 'debit',
    balanceFen: fen(balanceFen),
    status: options.status ?? 'active',
    singleLimitFen: options.limitFen === undefined ? undefined : fen(options.limitFen),
    holder: { holderName: undefined, idNumber: undefined, phone: undefined, bankName: undefined },
  });
  if (!created.ok) throw new Error('card not created');
  return created.card;
}

function request(
  operation: IssuerOperation,
  pan: string,
  amountFen: bigint,
  extra: { pin?: string; original?: OriginalReference; merchantId?: string } = {},
): NetworkRequest {
  stanCounter += 1;
  return {
    mti: operation === 'preAuth' ? '0100' : '0200',
    processingCode: '000000',
    operation,
    pan,
    expiry: undefined,
    pinBlock: extra.pin === undefined ? undefined : pinBlockUnderZpk(extra.pin, pan),
    amountFen: amountFen as Fen,
    keys: {
      stan: stanCounter.toString().padStart(6, '0'),
      transmissionDateTime: '1122020000',
      terminalId: 'T0000001',
      merchantId: extra.merchantId ?? '898310053110001',
      rrn: '',
      acquirerId: '48020000',
    },
    original: extra.original,
  };
}

function referenceTo(original: NetworkRequest): OriginalReference {
  return {
    stan: original.keys.stan,
    transmissionDateTime: original.keys.transmissionDateTime,
    rrn: undefined,
    authCode: undefined,
  };
}

beforeEach(() => {
  simulator = buildTestSimulator().simulator;
});

describe('issuer decisions', () => {
  test('purchase with the right PIN approves with a 6-digit auth code and debits the balance', () => {
    const debit = card(10_000n);
    const outcome = simulator.issuer.authorize(request('purchase', debit.pan, 2_500n, { pin: '123456' }));
    expect.equal(outcome.responseCode, '00');
    expect.match(outcome.authCode ?? '', /^[0-9]{6}$/);
    expect.match(outcome.rrn, /^[0-9]{12}$/);
    expect.equal(debit.balanceFen, 7_500n);
  });

  test('each decline answers its code and moves no money', () => {
    expect.equal(simulator.issuer.authorize(request('purchase', '6217000000000000000', 1n)).responseCode, '14');
    const expired = card(10_000n, { expiry: '2001' });
    expect.equal(simulator.issuer.authorize(request('purchase', expired.pan, 1n)).responseCode, '54');
    const lost = card(10_000n, { status: 'lost' });
    expect.equal(simulator.issuer.authorize(request('purchase', lost.pan, 1n)).responseCode, '41');
    const stolen = card(10_000n, { status: 'stolen', kind: 'credit' });
    expect.equal(simulator.issuer.authorize(request('purchase', stolen.pan, 1n)).responseCode, '43');
    const poor = card(1_000n);
    expect.equal(simulator.issuer.authorize(request('purchase', poor.pan, 1_001n)).responseCode, '51');
    expect.equal(simulator.issuer.authorize(request('purchase', poor.pan, 1_000n)).responseCode, '00');
    expect.equal(poor.balanceFen, 0n);
    const limited = card(1_000_000n, { limitFen: 50_000n });
    expect.equal(simulator.issuer.authorize(request('purchase', limited.pan, 50_001n)).responseCode, '61');
    expect.equal(simulator.issuer.authorize(request('purchase', limited.pan, 0n)).responseCode, '13');
    expect.equal(limited.balanceFen, 1_000_000n);
  });

  test('a wrong PIN answers 55, the third in a row 75, and a locked card refuses even the right PIN', () => {
    const debit = card(10_000n);
    expect.equal(
      simulator.issuer.authorize(request('purchase', debit.pan, 100n, { pin: '000000' })).responseCode,
      '55',
    );
    expect.equal(
      simulator.issuer.authorize(request('purchase', debit.pan, 100n, { pin: '111111' })).responseCode,
      '55',
    );
    expect.equal(
      simulator.issuer.authorize(request('purchase', debit.pan, 100n, { pin: '222222' })).responseCode,
      '75',
    );
    expect.equal(
      simulator.issuer.authorize(request('purchase', debit.pan, 100n, { pin: '123456' })).responseCode,
      '75',
    );
    expect.equal(debit.balanceFen, 10_000n);
  });

  test('a right PIN resets the wrong-PIN counter', () => {
    const debit = card(10_000n);
    simulator.issuer.authorize(request('purchase', debit.pan, 100n, { pin: '000000' }));
    simulator.issuer.authorize(request('purchase', debit.pan, 100n, { pin: '000000' }));
    expect.equal(
      simulator.issuer.authorize(request('purchase', debit.pan, 100n, { pin: '123456' })).responseCode,
      '00',
    );
    expect.equal(debit.wrongPinCount, 0);
  });

  test('the same transaction keys twice answer 94', () => {
    const debit = card(10_000n);
    const first = request('purchase', debit.pan, 100n);
    expect.equal(simulator.issuer.authorize(first).responseCode, '00');
    expect.equal(simulator.issuer.authorize(first).responseCode, '94');
    expect.equal(debit.balanceFen, 9_900n);
  });

  test('balance inquiry answers the available amount after holds', () => {
    const debit = card(10_000n);
    simulator.issuer.authorize(request('preAuth', debit.pan, 3_000n));
    const outcome = simulator.issuer.authorize(request('balanceInquiry', debit.pan, 0n));
    expect.equal(outcome.availableFen, 7_000n);
  });
});

describe('holds, completion, void and refund', () => {
  test('pre-auth holds, completion releases the hold and debits, up to 115% of the hold', () => {
    const credit = card(100_000n, { kind: 'credit' });
    const preAuth = request('preAuth', credit.pan, 10_000n);
    expect.equal(simulator.issuer.authorize(preAuth).responseCode, '00');
    expect.equal(credit.holdsFen, 10_000n);
    const tooMuch = request('completion', credit.pan, 11_501n, { original: referenceTo(preAuth) });
    expect.equal(simulator.issuer.authorize(tooMuch).responseCode, '13');
    const completion = request('completion', credit.pan, 11_500n, { original: referenceTo(preAuth) });
    expect.equal(simulator.issuer.authorize(completion).responseCode, '00');
    expect.equal(credit.holdsFen, 0n);
    expect.equal(credit.balanceFen, 88_500n);
    const again = request('completion', credit.pan, 100n, { original: referenceTo(preAuth) });
    expect.equal(simulator.issuer.authorize(again).responseCode, '12');
  });

  test('voiding a pre-auth releases its hold; a void of a completion restores balance and hold', () => {
    const debit = card(50_000n);
    const preAuth = request('preAuth', debit.pan, 5_000n);
    simulator.issuer.authorize(preAuth);
    const completion = request('completion', debit.pan, 4_000n, { original: referenceTo(preAuth) });
    simulator.issuer.authorize(completion);
    const completionVoid = request('void', debit.pan, 4_000n, { original: referenceTo(completion) });
    expect.equal(simulator.issuer.authorize(completionVoid).responseCode, '00');
    expect.equal(debit.balanceFen, 50_000n);
    expect.equal(debit.holdsFen, 5_000n);
    const preAuthVoid = request('void', debit.pan, 5_000n, { original: referenceTo(preAuth) });
    expect.equal(simulator.issuer.authorize(preAuthVoid).responseCode, '00');
    expect.equal(debit.holdsFen, 0n);
  });

  test('void restores the purchase once; refunds never exceed the original; unknown originals answer 25', () => {
    const debit = card(10_000n);
    const purchase = request('purchase', debit.pan, 4_000n);
    simulator.issuer.authorize(purchase);
    expect.equal(
      simulator.issuer.authorize(request('void', debit.pan, 3_000n, { original: referenceTo(purchase) })).responseCode,
      '13',
    );
    expect.equal(
      simulator.issuer.authorize(request('void', debit.pan, 4_000n, { original: referenceTo(purchase) })).responseCode,
      '00',
    );
    expect.equal(
      simulator.issuer.authorize(request('void', debit.pan, 4_000n, { original: referenceTo(purchase) })).responseCode,
      '12',
    );
    expect.equal(debit.balanceFen, 10_000n);
    const second = request('purchase', debit.pan, 2_000n);
    simulator.issuer.authorize(second);
    expect.equal(
      simulator.issuer.authorize(request('refund', debit.pan, 1_500n, { original: referenceTo(second) })).responseCode,
      '00',
    );
    expect.equal(
      simulator.issuer.authorize(request('refund', debit.pan, 501n, { original: referenceTo(second) })).responseCode,
      '13',
    );
    expect.equal(
      simulator.issuer.authorize(request('refund', debit.pan, 500n, { original: referenceTo(second) })).responseCode,
      '00',
    );
    expect.equal(debit.balanceFen, 10_000n);
    const missing = { stan: '999999', transmissionDateTime: '1122020000', rrn: undefined, authCode: undefined };
    expect.equal(
      simulator.issuer.authorize(request('refund', debit.pan, 1n, { original: missing })).responseCode,
      '25',
    );
  });
});

describe('reversals', () => {
  test('a reversal restores the balance and is idempotent', () => {
    const debit = card(10_000n);
    const purchase = request('purchase', debit.pan, 6_000n);
    simulator.issuer.authorize(purchase);
    const reversal = { keys: { ...purchase.keys, stan: '900001' }, original: referenceTo(purchase) };
    expect.equal(simulator.issuer.reverse(reversal), '00');
    expect.equal(debit.balanceFen, 10_000n);
    expect.equal(simulator.issuer.reverse(reversal), '00');
    expect.equal(debit.balanceFen, 10_000n);
    const approval = simulator.approvals.getByTransactionKey(
      `${purchase.keys.terminalId}|${purchase.keys.merchantId}|${purchase.keys.stan}|${purchase.keys.transmissionDateTime}`,
    );
    expect.equal(approval?.state, 'reversed');
  });

  test('a reversal matched by its own 11+41+42+7 releases a pre-auth hold', () => {
    const debit = card(10_000n);
    const preAuth = request('preAuth', debit.pan, 4_000n);
    simulator.issuer.authorize(preAuth);
    expect.equal(simulator.issuer.reverse({ keys: preAuth.keys, original: undefined }), '00');
    expect.equal(debit.holdsFen, 0n);
  });

  test('reversing an unknown original answers 00 and refuses the late original with 12', () => {
    const debit = card(10_000n);
    const late = request('purchase', debit.pan, 1_000n);
    expect.equal(simulator.issuer.reverse({ keys: late.keys, original: undefined }), '00');
    expect.equal(simulator.issuer.authorize(late).responseCode, '12');
    expect.equal(debit.balanceFen, 10_000n);
  });

  test('a voided purchase is not reversed (12) so money never comes back twice', () => {
    const debit = card(10_000n);
    const purchase = request('purchase', debit.pan, 1_000n);
    simulator.issuer.authorize(purchase);
    simulator.issuer.authorize(request('void', debit.pan, 1_000n, { original: referenceTo(purchase) }));
    expect.equal(simulator.issuer.reverse({ keys: purchase.keys, original: undefined }), '12');
    expect.equal(debit.balanceFen, 10_000n);
  });
});
