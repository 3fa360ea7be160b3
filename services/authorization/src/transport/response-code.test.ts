// Goal: every internal reason maps to the field-39 code DESIGN.md lists, and only known codes pass through; method: table.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { DECLINE_REASONS } from '../domain/decline-reason.ts';
import { RESPONSE_CODES, responseCodeOfReason } from './response-code.ts';

test('each reason has a listed code; no reason maps to 00', () => {
  for (const reason of DECLINE_REASONS) {
    const code = responseCodeOfReason(reason, '');
    expect.ok((RESPONSE_CODES as readonly string[]).includes(code), reason);
    expect.notEqual(code, '00', reason);
  }
  expect.equal(responseCodeOfReason(undefined, ''), '00');
});

test('the codes terminals act on', () => {
  expect.equal(responseCodeOfReason('duplicate_transaction', ''), '94');
  expect.equal(responseCodeOfReason('original_not_found', ''), '25');
  expect.equal(responseCodeOfReason('upstream_timeout', ''), '98');
  expect.equal(responseCodeOfReason('batch_number_mismatch', ''), '77');
  expect.equal(responseCodeOfReason('code_jump', ''), '03');
  expect.equal(responseCodeOfReason('terminal_not_registered', ''), '97');
});

test('issuer and risk codes pass through only when terminals know them', () => {
  expect.equal(responseCodeOfReason('issuer_declined', '51'), '51');
  expect.equal(responseCodeOfReason('issuer_declined', '55'), '55');
  expect.equal(responseCodeOfReason('issuer_declined', 'Z9'), '05');
  expect.equal(responseCodeOfReason('issuer_declined', '00'), '05');
  expect.equal(responseCodeOfReason('risk_declined', '61'), '61');
  expect.equal(responseCodeOfReason('format_error', '51'), '30');
});
