// Goal: pin the pure onboarding and terminal rules (identity checks, merchant numbers, fee plans, review
// states, activation codes, sign-in refusals, QR contents) on valid, invalid and boundary inputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fen } from '@acq/money';
import {
  activationCodeMatches,
  checkActivationAttempt,
  generateActivationCode,
  hashActivationCode,
} from './activation-code.ts';
import { type ApplicationInput, nextApplicationStatus, validateApplication } from './application.ts';
import { isValidCardNumber, maskCardNumber, passesLuhn } from './bank-card.ts';
import { DEFAULT_FEE_PLANS, defaultFeePlanForMcc, feePlanProblems } from './fee-plans.ts';
import { isValidBusinessLicenceNumber } from './licence-number.ts';
import { buildMerchantNumber, merchantNumberPrefix } from './merchant-number.ts';
import { effectiveQrStatus, newQrToken, qrContent, qrTokenFromContent } from './qr-code.ts';
import { checkResidentIdNumber, maskResidentIdNumber } from './resident-id.ts';
import { terminalIdFromSequence, terminalStatusChangeAllowed, terminalUseRefusal } from './terminal-rules.ts';

const TODAY = new Date('2026-11-22T00:00:00Z');

describe('resident ID number', () => {
  it('accepts valid numbers, including the X check character and lower-case x', () => {
    assert.deepEqual(checkResidentIdNumber('11010519491231002X', TODAY), {
      valid: true,
      normalized: '11010519491231002X',
      birthDate: '1949-12-31',
    });
    assert.equal(checkResidentIdNumber('11010519491231002x', TODAY).valid, true);
    assert.equal(checkResidentIdNumber('310115198511124566', TODAY).valid, true);
  });
  it('refuses a wrong check digit, impossible or future dates and wrong lengths', () => {
    assert.deepEqual(checkResidentIdNumber('110105194912310021', TODAY), {
      valid: false,
      reason: 'ID number check digit does not match',
    });
    assert.equal(checkResidentIdNumber('110105194902300021', TODAY).valid, false);
    assert.equal(checkResidentIdNumber('110105203001010021', TODAY).valid, false);
    assert.equal(checkResidentIdNumber('11010519491231002', TODAY).valid, false);
    assert.equal(checkResidentIdNumber('11010519491231002XX', TODAY).valid, false);
    assert.equal(checkResidentIdNumber('01010519491231002X', TODAY).valid, false);
  });
  it('masks all but the first 3 and last 4 characters', () => {
    assert.equal(maskResidentIdNumber('11010519491231002X'), '110***********002X');
  });
});

describe('licence and card numbers', () => {
  it('validates unified social credit codes by their check character', () => {
    assert.equal(isValidBusinessLicenceNumber('91350100M000100Y43'), true);
    assert.equal(isValidBusinessLicenceNumber('91350100M000100Y44'), false);
    assert.equal(isValidBusinessLicenceNumber('91350100M000100Y4'), false);
    assert.equal(isValidBusinessLicenceNumber('91350100M000100I43'), false);
  });
  it('checks card numbers with Luhn and 16-19 digits, and masks them 6+4', () => {
    assert.equal(passesLuhn('4111111111111111'), true);
    assert.equal(isValidCardNumber('4111111111111111'), true);
    assert.equal(isValidCardNumber('4111111111111112'), false);
    assert.equal(isValidCardNumber('411111111111116'), false);
    assert.equal(maskCardNumber('6222021234567890128'), '622202*********0128');
  });
});

describe('merchant number', () => {
  it('is acquirer code + area code + MCC + 4-digit sequence', () => {
    const prefix = merchantNumberPrefix('898', '5840', '5812');
    assert.equal(buildMerchantNumber(prefix, 1), '898584058120001');
    assert.equal(buildMerchantNumber(prefix, 9999), '898584058129999');
    assert.throws(() => buildMerchantNumber(prefix, 10_000), /sequence fits 4 digits/);
    assert.throws(() => buildMerchantNumber(prefix, 0), /sequence starts at 1/);
  });
});

describe('fee plans', () => {
  it('maps MCC categories to their default plans and refuses unknown MCCs', () => {
    assert.equal(defaultFeePlanForMcc('5812'), DEFAULT_FEE_PLANS.standard);
    assert.equal(defaultFeePlanForMcc('5411'), DEFAULT_FEE_PLANS.discounted);
    assert.equal(defaultFeePlanForMcc('8211'), DEFAULT_FEE_PLANS.exempt);
    assert.equal(defaultFeePlanForMcc('0000'), undefined);
    assert.equal(DEFAULT_FEE_PLANS.standard.debitRateUnits, 6000n);
    assert.equal(DEFAULT_FEE_PLANS.discounted.debitRateUnits, 3800n);
    assert.equal(DEFAULT_FEE_PLANS.standard.debitCapFen, fen(2000));
  });
  it('refuses override plans outside the limits, at the boundary exactly', () => {
    const plan = DEFAULT_FEE_PLANS.standard;
    assert.deepEqual(feePlanProblems({ ...plan, creditRateUnits: 50_000n }), []);
    assert.deepEqual(feePlanProblems({ ...plan, creditRateUnits: 50_001n }), [
      'creditRateUnits must be within 0..50000',
    ]);
    assert.deepEqual(feePlanProblems({ ...plan, t0FixedFen: fen(-1) }), ['t0FixedFen must be within 0..10000']);
  });
  it('accepts per-merchant T0 limits from 1 fen to the ceiling, the single limit not above the daily quota', () => {
    const plan = DEFAULT_FEE_PLANS.standard;
    assert.equal(plan.t0SingleLimitFen, undefined, 'default plans leave the platform default');
    assert.deepEqual(feePlanProblems({ ...plan, t0SingleLimitFen: fen(1), t0DailyQuotaFen: fen(1) }), []);
    assert.deepEqual(
      feePlanProblems({ ...plan, t0SingleLimitFen: fen(100_000_000), t0DailyQuotaFen: fen(1_000_000_000) }),
      [],
    );
    assert.deepEqual(feePlanProblems({ ...plan, t0SingleLimitFen: fen(0) }), [
      't0SingleLimitFen must be within 1..100000000 (absent = platform default)',
    ]);
    assert.deepEqual(feePlanProblems({ ...plan, t0DailyQuotaFen: fen(1_000_000_001) }), [
      't0DailyQuotaFen must be within 1..1000000000 (absent = platform default)',
    ]);
    assert.deepEqual(feePlanProblems({ ...plan, t0SingleLimitFen: fen(5001), t0DailyQuotaFen: fen(5000) }), [
      't0SingleLimitFen must not exceed t0DailyQuotaFen',
    ]);
  });
});

describe('applications', () => {
  const valid: ApplicationInput = {
    merchantType: 'individual',
    legalName: '张三',
    idNumber: '11010519491231002X',
    phone: '13800138000',
    businessName: '张三小吃店',
    businessAddress: '深圳市南山区科技园路1号',
    areaCode: '5840',
    mcc: '5812',
    businessLicenceNumber: '',
    settlementCardNumber: '6222021234567890128',
  };
  it('accepts an individual without a licence and an enterprise with one', () => {
    assert.equal(validateApplication(valid, TODAY).ok, true);
    const enterprise = { ...valid, merchantType: 'enterprise', businessLicenceNumber: '91350100M000100Y43' };
    assert.equal(validateApplication(enterprise, TODAY).ok, true);
  });
  it('reports every problem at once with stable codes', () => {
    const result = validateApplication(
      { ...valid, merchantType: 'enterprise', idNumber: '110105194912310021', mcc: '0001', phone: '12345' },
      TODAY,
    );
    assert.equal(result.ok, false);
    assert.deepEqual(!result.ok && result.problems.map((problem) => problem.code), [
      'INVALID_ID_NUMBER',
      'INVALID_PHONE',
      'UNKNOWN_MCC',
      'INVALID_LICENCE_NUMBER',
    ]);
  });
  it('moves through review states and refuses decisions on decided applications', () => {
    assert.equal(nextApplicationStatus('submitted', 'start_review'), 'under_review');
    assert.equal(nextApplicationStatus('under_review', 'approve'), 'approved');
    assert.equal(nextApplicationStatus('under_review', 'reject'), 'rejected');
    assert.equal(nextApplicationStatus('approved', 'reject'), undefined);
    assert.equal(nextApplicationStatus('rejected', 'approve'), undefined);
    assert.equal(nextApplicationStatus('under_review', 'start_review'), undefined);
  });
});

describe('activation codes', () => {
  const secret = Buffer.alloc(32, 7);
  it('are 8 digits, matched only by their keyed hash for the same serial number', () => {
    const code = generateActivationCode();
    assert.match(code, /^[0-9]{8}$/);
    const hash = hashActivationCode(code, 'SN-0001', secret);
    assert.equal(activationCodeMatches(hash, code, 'SN-0001', secret), true);
    assert.equal(activationCodeMatches(hash, code, 'SN-0002', secret), false);
    assert.equal(activationCodeMatches(hash, code === '00000000' ? '00000001' : '00000000', 'SN-0001', secret), false);
  });
  it('lock after the attempt limit and expire at the expiry instant', () => {
    const base = { attemptsUsed: 0, attemptsMax: 5, expiresAtMs: 1000, nowMs: 999, codeMatches: true };
    assert.equal(checkActivationAttempt(base), 'ok');
    assert.equal(checkActivationAttempt({ ...base, nowMs: 1000 }), 'expired');
    assert.equal(checkActivationAttempt({ ...base, attemptsUsed: 4 }), 'ok');
    assert.equal(checkActivationAttempt({ ...base, attemptsUsed: 5 }), 'attempts_exceeded');
    assert.equal(checkActivationAttempt({ ...base, codeMatches: false }), 'wrong_code');
  });
});

describe('terminal rules', () => {
  const usable = {
    terminalStatus: 'activated',
    merchantStatus: 'active',
    merchantNumber: '898584058120001',
    hasTerminalMasterKey: true,
  } as const;
  it('lets an activated terminal of an active merchant sign in with its own merchant number', () => {
    assert.equal(terminalUseRefusal(usable, '898584058120001'), undefined);
    assert.equal(terminalUseRefusal(usable, ''), undefined);
  });
  it('refuses with the field-39 code a terminal expects', () => {
    assert.equal(terminalUseRefusal({ ...usable, terminalStatus: 'registered' }, '')?.responseCode, '97');
    assert.equal(terminalUseRefusal({ ...usable, terminalStatus: 'frozen' }, '')?.responseCode, '58');
    assert.equal(terminalUseRefusal({ ...usable, merchantStatus: 'frozen' }, '')?.responseCode, '03');
    assert.equal(terminalUseRefusal(usable, '898584058110001')?.code, 'MERCHANT_NUMBER_MISMATCH');
  });
  it('numbers terminals with 8 digits and allows only sensible status changes', () => {
    assert.equal(terminalIdFromSequence(10000001n), '10000001');
    assert.throws(() => terminalIdFromSequence(100_000_000n));
    assert.equal(terminalStatusChangeAllowed('activated', 'frozen'), true);
    assert.equal(terminalStatusChangeAllowed('frozen', 'activated'), true);
    assert.equal(terminalStatusChangeAllowed('registered', 'frozen'), false);
    assert.equal(terminalStatusChangeAllowed('retired', 'activated'), false);
  });
});

describe('QR codes', () => {
  it('encode a token under the base URL and resolve only our own contents', () => {
    const token = newQrToken();
    const content = qrContent('https://qr.example/q/', token);
    assert.equal(content, `https://qr.example/q/${token}`);
    assert.equal(qrTokenFromContent('https://qr.example/q', content), token);
    assert.equal(qrTokenFromContent('https://qr.example/q', `https://evil.example/q/${token}`), undefined);
    assert.equal(qrTokenFromContent('https://qr.example/q', 'https://qr.example/q/short'), undefined);
  });
  it('read as expired from their expiry instant on', () => {
    assert.equal(effectiveQrStatus('active', 1000, 999), 'active');
    assert.equal(effectiveQrStatus('active', 1000, 1000), 'expired');
    assert.equal(effectiveQrStatus('active', undefined, 10 ** 15), 'active');
    assert.equal(effectiveQrStatus('revoked', 1000, 0), 'revoked');
  });
});
