/**
 * Terminal and merchant state rules, 跳码 (merchant-code tampering) and blacklists: pure checks on
 * the caller's terminal context, the terminal's own message and the in-memory blacklist view.
 * Evaluated in priority order so the most specific field-39 code wins.
 */
import { assert } from '@acq/assert';
import { type AssessInput, decline, flag, isCardFinancial, type RuleFiring } from './assessment.ts';
import type { RiskPolicy } from './policy.ts';

export interface BlacklistView {
  hasCard(cardToken: string): boolean;
  hasTerminal(terminalId: string): boolean;
  hasMerchant(merchantId: string): boolean;
}

/** Digits 8..11 (1-based) of the 15-digit merchant number are the MCC. */
const MCC_OFFSET = 7;
const MCC_LENGTH = 4;
const EARTH_RADIUS_METERS = 6_371_000;

export function evaluateTerminalState(input: AssessInput, policy: RiskPolicy['state'], nowMs: number): RuleFiring[] {
  const terminal = input.terminal;
  const firings: RuleFiring[] = [];
  if (terminal.merchantId === '') {
    firings.push(decline('terminal.not_bound', '97', 'terminal is not bound to a merchant'));
    return firings;
  }
  if (terminal.terminalStatus === 'registered' || terminal.terminalStatus === 'unknown') {
    firings.push(decline('terminal.not_activated', '97', `terminal status ${terminal.terminalStatus}`));
  } else if (terminal.terminalStatus !== 'activated') {
    firings.push(decline('terminal.not_permitted', '58', `terminal status ${terminal.terminalStatus}`));
  }
  if (terminal.merchantStatus !== 'active') {
    firings.push(decline('merchant.not_active', '03', `merchant status ${terminal.merchantStatus}`));
  }
  if (isCardFinancial(input.kind)) {
    const tampering = evaluateMerchantNumber(input);
    if (tampering !== undefined) firings.push(tampering);
    const location = evaluateLocation(input, policy);
    if (location !== undefined) firings.push(location);
  }
  if (terminal.reboundAtMs > 0 && nowMs - terminal.reboundAtMs < policy.reboundRecentlyMs) {
    firings.push(flag('terminal.rebound_recently', 'terminal was re-bound to a merchant recently'));
  }
  return firings;
}

/**
 * 跳码: the platform sends the bound merchant's number upstream whatever the terminal says, so a
 * different field 42 is an attempt to jump codes (or a terminal moved between merchants). An empty
 * field 42 is allowed: some terminals leave it out.
 */
export function evaluateMerchantNumber(input: AssessInput): RuleFiring | undefined {
  const sent = input.merchantNumberFromTerminal.trim();
  const bound = input.terminal.merchantNumber;
  if (sent === '' || sent === bound) return undefined;
  assert(bound.length > 0, 'a bound terminal has a merchant number');
  const sameOutsideMcc =
    sent.length === bound.length &&
    sent.slice(0, MCC_OFFSET) === bound.slice(0, MCC_OFFSET) &&
    sent.slice(MCC_OFFSET + MCC_LENGTH) === bound.slice(MCC_OFFSET + MCC_LENGTH);
  if (sameOutsideMcc) {
    const sentMcc = sent.slice(MCC_OFFSET, MCC_OFFSET + MCC_LENGTH);
    return decline(
      'code_jump.mcc',
      '03',
      `terminal sent MCC ${sentMcc}, merchant is registered as ${input.terminal.mcc}`,
    );
  }
  return decline('code_jump.merchant_number', '03', 'terminal sent a merchant number other than its bound merchant');
}

export function evaluateLocation(input: AssessInput, policy: RiskPolicy['state']): RuleFiring | undefined {
  const reported = input.reportedLocation;
  const registered = input.terminal.registeredLocation;
  if (reported === undefined) return undefined;
  let outside = false;
  let reason = '';
  if (registered !== undefined && hasCoordinates(reported) && hasCoordinates(registered)) {
    const distanceMeters = Math.round(distanceBetweenMeters(reported, registered));
    outside = distanceMeters > policy.locationRadiusMeters;
    reason = `terminal reported a location ${distanceMeters} m from the registered area`;
  } else if (reported.areaCode !== '' && input.terminal.areaCode !== '') {
    outside = !reported.areaCode.startsWith(input.terminal.areaCode);
    reason = `terminal reported area ${reported.areaCode}, merchant registered in ${input.terminal.areaCode}`;
  }
  if (!outside) return undefined;
  return policy.locationOutsideDecline === 1
    ? decline('terminal.outside_area', '58', reason)
    : flag('terminal.outside_area', reason);
}

function hasCoordinates(location: { latitudeE6: number; longitudeE6: number }): boolean {
  return location.latitudeE6 !== 0 || location.longitudeE6 !== 0;
}

/** Haversine distance; coordinates are not money, so floating point is the right tool. */
export function distanceBetweenMeters(
  from: { latitudeE6: number; longitudeE6: number },
  to: { latitudeE6: number; longitudeE6: number },
): number {
  const radians = Math.PI / 180 / 1_000_000;
  const latitudeDelta = (to.latitudeE6 - from.latitudeE6) * radians;
  const longitudeDelta = (to.longitudeE6 - from.longitudeE6) * radians;
  const a =
    Math.sin(latitudeDelta / 2) ** 2 +
    Math.cos(from.latitudeE6 * radians) * Math.cos(to.latitudeE6 * radians) * Math.sin(longitudeDelta / 2) ** 2;
  const distance = 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(a)));
  assert(distance >= 0, 'distance is never negative');
  return distance;
}

export function evaluateBlacklists(input: AssessInput, blacklist: BlacklistView): RuleFiring[] {
  const firings: RuleFiring[] = [];
  if (input.terminal.merchantId !== '' && blacklist.hasMerchant(input.terminal.merchantId)) {
    firings.push(decline('blacklist.merchant', '03', 'merchant is blacklisted'));
  }
  if (blacklist.hasTerminal(input.terminal.terminalId)) {
    firings.push(decline('blacklist.terminal', '58', 'terminal is blacklisted'));
  }
  if (input.cardToken !== '' && blacklist.hasCard(input.cardToken)) {
    firings.push(decline('blacklist.card', '14', 'card is blacklisted'));
  }
  return firings;
}
