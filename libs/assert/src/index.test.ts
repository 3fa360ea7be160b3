// Goal: assert() throws a coded AssertionFailure on a false condition and is silent on a true one.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { assert, AssertionFailure } from './index.ts';

test('assert passes on truthy and throws a coded failure on falsy', () => {
  assert(true, 'never');
  expect.throws(
    () => assert(false, 'boom'),
    (error: unknown) =>
      error instanceof AssertionFailure && error.code === 'ASSERTION_FAILED' && error.message === 'boom',
  );
});
