// Goal: the pure request/response mapping builds the right ISO 87 network messages; method: build messages for each kind and compare fields exactly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fen } from '@acq/money';
import { buildBalance54 } from '@acq/iso8583';
import {
  balanceFromField,
  buildManagementMessage,
  buildRequestMessage,
  buildReversalMessage,
  merchantNameLocationField,
  NETWORK_FIELD,
  needsReversalOnTimeout,
  originalDataElements,
  responseMtiOf,
  resultFromResponse,
  reversalFor,
  routeOf,
  transmissionDateTimeOf,
} from './network-message.ts';
import { sampleRequest, TEST_PAN } from './testing/test-doubles.ts';
import { UPSTREAM_KINDS } from './types.ts';

const identity = {
  networkStan: '000123',
  transmissionDateTime: '1122031405',
  sentAt: new Date('2026-11-22T03:14:05Z'),
};

describe('network message mapping', () => {
  it('routes every kind to its MTI and processing code', () => {
    const table = Object.fromEntries(
      UPSTREAM_KINDS.map((kind) => [kind, `${routeOf(kind).mti}/${routeOf(kind).processingCode}`]),
    );
    assert.deepEqual(table, {
      balance_inquiry: '0200/310000',
      purchase: '0200/000000',
      void: '0200/200000',
      refund: '0220/200000',
      preauth: '0100/030000',
      preauth_void: '0200/200000',
      completion: '0200/000000',
      completion_void: '0200/200000',
    });
    assert.equal(needsReversalOnTimeout('balance_inquiry'), false);
    assert.equal(needsReversalOnTimeout('purchase'), true);
    assert.equal(needsReversalOnTimeout('refund'), true);
  });

  it('formats field 7 in GMT and fields 12/13 in Shanghai time', () => {
    assert.equal(transmissionDateTimeOf(new Date('2026-12-31T23:59:58Z')), '1231235958');
    const message = buildRequestMessage(sampleRequest(), { ...identity, sentAt: new Date('2026-12-31T23:59:58Z') });
    assert.equal(message.fields.get(NETWORK_FIELD.localDate), '0101');
    assert.equal(message.fields.get(NETWORK_FIELD.localTime), '075958');
  });

  it('builds a purchase with card, amount, identity and the bound merchant', () => {
    const message = buildRequestMessage(sampleRequest({ amountFen: fen(100n) }), identity);
    assert.equal(message.mti, '0200');
    assert.equal(message.fields.get(2), TEST_PAN);
    assert.equal(message.fields.get(3), '000000');
    assert.equal(message.fields.get(4), '000000000100');
    assert.equal(message.fields.get(7), '1122031405');
    assert.equal(message.fields.get(11), '000123');
    assert.equal(message.fields.get(41), 'T0000001');
    assert.equal(message.fields.get(42), '898110054110001');
    assert.equal(message.fields.get(18), '5411');
    assert.equal(
      Buffer.from(message.fields.get(43) as string, 'latin1')
        .toString('utf8')
        .trimEnd(),
      'Test Supermarket Shanghai',
    );
    assert.equal(message.fields.get(49), '156');
    assert.deepEqual(message.fields.get(52), Buffer.alloc(8, 0x11));
    assert.equal(message.fields.has(90), false);
  });

  it('omits the amount of a balance inquiry', () => {
    const message = buildRequestMessage(sampleRequest({ kind: 'balance_inquiry' }), identity);
    assert.equal(message.fields.get(3), '310000');
    assert.equal(message.fields.has(4), false);
  });

  it('refers a void to its original by field 90, 37 and 38', () => {
    const original = {
      networkStan: '000045',
      transmissionDateTime: '1122020000',
      rrn: '020000000045',
      authCode: 'A1B2C3',
      amountFen: fen(500n),
    };
    const message = buildRequestMessage(sampleRequest({ kind: 'void', original }), identity);
    assert.equal(message.fields.get(90), ['0200', '000045', '1122020000', '00048020000', '00000000000'].join(''));
    assert.equal((message.fields.get(90) as string).length, 42);
    assert.equal(message.fields.get(37), '020000000045');
    assert.equal(message.fields.get(38), 'A1B2C3');
  });

  it('refuses a follow-up without its original (programming error)', () => {
    assert.throws(() => buildRequestMessage(sampleRequest({ kind: 'completion' }), identity), /needs the original/);
  });

  it('lays out field 90 as MTI + STAN + field 7 + acquirer + forwarding ids', () => {
    assert.equal(
      originalDataElements('preauth', '999999', '0101000000', '1'),
      `0100999999010100000000000000001${'0'.repeat(11)}`,
    );
    assert.throws(() => originalDataElements('purchase', '12345', '0101000000', '1'), /6 digits/);
    assert.throws(() => originalDataElements('purchase', '123456', '0101000000', '123456789012'), /1\.\.11 digits/);
  });

  it('builds a reversal without any card data, carrying field 90 and the reason in field 39', () => {
    const request = sampleRequest({ track2: `${TEST_PAN}=30121010000000000`, iccData: Buffer.from([0x9f, 0x26]) });
    const reversal = reversalFor(request, identity, 'timeout');
    assert.equal(
      JSON.stringify(reversal, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)).includes(TEST_PAN),
      false,
    );
    const message = buildReversalMessage(reversal, { ...identity, networkStan: '000124' });
    assert.equal(message.mti, '0400');
    for (const field of [2, 14, 35, 52, 55]) assert.equal(message.fields.has(field), false, `field ${field} absent`);
    assert.equal(message.fields.get(11), '000124');
    assert.equal(message.fields.get(39), '98');
    assert.equal(message.fields.get(4), '000000012345');
    assert.equal((message.fields.get(90) as string).slice(0, 20), '02000001231122031405');
    assert.equal(buildReversalMessage({ ...reversal, reason: 'terminal_reversal' }, identity).fields.get(39), '06');
  });

  it('never reverses a balance inquiry', () => {
    assert.throws(() => reversalFor(sampleRequest({ kind: 'balance_inquiry' }), identity, 'timeout'), /never reversed/);
  });

  it('maps response MTIs', () => {
    assert.equal(responseMtiOf('0100'), '0110');
    assert.equal(responseMtiOf('0220'), '0230');
    assert.equal(responseMtiOf('0400'), '0410');
    assert.equal(responseMtiOf('0800'), '0810');
    assert.throws(() => responseMtiOf('0210'), /request or advice/);
  });

  it('builds sign-on and echo', () => {
    assert.equal(buildManagementMessage('001', identity, '48020000').fields.get(70), '001');
    assert.equal(buildManagementMessage('301', identity, '48020000').fields.get(70), '301');
  });

  it('cuts a Chinese merchant name to 40 bytes at a character boundary', () => {
    const name = '上海市浦东新区张江高科技园区便利店第一分店';
    const field = Buffer.from(merchantNameLocationField(name), 'latin1');
    assert.equal(field.length, 40);
    assert.equal(
      field.toString('utf8').trimEnd(),
      name.slice(0, 13),
      '13 characters of 3 bytes fit, the 14th does not',
    );
    assert.equal(field[39], 0x20);
  });

  it('reads the available balance from field 54 and ignores a malformed one', () => {
    const ledger = buildBalance54([{ accountType: '10', amountType: '01', currencyCode: '156', amountFen: fen(500n) }]);
    const available = buildBalance54([
      { accountType: '10', amountType: '02', currencyCode: '156', amountFen: fen(-7n) },
    ]);
    assert.equal(balanceFromField(ledger), 500n);
    assert.equal(balanceFromField(`${ledger}${available}`), -7n);
    assert.equal(balanceFromField('1002156X000000000001'), undefined);
    assert.equal(balanceFromField('1002156C00000000001'), undefined);
    assert.equal(balanceFromField(undefined), undefined);
  });

  it('maps an approval and a decline to results', () => {
    const approved = resultFromResponse(
      {
        mti: '0210',
        fields: new Map([
          [39, '00'],
          [38, '123456'],
          [37, '031405000123'],
          [54, buildBalance54([{ accountType: '10', amountType: '02', currencyCode: '156', amountFen: fen(99n) }])],
        ]),
      },
      identity,
    );
    assert.deepEqual(approved, {
      outcome: 'approved',
      responseCode: '00',
      authCode: '123456',
      rrn: '031405000123',
      balanceFen: 99n,
      networkStan: '000123',
      transmissionDateTime: '1122031405',
    });
    const declined = resultFromResponse({ mti: '0210', fields: new Map([[39, '51']]) }, identity);
    assert.equal(declined.outcome, 'declined');
    assert.equal(declined.responseCode, '51');
    const missing = resultFromResponse({ mti: '0210', fields: new Map() }, identity);
    assert.equal(missing.outcome, 'declined');
    assert.equal(missing.responseCode, '30');
  });
});
