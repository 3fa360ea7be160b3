// Goal: the pure rules behind the simulator hold at their boundaries (dates, Luhn, ID numbers,
// lockout timing, payment-code routing, fault draws). Method: call them with hand-picked values.
import { strict as expect } from 'node:assert';
import { describe, test } from 'node:test';
import { generatedPan, isLuhnValid, isPastExpiry, maskPan } from './card.ts';
import { clearingDate, isCalendarDate, nextShanghaiMidnightMs, shanghaiDate } from './clock.ts';
import { currentLock, freshAttempts, idNumberCheckCharacter, isValidIdNumber, recordAttempt } from './identity.ts';
import { chooseFaultAction, NO_ISO_FAULTS } from './iso-faults.ts';
import { paymentCode, providerOfPaymentCode } from './wallet.ts';

const HOUR_MS = 3_600_000;

describe('dates', () => {
  test('Shanghai dates are UTC+8 and the clearing day turns at 23:00', () => {
    const at2259 = Date.UTC(2026, 10, 22, 14, 59, 59);
    expect.equal(shanghaiDate(at2259), '20261122');
    expect.equal(clearingDate(at2259), '20261122');
    expect.equal(clearingDate(at2259 + 1_000), '20261123');
    expect.equal(nextShanghaiMidnightMs(at2259), Date.UTC(2026, 10, 22, 16, 0, 0));
  });

  test('calendar dates and expiry compare by month', () => {
    expect.equal(isCalendarDate('20260229'), false);
    expect.equal(isCalendarDate('20280229'), true);
    expect.equal(isPastExpiry('2611', '2611'), false);
    expect.equal(isPastExpiry('2610', '2611'), true);
  });
});

describe('cards and IDs', () => {
  test('generated PANs pass Luhn, one changed digit fails, masks keep 6 + 4', () => {
    const pan = generatedPan('debit', 42);
    expect.equal(pan.length, 19);
    expect.equal(isLuhnValid(pan), true);
    expect.equal(isLuhnValid(`${pan.slice(0, -1)}${(Number(pan.at(-1)) + 1) % 10}`), false);
    expect.equal(maskPan(pan), `${pan.slice(0, 6)}*********${pan.slice(-4)}`);
  });

  test('resident ID numbers carry the GB 11643 check character', () => {
    expect.equal(idNumberCheckCharacter('11010519491231002'), 'X');
    expect.equal(isValidIdNumber('11010519491231002X'), true);
    expect.equal(isValidIdNumber('110105194912310021'), false);
    expect.equal(isValidIdNumber('11010519491231002x'), false);
  });
});

describe('identity lockout', () => {
  test('the third failure in a row locks until midnight when it comes before 12 h', () => {
    const at20 = Date.UTC(2026, 10, 22, 12, 0, 0);
    const attempts = freshAttempts(at20);
    recordAttempt(attempts, false, at20);
    recordAttempt(attempts, false, at20);
    expect.equal(currentLock(attempts, at20), undefined);
    recordAttempt(attempts, false, at20);
    expect.equal(currentLock(attempts, at20), Date.UTC(2026, 10, 22, 16, 0, 0));
    expect.equal(currentLock(attempts, Date.UTC(2026, 10, 22, 16, 0, 0)), undefined);
    expect.equal(attempts.consecutiveFailures, 0);
  });

  test('a morning lock lifts after 12 h; the 11th attempt of a day is refused until midnight', () => {
    const at02 = Date.UTC(2026, 10, 21, 18, 0, 0);
    const attempts = freshAttempts(at02);
    for (let index = 0; index < 3; index += 1) recordAttempt(attempts, false, at02);
    expect.equal(currentLock(attempts, at02), at02 + 12 * HOUR_MS);
    const afterLock = at02 + 12 * HOUR_MS;
    expect.equal(currentLock(attempts, afterLock), undefined);
    for (let index = 0; index < 7; index += 1) recordAttempt(attempts, true, afterLock);
    expect.equal(attempts.attemptsToday, 10);
    expect.equal(currentLock(attempts, afterLock), nextShanghaiMidnightMs(afterLock));
  });
});

describe('wallet codes and fault draws', () => {
  test('payment codes route by prefix and length only', () => {
    expect.equal(providerOfPaymentCode('134567890123456789'), 'wechat');
    expect.equal(providerOfPaymentCode('16456789012345678'), undefined);
    expect.equal(providerOfPaymentCode('284567890123456789'), 'alipay');
    expect.equal(providerOfPaymentCode('6212345678901234567'), 'unionpay');
    expect.equal(providerOfPaymentCode('1345678901234567890'), undefined);
    expect.equal(providerOfPaymentCode(paymentCode('alipay', 5, '1'.repeat(20))), 'alipay');
  });

  test('faults limited to PANs leave other requests alone; rate 1 always fires', () => {
    const faults = { ...NO_ISO_FAULTS, dropRate: 1, pans: ['6217000000000000012'] };
    expect.deepEqual(
      chooseFaultAction(faults, '6217000000000000020', () => 0),
      { kind: 'process', reply: 'normal', delayMs: 0 },
    );
    expect.deepEqual(
      chooseFaultAction(faults, undefined, () => 0),
      { kind: 'process', reply: 'normal', delayMs: 0 },
    );
    expect.deepEqual(
      chooseFaultAction(faults, '6217000000000000012', () => 0.999),
      { kind: 'drop' },
    );
  });
});
