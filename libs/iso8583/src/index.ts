export {
  asBuffer,
  type FieldValue,
  type IndexedIsoMessage,
  type IsoMessage,
  packIndexedMessage,
  packMessage,
  toIsoMessage,
  unpackIndexedMessage,
  unpackIndexedMessageRange,
  unpackMessage,
  unpackMessageRange,
} from './codec.ts';
export { type IsoCodecErrorCode, IsoCodecError, ISO_CODEC_ERROR_CODES, isIsoCodecError, NO_FIELD } from './errors.ts';
export * from './limits.ts';
export {
  defineSpec,
  type FieldEncoding,
  type FieldSpec,
  fixed,
  type LengthKind,
  type LengthPrefixEncoding,
  llvar,
  lllvar,
  type MaskKind,
  type MessageSpec,
  type MtiEncoding,
  type SpecDefinition,
} from './spec.ts';
export { CUP_POS_MESSAGE_BYTES_MAX, cupPosSpec } from './specs/cup-pos-v1.ts';
export { LengthPrefixedFrameReader, withLengthPrefix } from './framing/frame-reader.ts';
export {
  type DecodedIndexedNetworkFrame,
  type DecodedNetworkFrame,
  decodeNetworkFrame,
  decodeNetworkFrameIndexed,
  encodeNetworkFrame,
} from './framing/network-frame.ts';
export {
  type DecodedIndexedTerminalFrame,
  type DecodedTerminalFrame,
  decodeTerminalFrame,
  decodeTerminalFrameIndexed,
  decodeTerminalFrameWithLength,
  encodeTerminalFrame,
  encodeTerminalFrameWithMac,
  swapTpdu,
  TERMINAL_PREAMBLE_BYTES,
  type IndexedTerminalFrame,
  type TerminalFrame,
  TPDU_BYTES,
  TPDU_ID,
} from './framing/terminal-frame.ts';
export {
  buildTerminalHeader,
  PROCESSING_REQUIREMENT,
  parseTerminalHeader,
  TERMINAL_HEADER_BYTES,
  type TerminalHeader,
  withProcessingRequirement,
} from './framing/terminal-header.ts';
export {
  type FieldsJson,
  fieldsFromJson,
  fieldsToJson,
  type MessageJson,
  messageFromJson,
  messageToJson,
  parseHexStrict,
} from './json.ts';
export { samplePurchaseRequest, samplePurchaseResponse } from './sample-messages.ts';
export {
  buildSignInKeys62,
  isSignInKeyMode,
  MAC_KEY_BYTES,
  parseSignInKeys62,
  type SignInKeyMode,
  type SignInKeys62,
  signInKeys62Bytes,
  WORKING_KEY_CHECK_VALUE_BYTES,
} from './views/sign-in-keys-62.ts';
export { CUP_NETWORK_MESSAGE_BYTES_MAX, cupNetworkSpec } from './specs/cup-network-v1.ts';
export { describeMessage, maskPan } from './describe.ts';
export { parseTlv, parseTlvTopLevel, buildTlv, type TlvInput, type TlvItem } from './tlv.ts';
export {
  AMOUNT_TYPE,
  BALANCE_ENTRIES_MAX,
  BALANCE_ENTRY_CHARS,
  type BalanceEntry,
  buildBalance54,
  parseBalance54,
} from './views/balance-54.ts';
export { buildField60, type Field60, type Field60Input, parseField60 } from './views/field60.ts';
export { buildField61, type Field61, parseField61 } from './views/field61.ts';
export {
  buildSettlementTotals48,
  parseSettlementTotals48,
  SETTLEMENT_RESULT_CODE,
  SETTLEMENT_SIDE_DIGITS,
  type SettlementTotals48,
  type SettlementTotalsSide,
} from './views/settlement-totals-48.ts';
