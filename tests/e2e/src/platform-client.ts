// The platform setup helpers moved to @acq/bench (shared with `acq pos` and `acq bench`); the
// end-to-end tests keep importing them from here.
export {
  cardBalanceFen,
  createCard,
  expectStatus,
  GATEWAY_HTTP_URL,
  type HttpResult,
  http,
  merchantToken,
  NETWORK_SIM_URL,
  type OnboardedTerminal,
  onboardMerchantWithTerminal,
  operatorToken,
  residentIdNumber,
  type SimulatedCard,
} from '@acq/bench';
