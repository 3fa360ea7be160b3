// Goal: malformed Assess requests are refused as format errors before any rule runs, and valid
// ones map field by field; method: pure mapping of hand-built protobuf messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransactionKind } from '@acq/proto/authorization/v1/authorization.ts';
import { CardKind } from '@acq/proto/authorization/v1/events.ts';
import { AssessRequest, EntryMode, MerchantType, TerminalStatus } from '@acq/proto/risk/v1/risk.ts';
import { assessInputFromProto } from './proto-mapping.ts';

function request(overrides: Partial<AssessRequest> = {}): AssessRequest {
  return AssessRequest.fromPartial({
    correlationId: 'c1',
    txnId: 'auth_1',
    kind: TransactionKind.TRANSACTION_KIND_PURCHASE,
    terminal: {
      terminalId: '10000001',
      merchantId: 'mch_1',
      merchantType: MerchantType.MERCHANT_TYPE_ENTERPRISE,
      terminalStatus: TerminalStatus.TERMINAL_STATUS_ACTIVATED,
    },
    cardToken: 'tok_1',
    cardKind: CardKind.CARD_KIND_CREDIT,
    amountFen: 100n,
    entryMode: EntryMode.ENTRY_MODE_CONTACTLESS,
    ...overrides,
  });
}

describe('assessInputFromProto', () => {
  it('maps a valid request', () => {
    const parsed = assessInputFromProto(request(), 1_000);
    assert.ok(parsed.ok);
    assert.equal(parsed.input.kind, 'purchase');
    assert.equal(parsed.input.terminal.merchantType, 'enterprise');
    assert.equal(parsed.input.terminal.merchantStatus, 'unknown');
    assert.equal(parsed.input.cardKind, 'credit');
    assert.equal(parsed.input.entryMode, 'contactless');
    assert.equal(parsed.input.occurredAtMs, 1_000);
  });

  it('refuses unknown kinds, missing terminals, bad amounts and unsafe identifiers', () => {
    assert.equal(assessInputFromProto(request({ kind: TransactionKind.TRANSACTION_KIND_UNSPECIFIED }), 1).ok, false);
    assert.equal(assessInputFromProto(request({ terminal: undefined }), 1).ok, false);
    assert.equal(assessInputFromProto(request({ amountFen: -1n }), 1).ok, false);
    assert.equal(assessInputFromProto(request({ amountFen: 2n ** 53n }), 1).ok, false);
    assert.equal(assessInputFromProto(request({ cardToken: 'tok 1' }), 1).ok, false);
    assert.equal(assessInputFromProto(request({ txnId: 'a|b' }), 1).ok, false);
    assert.equal(assessInputFromProto(request({ cardToken: 'x'.repeat(129) }), 1).ok, false);
    assert.equal(assessInputFromProto(request({ cardToken: 'x'.repeat(128) }), 1).ok, true);
  });
});
