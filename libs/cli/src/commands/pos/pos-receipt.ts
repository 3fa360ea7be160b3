/** The printed slip of `acq pos`: what a CUP POS prints for the cardholder and the merchant. */
import { cupPosSpec, describeMessage } from '@acq/iso8583';
import { type Fen, formatYuan } from '@acq/money';
import type { TransactionResult } from '@acq/terminal-protocol';

const KIND_LABELS: Record<TransactionResult['kind'], string> = {
  BALANCE_INQUIRY: '余额查询 BALANCE',
  PURCHASE: '消费 SALE',
  VOID: '消费撤销 VOID',
  REFUND: '退货 REFUND',
  PREAUTH: '预授权 PRE-AUTH',
  PREAUTH_VOID: '预授权撤销 PRE-AUTH VOID',
  COMPLETION: '预授权完成 COMPLETION',
  COMPLETION_VOID: '预授权完成撤销 COMPLETION VOID',
  REVERSAL: '冲正 REVERSAL',
  SETTLEMENT: '批结算 SETTLEMENT',
  SIGN_IN: '签到 SIGN-IN',
  ECHO: '回响测试 ECHO',
  SIGN_OFF: '签退 SIGN-OFF',
};

export interface ReceiptContext {
  merchantNumber: string;
  terminalId: string;
  panMasked: string | undefined;
}

/** MMDD + hhmmss of the reply (fields 13 and 12), as printed: MM/DD hh:mm:ss. */
function printedDateTime(result: TransactionResult): string {
  const date = result.dateMmdd;
  const time = result.response.fields.get(12);
  const datePart = date.length === 4 ? `${date.slice(0, 2)}/${date.slice(2)}` : '--/--';
  const timePart =
    typeof time === 'string' && time.length === 6
      ? `${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4)}`
      : '--:--:--';
  return `${datePart} ${timePart}`;
}

export function formatReceipt(result: TransactionResult, context: ReceiptContext): string {
  const approved = result.responseCode === '00';
  const lines = [
    '---------------- POS 签购单 ----------------',
    `商户编号 MERCHANT NO: ${context.merchantNumber}`,
    `终端编号 TERMINAL NO: ${context.terminalId}`,
    `交易类型 TRANS TYPE : ${KIND_LABELS[result.kind]}`,
  ];
  if (context.panMasked !== undefined) lines.push(`卡号 CARD NO       : ${context.panMasked}`);
  if (result.amountFen > 0n) lines.push(`金额 AMOUNT        : RMB ${formatYuan(result.amountFen)}`);
  if (result.balanceFen !== undefined) lines.push(`余额 BALANCE       : RMB ${formatYuan(result.balanceFen as Fen)}`);
  lines.push(
    `批次号 BATCH NO    : ${result.batchNumber}`,
    `凭证号 TRACE NO    : ${result.stan}`,
    `授权码 AUTH NO     : ${result.authCode || '-'}`,
    `参考号 REF NO      : ${result.rrn || '-'}`,
    `日期时间 DATE/TIME : ${printedDateTime(result)}`,
    `应答码 RESPONSE    : ${result.responseCode}${approved ? ' 交易成功 APPROVED' : ' 交易失败 DECLINED'}`,
  );
  if (result.macValid === false) lines.push('警告 WARNING       : reply MAC did not verify');
  lines.push('--------------------------------------------');
  return `${lines.join('\n')}\n`;
}

/** The masked, log-safe dump of a request and its reply. */
export function formatExchange(result: TransactionResult): string {
  return `>>> request\n${describeMessage(cupPosSpec, result.request)}\n<<< response\n${describeMessage(cupPosSpec, result.response)}\n`;
}
