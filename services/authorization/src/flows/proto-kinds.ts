/** Domain transaction kinds and card kinds <-> their protobuf enum values (authorization.proto, events.proto). */
import { TransactionKind as ProtoKind } from '@acq/proto/authorization/v1/authorization.ts';
import { CardKind as ProtoCardKind } from '@acq/proto/authorization/v1/events.ts';
import type { CardKind } from '../domain/fee.ts';
import type { TransactionKind } from '../domain/transaction-kind.ts';

const PROTO_KIND_BY_KIND: Readonly<Record<TransactionKind, ProtoKind>> = {
  balance_inquiry: ProtoKind.TRANSACTION_KIND_BALANCE_INQUIRY,
  purchase: ProtoKind.TRANSACTION_KIND_PURCHASE,
  void: ProtoKind.TRANSACTION_KIND_VOID,
  refund: ProtoKind.TRANSACTION_KIND_REFUND,
  preauth: ProtoKind.TRANSACTION_KIND_PREAUTH,
  preauth_void: ProtoKind.TRANSACTION_KIND_PREAUTH_VOID,
  completion: ProtoKind.TRANSACTION_KIND_COMPLETION,
  completion_void: ProtoKind.TRANSACTION_KIND_COMPLETION_VOID,
  reversal: ProtoKind.TRANSACTION_KIND_REVERSAL,
  batch_settlement: ProtoKind.TRANSACTION_KIND_BATCH_SETTLEMENT,
  batch_upload: ProtoKind.TRANSACTION_KIND_BATCH_UPLOAD,
};

const KIND_BY_PROTO_KIND = new Map<number, TransactionKind>(
  Object.entries(PROTO_KIND_BY_KIND).map(([kind, proto]) => [proto, kind as TransactionKind]),
);

export function protoKindOf(kind: TransactionKind): ProtoKind {
  return PROTO_KIND_BY_KIND[kind];
}

/** undefined for UNSPECIFIED and values this build does not know (answered 30). */
export function kindOfProto(value: number): TransactionKind | undefined {
  return KIND_BY_PROTO_KIND.get(value);
}

export function protoCardKindOf(kind: CardKind): ProtoCardKind {
  if (kind === 'debit') return ProtoCardKind.CARD_KIND_DEBIT;
  if (kind === 'credit') return ProtoCardKind.CARD_KIND_CREDIT;
  return ProtoCardKind.CARD_KIND_UNSPECIFIED;
}
