/**
 * Goal: the pure rules of the card registry hold on valid input, invalid input and the boundaries —
 * Luhn and masking, the BIN table, who may be paid, the cooldown, the identity lockout counters and the
 * change state machine. Method: direct calls with hand-built values, no I/O.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BinTable, defaultBinTable } from '@acq/card-bins';
import { isCardNumber, maskCardNumber, maskPhone, passesLuhn } from './card-number.ts';
import { judgeCandidate, type MerchantIdentity, nextChangeAllowedAtMs } from './change-policy.ts';
import { canMove, CHANGE_STATES, isFinal } from './change-state.ts';
import {
  currentAttempts,
  freshAttempts,
  type LockoutPolicy,
  lockedUntil,
  nextShanghaiMidnightMs,
  recordAttempt,
  shanghaiDay,
} from './identity-lockout.ts';

const POLICY: LockoutPolicy = { consecutiveFailuresMax: 3, attemptsPerDayMax: 10, lockoutMs: 12 * 3_600_000 };
/** 2026-11-22 10:00 Asia/Shanghai (02:00 UTC). */
const MORNING_MS = Date.parse('2026-11-22T02:00:00Z');

const individual: MerchantIdentity = {
  merchantId: 'mch_test',
  merchantType: 'individual',
  legalName: '张三',
  businessName: '张三小吃店',
  idNumber: '110101199003071233',
  status: 'active',
};
const enterprise: MerchantIdentity = {
  ...individual,
  merchantType: 'enterprise',
  businessName: '深圳某某科技有限公司',
};

describe('card numbers', () => {
  test('Luhn accepts valid numbers and refuses a changed digit', () => {
    assert.equal(passesLuhn('6217000000000000012'), true);
    assert.equal(passesLuhn('6217000000000000013'), false);
    assert.equal(isCardNumber('6222021234567890128'), true);
  });

  test('length bounds: 16 and 19 digits pass, 15 and 20 do not, non-digits do not', () => {
    assert.equal(isCardNumber('6258000000000014'), true);
    assert.equal(isCardNumber('625800000000001'), false);
    assert.equal(isCardNumber('62170000000000000120'), false);
    assert.equal(isCardNumber('6217-00000000000012'), false);
  });

  test('masks keep first 6 and last 4 digits and the length', () => {
    assert.equal(maskCardNumber('6222021234567890128'), '622202*********0128');
    assert.equal(maskCardNumber('6258000000000014'), '625800******0014');
    assert.equal(maskPhone('13800138000'), '138****8000');
    assert.throws(() => maskCardNumber('12345'));
  });
});

describe('BIN table', () => {
  const table = defaultBinTable;
  test('debit and credit BINs are told apart; unknown issuers are undefined', () => {
    assert.equal(table.lookup('6217000000000000012')?.cardType, 'debit');
    assert.equal(table.lookup('6258000000000014')?.cardType, 'credit');
    assert.equal(table.lookup('4111111111111111'), undefined);
  });

  test('the longest matching BIN wins', () => {
    const narrow = new BinTable([
      { bin: '621700', bankCode: '0105', bankName: 'A', cardType: 'debit' },
      { bin: '62170099', bankCode: '0105', bankName: 'A', cardType: 'prepaid' },
    ]);
    assert.equal(narrow.lookup('6217009900000000001')?.cardType, 'prepaid');
    assert.equal(narrow.lookup('6217000000000000012')?.cardType, 'debit');
  });

  test('a BIN listed twice is a data error', () => {
    const row = { bin: '621700', bankCode: '0105', bankName: 'A', cardType: 'debit' } as const;
    assert.throws(() => new BinTable([row, row]));
  });
});

describe('who may be paid', () => {
  const table = defaultBinTable;
  const judge = (identity: MerchantIdentity, cardNumber: string, holderName: string, idNumber = identity.idNumber) =>
    judgeCandidate(identity, { cardNumber, holderName, idNumber }, table.lookup(cardNumber));

  test('an individual: own debit card passes as personal', () => {
    const verdict = judge(individual, '6217000000000000012', '张三');
    assert.ok(verdict.ok);
    assert.equal(verdict.accountKind, 'personal');
  });

  test('refusals: credit card, unknown BIN, bad Luhn, other name, other ID number', () => {
    const codeOf = (verdict: ReturnType<typeof judge>) => (verdict.ok ? 'ok' : verdict.code);
    assert.equal(codeOf(judge(individual, '6258000000000014', '张三')), 'CREDIT_CARD_REFUSED');
    assert.equal(codeOf(judge(individual, '4111111111111111', '张三')), 'CARD_BIN_UNKNOWN');
    assert.equal(codeOf(judge(individual, '6217000000000000013', '张三')), 'CARD_NUMBER_INVALID');
    assert.equal(codeOf(judge(individual, '6217000000000000012', '李四')), 'HOLDER_NAME_MISMATCH');
    assert.equal(codeOf(judge(individual, '6217000000000000012', '张三', '310101198805201231')), 'ID_NUMBER_MISMATCH');
    assert.equal(codeOf(judge(individual, '6217000000000000012', '张三小吃店')), 'HOLDER_NAME_MISMATCH');
  });

  test('an enterprise: corporate account or the legal representative, nobody else', () => {
    const corporate = judge(enterprise, '6217000000000000012', '深圳某某科技有限公司');
    assert.ok(corporate.ok);
    assert.equal(corporate.accountKind, 'corporate');
    const representative = judge(enterprise, '6217000000000000012', '张三');
    assert.ok(representative.ok);
    assert.equal(representative.accountKind, 'personal');
    assert.equal(judge(enterprise, '6217000000000000012', '王五').ok, false);
  });

  test('cooldown: none before the first change, then exactly the configured period', () => {
    assert.equal(nextChangeAllowedAtMs(undefined, 1_000), 0);
    assert.equal(nextChangeAllowedAtMs(5_000, 1_000), 6_000);
    assert.equal(nextChangeAllowedAtMs(5_000, 0), 5_000);
  });
});

describe('identity lockout', () => {
  test('the third consecutive failure locks for 12 h or until midnight, whichever is first', () => {
    let attempts = freshAttempts(MORNING_MS);
    for (let failure = 1; failure <= 2; failure += 1) {
      attempts = recordAttempt(attempts, false, POLICY, MORNING_MS);
      assert.equal(lockedUntil(attempts, POLICY, MORNING_MS), 0, `failure ${failure} does not lock`);
    }
    attempts = recordAttempt(attempts, false, POLICY, MORNING_MS);
    // 10:00 + 12 h = 22:00, before midnight.
    assert.equal(lockedUntil(attempts, POLICY, MORNING_MS), MORNING_MS + POLICY.lockoutMs);
    const evening = Date.parse('2026-11-22T14:00:00Z'); // 22:00 Shanghai
    let late = freshAttempts(evening);
    for (let failure = 1; failure <= 3; failure += 1) late = recordAttempt(late, false, POLICY, evening);
    assert.equal(late.lockedUntilMs, nextShanghaiMidnightMs(evening));
  });

  test('a match resets the consecutive count; the daily cap refuses the 11th attempt', () => {
    let attempts = freshAttempts(MORNING_MS);
    attempts = recordAttempt(attempts, false, POLICY, MORNING_MS);
    attempts = recordAttempt(attempts, false, POLICY, MORNING_MS);
    attempts = recordAttempt(attempts, true, POLICY, MORNING_MS);
    assert.equal(attempts.consecutiveFailures, 0);
    for (let attempt = attempts.attemptsToday; attempt < 10; attempt += 1)
      attempts = recordAttempt(attempts, true, POLICY, MORNING_MS);
    assert.equal(attempts.attemptsToday, 10);
    assert.equal(lockedUntil(attempts, POLICY, MORNING_MS), nextShanghaiMidnightMs(MORNING_MS));
  });

  test('a new Shanghai day resets the daily count and a lapsed lock clears', () => {
    const locked = {
      day: shanghaiDay(MORNING_MS),
      attemptsToday: 10,
      consecutiveFailures: 3,
      lockedUntilMs: MORNING_MS + 1,
    };
    const tomorrow = nextShanghaiMidnightMs(MORNING_MS) + 1;
    const current = currentAttempts(locked, tomorrow);
    assert.equal(current.attemptsToday, 0);
    assert.equal(current.consecutiveFailures, 0);
    assert.equal(lockedUntil(current, POLICY, tomorrow), 0);
    assert.equal(shanghaiDay(Date.parse('2026-11-22T16:00:00Z')), '2026-11-23', 'midnight Shanghai is 16:00 UTC');
  });
});

describe('change state machine', () => {
  test('the documented path is allowed and nothing skips a step', () => {
    const path = ['requested', 'identity_verified', 'sms_confirmed', 'agreement_signed', 'active'] as const;
    for (let index = 1; index < path.length; index += 1) {
      const from = path[index - 1];
      const to = path[index];
      assert.ok(from !== undefined && to !== undefined && canMove(from, to));
    }
    assert.equal(canMove('requested', 'sms_confirmed'), false);
    assert.equal(canMove('identity_verified', 'active'), false);
    assert.equal(canMove('sms_confirmed', 'active'), false);
  });

  test('final states go nowhere; every other state can fail', () => {
    for (const state of CHANGE_STATES) {
      if (isFinal(state)) for (const to of CHANGE_STATES) assert.equal(canMove(state, to), false);
      else assert.equal(canMove(state, 'failed'), true);
    }
    assert.ok(isFinal('active') && isFinal('failed'));
  });
});
