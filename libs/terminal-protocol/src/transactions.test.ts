// Goal: the CUP transaction table classifies every request (and reversal) by its MTI, processing
// code, condition code and 60.1, and refuses inconsistent combinations; method: the table's own rows
// plus hand-picked wrong ones.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { classifyFinancialRequest, responseMtiOf, shapeOf, TRANSACTION_TABLE } from './transactions.ts';

test('every row classifies as itself, and as a reversal under 0400 unless it is an advice', () => {
  for (const shape of TRANSACTION_TABLE) {
    const direct = classifyFinancialRequest(
      shape.mti,
      shape.processingCode,
      shape.conditionCode,
      shape.transactionTypeCode,
    );
    expect.equal(direct?.shape.kind, shape.kind);
    expect.equal(direct?.reversal, false);
    const reversal = classifyFinancialRequest(
      '0400',
      shape.processingCode,
      shape.conditionCode,
      shape.transactionTypeCode,
    );
    expect.equal(reversal?.shape.kind, shape.mti === '0220' ? undefined : shape.kind);
  }
});

test('inconsistent combinations are refused', () => {
  expect.equal(classifyFinancialRequest('0200', '000000', '00', '99'), undefined, 'unknown 60.1');
  expect.equal(classifyFinancialRequest('0200', '310000', '00', '22'), undefined, 'purchase with the balance code');
  expect.equal(classifyFinancialRequest('0100', '000000', '00', '22'), undefined, 'purchase on the pre-auth MTI');
  expect.equal(classifyFinancialRequest('0200', '000000', '06', '22'), undefined, 'purchase with condition 06');
});

test('response MTIs and shapes', () => {
  expect.equal(responseMtiOf('0200'), '0210');
  expect.equal(responseMtiOf('0400'), '0410');
  expect.equal(responseMtiOf('0820'), '0830');
  expect.equal(shapeOf('REFUND').mti, '0220');
  expect.equal(shapeOf('COMPLETION_VOID').transactionTypeCode, '21');
});
