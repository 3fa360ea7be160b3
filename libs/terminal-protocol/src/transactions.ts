/**
 * The CUP POS transaction table (DESIGN.md section 4): which MTI, processing code (3), condition
 * code (25) and transaction type code (60.1) make each transaction. The gateway classifies
 * requests with it and the terminal simulator builds requests from it, so both read one table.
 */

export const TRANSACTION_KINDS = [
  'BALANCE_INQUIRY',
  'PURCHASE',
  'VOID',
  'REFUND',
  'PREAUTH',
  'PREAUTH_VOID',
  'COMPLETION',
  'COMPLETION_VOID',
] as const;
export type FinancialKind = (typeof TRANSACTION_KINDS)[number];

export interface TransactionShape {
  kind: FinancialKind;
  mti: string;
  processingCode: string;
  conditionCode: string;
  transactionTypeCode: string;
  /** Whether the request carries an amount the cardholder is charged or credited. */
  moneyMoves: boolean;
  /** Whether field 61 (original batch, trace, date) identifies an original transaction. */
  needsOriginal: boolean;
}

export const TRANSACTION_TABLE: readonly TransactionShape[] = [
  {
    kind: 'BALANCE_INQUIRY',
    mti: '0200',
    processingCode: '310000',
    conditionCode: '00',
    transactionTypeCode: '01',
    moneyMoves: false,
    needsOriginal: false,
  },
  {
    kind: 'PURCHASE',
    mti: '0200',
    processingCode: '000000',
    conditionCode: '00',
    transactionTypeCode: '22',
    moneyMoves: true,
    needsOriginal: false,
  },
  {
    kind: 'VOID',
    mti: '0200',
    processingCode: '200000',
    conditionCode: '00',
    transactionTypeCode: '23',
    moneyMoves: true,
    needsOriginal: true,
  },
  {
    kind: 'REFUND',
    mti: '0220',
    processingCode: '200000',
    conditionCode: '00',
    transactionTypeCode: '25',
    moneyMoves: true,
    needsOriginal: true,
  },
  {
    kind: 'PREAUTH',
    mti: '0100',
    processingCode: '030000',
    conditionCode: '06',
    transactionTypeCode: '10',
    moneyMoves: true,
    needsOriginal: false,
  },
  {
    kind: 'PREAUTH_VOID',
    mti: '0100',
    processingCode: '200000',
    conditionCode: '06',
    transactionTypeCode: '11',
    moneyMoves: true,
    needsOriginal: true,
  },
  {
    kind: 'COMPLETION',
    mti: '0200',
    processingCode: '000000',
    conditionCode: '06',
    transactionTypeCode: '20',
    moneyMoves: true,
    needsOriginal: true,
  },
  {
    kind: 'COMPLETION_VOID',
    mti: '0200',
    processingCode: '200000',
    conditionCode: '06',
    transactionTypeCode: '21',
    moneyMoves: true,
    needsOriginal: true,
  },
];

const BY_TYPE_CODE = new Map(TRANSACTION_TABLE.map((shape) => [shape.transactionTypeCode, shape]));
const BY_KIND = new Map(TRANSACTION_TABLE.map((shape) => [shape.kind, shape]));

export function shapeOf(kind: FinancialKind): TransactionShape {
  const shape = BY_KIND.get(kind);
  if (shape === undefined) throw new Error(`no shape for ${kind}`);
  return shape;
}

/**
 * Finds the transaction a request (or, for 0400, the transaction it reverses) is, from 60.1, and
 * checks that MTI, processing code and condition code agree with the table. A reversal carries the
 * original's 3, 25 and 60.1, so the same lookup names the reversed kind.
 */
export function classifyFinancialRequest(
  mti: string,
  processingCode: string,
  conditionCode: string,
  transactionTypeCode: string,
): { shape: TransactionShape; reversal: boolean } | undefined {
  const shape = BY_TYPE_CODE.get(transactionTypeCode);
  if (shape === undefined) return undefined;
  const reversal = mti === '0400';
  const mtiMatches = reversal ? shape.mti !== '0220' : shape.mti === mti;
  if (!mtiMatches || shape.processingCode !== processingCode || shape.conditionCode !== conditionCode) {
    return undefined;
  }
  return { shape, reversal };
}

/** The response MTI of a request MTI: the third digit goes from 0/2 to 1/3 (0200 -> 0210). */
export function responseMtiOf(requestMti: string): string {
  const third = Number(requestMti[2]);
  return `${requestMti.slice(0, 2)}${third + 1}${requestMti.slice(3)}`;
}

/** Network management codes in 60.3. */
export const NETWORK_MANAGEMENT = {
  signInSingleKeys: '001',
  signOff: '002',
  signInDoubleKeys: '003',
  signInDoubleKeysWithTrackKey: '004',
  batchSettlement: '201',
  batchUploadEnd: '202',
  echo: '301',
} as const;

/** Field-39 response codes the platform answers (DESIGN.md section 4). */
export const RESPONSE_CODE = {
  approved: '00',
  invalidMerchant: '03',
  cardholderVerificationFailed: '05',
  invalidRelatedTransaction: '12',
  invalidAmount: '13',
  invalidCard: '14',
  operationError: '22',
  originalNotFound: '25',
  formatError: '30',
  insufficientFunds: '51',
  expiredCard: '54',
  wrongPin: '55',
  notPermittedOnTerminal: '58',
  amountLimitExceeded: '61',
  countLimitExceeded: '65',
  pinTriesExceeded: '75',
  batchNumberMismatch: '77',
  duplicateTransaction: '94',
  switchFailure: '96',
  terminalNotRegistered: '97',
  noIssuerResponse: '98',
  macFailure: 'A0',
} as const;
export type ResponseCode = (typeof RESPONSE_CODE)[keyof typeof RESPONSE_CODE];
