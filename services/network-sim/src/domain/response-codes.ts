/**
 * Field 39 codes the issuers answer, as CUP uses them. Lost and stolen cards answer 41 and 43
 * (CUP: 41 挂失卡 "lost card, pick up", 43 被窃卡 "stolen card, pick up"); a frozen card answers 62
 * (受限制的卡 "restricted card").
 */
export const RESPONSE_CODES = {
  approved: '00',
  invalidMerchant: '03',
  invalidTransaction: '12',
  invalidAmount: '13',
  invalidCard: '14',
  originalNotFound: '25',
  formatError: '30',
  lostCard: '41',
  stolenCard: '43',
  insufficientFunds: '51',
  expiredCard: '54',
  wrongPin: '55',
  amountLimitExceeded: '61',
  restrictedCard: '62',
  pinTriesExceeded: '75',
  duplicateTransaction: '94',
  systemMalfunction: '96',
} as const;

export type ResponseCode = (typeof RESPONSE_CODES)[keyof typeof RESPONSE_CODES];
