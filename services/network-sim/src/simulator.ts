/**
 * The whole outside world in one object: stores, flows and fault knobs, wired once. main.ts and the
 * tests build it the same way; transports only hold a reference to it.
 */
import type { Clock } from './domain/clock.ts';
import { type IsoFaults, NO_ISO_FAULTS } from './domain/iso-faults.ts';
import { SEED_CARDS } from './domain/seed-cards.ts';
import type { WalletProvider } from './domain/wallet.ts';
import { BankFlow } from './flows/bank-flow.ts';
import { CardAdminFlow } from './flows/card-admin-flow.ts';
import { ClearingFlow } from './flows/clearing-flow.ts';
import { IdentityFlow } from './flows/identity-flow.ts';
import { IssuerFlow, type PinVerifier } from './flows/issuer-flow.ts';
import { type CallbackDispatcher, WalletFlow } from './flows/wallet-flow.ts';
import { LIMITS } from './limits.ts';
import { ApprovalStore } from './store/approval-store.ts';
import { CardStore } from './store/card-store.ts';
import { SmsStore } from './store/sms-store.ts';
import { WalletStore } from './store/wallet-store.ts';

export interface SimulatorOptions {
  readonly clock: Clock;
  readonly random: () => number;
  readonly pinVerifier: PinVerifier;
  readonly callbackDispatcher: CallbackDispatcher;
  readonly walletCallbackUrl: string;
  readonly acquirerId: string;
  readonly approvalsRetainedMax: number;
  readonly seedCards: boolean;
}

export class NetworkSimulator {
  readonly clock: Clock;
  readonly random: () => number;
  readonly cards = new CardStore(LIMITS.cardCountMax);
  readonly approvals: ApprovalStore;
  readonly issuer: IssuerFlow;
  readonly cardAdmin: CardAdminFlow;
  readonly clearing: ClearingFlow;
  readonly wallet: WalletFlow;
  readonly bank: BankFlow;
  readonly identity: IdentityFlow;
  readonly sms = new SmsStore();
  readonly acquirerId: string;
  isoFaults: IsoFaults = NO_ISO_FAULTS;

  constructor(options: SimulatorOptions) {
    this.clock = options.clock;
    this.random = options.random;
    this.acquirerId = options.acquirerId;
    this.approvals = new ApprovalStore(options.approvalsRetainedMax, LIMITS.reversalTombstonesMax);
    this.issuer = new IssuerFlow(this.cards, this.approvals, options.pinVerifier, options.clock);
    this.cardAdmin = new CardAdminFlow(this.cards, options.clock);
    this.clearing = new ClearingFlow(this.approvals, this.cards, options.clock, options.acquirerId);
    this.wallet = new WalletFlow({
      store: new WalletStore(LIMITS.walletUsersMax, LIMITS.walletOrdersMax),
      clock: options.clock,
      random: options.random,
      dispatcher: options.callbackDispatcher,
      defaultNotifyUrl: (provider: WalletProvider) => options.walletCallbackUrl.replace('{provider}', provider),
    });
    this.bank = new BankFlow(this.cards, options.clock, options.random);
    this.identity = new IdentityFlow(this.cards, options.clock);
    if (options.seedCards) this.cardAdmin.seed(SEED_CARDS);
  }

  /** Resolves everything that happens with the passage of time (payouts, slow users, expiries). */
  sweep(): void {
    this.bank.sweep();
    this.wallet.sweep();
  }
}
