// Goal: a response is delivered only to the request it answers, and a late answer can never reach a newer request; method: drive the matcher and STAN allocator directly with hand-built messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NetworkMessage } from './network-message.ts';
import { matchKey, ResponseMatcher } from './response-matcher.ts';
import { StanAllocator } from './stan-allocator.ts';

function response(mti: string, stan: string, field7: string, terminalId?: string): NetworkMessage {
  const fields = new Map<number, string>([
    [11, stan],
    [7, field7],
  ]);
  if (terminalId !== undefined) fields.set(41, terminalId);
  return { mti, fields };
}

function newMatcher(options: { stanMax?: number; lateTrackedMax?: number } = {}) {
  return new ResponseMatcher<string, string>({
    stanMax: options.stanMax ?? 999_999,
    firstStan: 1,
    lateWindowMs: 1_000,
    lateTrackedMax: options.lateTrackedMax ?? 100,
  });
}

function awaitOne(matcher: ResponseMatcher<string, string>, field7: string, name: string, terminalId = 'T0000001') {
  const stan = matcher.allocateStan();
  assert.ok(stan !== undefined);
  const key = matchKey(stan, field7);
  matcher.await({ key, networkStan: stan, expectedResponseMti: '0210', terminalId, pending: name });
  return { stan, key };
}

describe('StanAllocator', () => {
  it('wraps around the range and skips reserved STANs', () => {
    const stans = new StanAllocator(3, 2);
    assert.equal(stans.allocate(), '000002');
    assert.equal(stans.allocate(), '000003');
    assert.equal(stans.allocate(), '000001');
    assert.equal(stans.allocate(), undefined, 'all three reserved');
    stans.release('000003');
    assert.equal(stans.allocate(), '000003');
    assert.equal(stans.reservedCount, 3);
  });

  it('refuses to release a STAN it did not reserve (bug)', () => {
    const stans = new StanAllocator(10, 1);
    assert.throws(() => stans.release('000005'), /not reserved/);
  });
});

describe('ResponseMatcher', () => {
  it('delivers each answer to its own request, in any order', () => {
    const matcher = newMatcher();
    const first = awaitOne(matcher, '1122000000', 'first');
    const second = awaitOne(matcher, '1122000000', 'second');
    const matchSecond = matcher.match(response('0210', second.stan, '1122000000', 'T0000001'));
    assert.equal(matchSecond.kind === 'awaited' && matchSecond.request.pending, 'second');
    const matchFirst = matcher.match(response('0210', first.stan, '1122000000'));
    assert.equal(matchFirst.kind === 'awaited' && matchFirst.request.pending, 'first');
    assert.equal(matcher.awaitedCount, 0);
    assert.deepEqual(matcher.match(response('0210', first.stan, '1122000000')), {
      kind: 'unmatched',
      reason: 'unknown_key',
    });
  });

  it('rejects an answer whose MTI or terminal does not fit, and keeps waiting', () => {
    const matcher = newMatcher();
    const request = awaitOne(matcher, '1122000000', 'one');
    assert.deepEqual(matcher.match(response('0410', request.stan, '1122000000')), {
      kind: 'unmatched',
      reason: 'mti_mismatch',
    });
    assert.deepEqual(matcher.match(response('0210', request.stan, '1122000000', 'T9999999')), {
      kind: 'unmatched',
      reason: 'terminal_mismatch',
    });
    assert.deepEqual(matcher.match(response('0210', request.stan, '1122000001')), {
      kind: 'unmatched',
      reason: 'unknown_key',
    });
    assert.equal(matcher.awaitedCount, 1);
  });

  it('keeps a timed-out STAN out of use so its late answer cannot match a newer request', () => {
    const matcher = newMatcher({ stanMax: 2 });
    const old = awaitOne(matcher, '1122000000', 'old');
    matcher.expire(old.key, 'reverse-old', Date.now());
    const newer = awaitOne(matcher, '1122000000', 'newer');
    assert.notEqual(newer.stan, old.stan);
    assert.equal(matcher.allocateStan(), undefined, 'the only other STAN is still remembered');
    const late = matcher.match(response('0210', old.stan, '1122000000'));
    assert.equal(late.kind, 'late');
    assert.equal(late.kind === 'late' && late.entry.late, 'reverse-old');
    assert.equal(matcher.awaitedCount, 1, 'the newer request still waits');
    assert.equal(matcher.allocateStan(), old.stan, 'after the late answer the STAN is free');
  });

  it('forgets late entries after the window and beyond the bound, oldest first', () => {
    const matcher = newMatcher({ lateTrackedMax: 2 });
    const nowMs = Date.now();
    const keys = ['a', 'b', 'c'].map((name) => {
      const request = awaitOne(matcher, '1122000000', name);
      matcher.expire(request.key, name, nowMs);
      return request;
    });
    assert.equal(matcher.lateCount, 2);
    assert.deepEqual(matcher.match(response('0210', keys[0]?.stan ?? '', '1122000000')), {
      kind: 'unmatched',
      reason: 'unknown_key',
    });
    matcher.sweep(nowMs + 1_000);
    assert.equal(matcher.lateCount, 0);
  });

  it('frees the STAN of a completed request', () => {
    const matcher = newMatcher({ stanMax: 2 });
    const one = awaitOne(matcher, '1122000000', 'one');
    awaitOne(matcher, '1122000000', 'two');
    assert.equal(matcher.allocateStan(), undefined);
    assert.equal(matcher.complete(one.key)?.pending, 'one');
    assert.equal(matcher.complete(one.key), undefined);
    assert.equal(matcher.allocateStan(), one.stan);
  });
});
