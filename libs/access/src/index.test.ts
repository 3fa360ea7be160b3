// Goal: access tokens verify only when untampered, unexpired and role-consistent; checked on the valid
// path, every refusal reason and the expiry boundary.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCESS_TOKEN_CHARS_MAX, issueAccessToken, verifyAccessToken } from './index.ts';

const SECRET = 'test-secret-at-least-16';
const NOW_MS = 1_800_000_000_000;
const MERCHANT_ID = 'mch_abcdefghijklmnopqrst';

describe('access tokens', () => {
  it('round-trip operator and merchant claims', () => {
    const operator = issueAccessToken({ secret: SECRET, subject: 'op_alice', role: 'operator', nowMs: NOW_MS });
    assert.deepEqual(verifyAccessToken(operator, SECRET, NOW_MS), {
      ok: true,
      claims: { sub: 'op_alice', role: 'operator', iat: 1_800_000_000, exp: 1_800_043_200 },
    });
    const merchant = issueAccessToken({
      secret: SECRET,
      subject: 'app_user',
      role: 'merchant',
      merchantId: MERCHANT_ID,
      nowMs: NOW_MS,
    });
    const verified = verifyAccessToken(merchant, SECRET, NOW_MS);
    assert.equal(verified.ok && verified.claims.merchantId, MERCHANT_ID);
  });
  it('expire at exp exactly', () => {
    const token = issueAccessToken({ secret: SECRET, subject: 'op', role: 'operator', nowMs: NOW_MS, ttlSeconds: 60 });
    assert.equal(verifyAccessToken(token, SECRET, NOW_MS + 59_999).ok, true);
    assert.deepEqual(verifyAccessToken(token, SECRET, NOW_MS + 60_000), { ok: false, reason: 'expired' });
  });
  it('refuse another secret, tampered claims and garbage', () => {
    const token = issueAccessToken({
      secret: SECRET,
      subject: 'app',
      role: 'merchant',
      merchantId: MERCHANT_ID,
      nowMs: NOW_MS,
    });
    assert.deepEqual(verifyAccessToken(token, 'another-secret-of-16+', NOW_MS), { ok: false, reason: 'bad_signature' });
    const [version, claims, signature] = token.split('.');
    const forged = JSON.parse(Buffer.from(claims ?? '', 'base64url').toString());
    forged.role = 'operator';
    delete forged.merchantId;
    const tampered = `${version}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    assert.deepEqual(verifyAccessToken(tampered, SECRET, NOW_MS), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifyAccessToken('not-a-token', SECRET, NOW_MS), { ok: false, reason: 'malformed' });
    assert.deepEqual(verifyAccessToken('x'.repeat(ACCESS_TOKEN_CHARS_MAX + 1), SECRET, NOW_MS), {
      ok: false,
      reason: 'malformed',
    });
  });
  it('refuse to issue inconsistent claims', () => {
    assert.throws(
      () => issueAccessToken({ secret: SECRET, subject: 'app', role: 'merchant', nowMs: NOW_MS }),
      /merchantId/,
    );
    assert.throws(
      () =>
        issueAccessToken({ secret: SECRET, subject: 'op', role: 'operator', merchantId: MERCHANT_ID, nowMs: NOW_MS }),
      /no merchantId/,
    );
    assert.throws(() => issueAccessToken({ secret: 'short', subject: 'op', role: 'operator', nowMs: NOW_MS }));
  });
});

describe('token command', () => {
  it('issues operator and merchant tokens the verifier accepts, with the dev secret by default', async () => {
    const { DEV_ACCESS_TOKEN_SECRET, runTokenCommand } = await import('./token-command.ts');
    const operator = runTokenCommand(['--role', 'operator'], {}, NOW_MS);
    assert.equal(operator.ok, true);
    const verified = operator.ok ? verifyAccessToken(operator.token, DEV_ACCESS_TOKEN_SECRET, NOW_MS) : undefined;
    assert.equal(verified?.ok && verified.claims.sub, 'dev-operator');
    const merchant = runTokenCommand(
      ['--role', 'merchant', '--merchant-id', MERCHANT_ID],
      { ACCESS_TOKEN_SECRET: SECRET },
      NOW_MS,
    );
    assert.equal(merchant.ok && verifyAccessToken(merchant.token, SECRET, NOW_MS).ok, true);
  });
  it('prints usage for a missing role, a merchant without id and unknown options', async () => {
    const { runTokenCommand } = await import('./token-command.ts');
    assert.equal(runTokenCommand([], {}, NOW_MS).ok, false);
    assert.equal(runTokenCommand(['--role', 'merchant'], {}, NOW_MS).ok, false);
    assert.equal(runTokenCommand(['--role', 'operator', '--merchant-id', MERCHANT_ID], {}, NOW_MS).ok, false);
    assert.equal(runTokenCommand(['--role', 'operator', '--bogus'], {}, NOW_MS).ok, false);
  });
});
