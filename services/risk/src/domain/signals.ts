/**
 * Which decision-path rule firings reach operators: an alert for each, and a case for the ones that
 * point at a merchant doing something (跳码, moving the terminal, re-binding it, hitting a watch).
 * Plain limit declines are ordinary business and raise nothing.
 */
import type { AssessInput, RuleFiring } from './assessment.ts';
import type { RiskSignal } from './cases.ts';

const CASE_RULE_PREFIXES = [
  'code_jump.',
  'terminal.outside_area',
  'terminal.rebound_recently',
  'pattern.watch.card',
  'pattern.watch.terminal',
  'pattern.watch.merchant',
];
const ALERT_RULE_PREFIXES = [
  'blacklist.',
  'terminal.not_',
  'merchant.not_active',
  'limit.unavailable',
  'pattern.watch.unavailable',
];

export function signalsFromFirings(input: AssessInput, firings: readonly RuleFiring[]): RiskSignal[] {
  const signals: RiskSignal[] = [];
  for (const firing of firings) {
    if (firing.decision === 'approve') continue;
    const opensCase = CASE_RULE_PREFIXES.some((prefix) => firing.rule.startsWith(prefix));
    const alerts = opensCase || ALERT_RULE_PREFIXES.some((prefix) => firing.rule.startsWith(prefix));
    if (!alerts) continue;
    signals.push({
      rule: firing.rule,
      reason: firing.reason,
      decision: firing.decision,
      merchantId: input.terminal.merchantId,
      terminalId: input.terminal.terminalId,
      cardToken: input.cardToken,
      txnId: input.txnId,
      occurredAtMs: input.occurredAtMs,
      opensCase,
    });
  }
  return signals;
}
