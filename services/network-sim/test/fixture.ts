/**
 * Builds a simulator for tests with a manual clock, a scripted random source, the real software HSM
 * (dev ZPK) and a recording callback dispatcher, plus helpers to make PIN blocks under the ZPK.
 */
import { pinBlockFormat0, SoftwareHsm, tripleDesEncryptEcb } from '@acq/crypto';
import { ManualClock } from '../src/domain/clock.ts';
import type { CallbackDispatcher, WalletCallback } from '../src/flows/wallet-flow.ts';
import { NetworkSimulator } from '../src/simulator.ts';
import { DEV_NETWORK_ZPK_CLEAR, HsmPinVerifier, resolveZonePinKey } from '../src/transport/iso/hsm-pin-verifier.ts';

export const TEST_MASTER_KEY = '0123456789ABCDEFFEDCBA9876543210';
/** 2026-11-22 10:00:00 Asia/Shanghai. */
export const TEST_START_MS = Date.UTC(2026, 10, 22, 2, 0, 0);

export class RecordingDispatcher implements CallbackDispatcher {
  readonly callbacks: WalletCallback[] = [];
  dispatch(callback: WalletCallback): void {
    this.callbacks.push(callback);
  }
}

/** Random values served in order, then 0.5 forever (deterministic fault draws). */
export class ScriptedRandom {
  private readonly values: number[] = [];
  readonly next = (): number => this.values.shift() ?? 0.5;
  push(...values: number[]): void {
    this.values.push(...values);
  }
}

export function buildTestSimulator(options: { seedCards?: boolean; dispatcher?: CallbackDispatcher } = {}) {
  const clock = new ManualClock(TEST_START_MS);
  const random = new ScriptedRandom();
  const hsm = new SoftwareHsm({ masterKeyHex: TEST_MASTER_KEY });
  const dispatcher = new RecordingDispatcher();
  const simulator = new NetworkSimulator({
    clock: clock.now,
    random: random.next,
    pinVerifier: new HsmPinVerifier(hsm, resolveZonePinKey(hsm, 'derived')),
    callbackDispatcher: options.dispatcher ?? dispatcher,
    walletCallbackUrl: 'http://127.0.0.1:1/v1/qr/callbacks/{provider}',
    acquirerId: '48020000',
    approvalsRetainedMax: 1_000,
    seedCards: options.seedCards ?? false,
  });
  return { simulator, clock, random, dispatcher };
}

/** ISO 9564 format 0 PIN block encrypted under the dev ZPK, as the authorization service sends it. */
export function pinBlockUnderZpk(pin: string, pan: string): Buffer {
  return tripleDesEncryptEcb(Buffer.from(DEV_NETWORK_ZPK_CLEAR, 'hex'), pinBlockFormat0(pin, pan));
}
