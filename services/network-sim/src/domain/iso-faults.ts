/**
 * Fault injection on the ISO 8583 link. Each request draws its fate once: the connection drops
 * before processing, the request is lost unprocessed, or it is processed and then answered
 * normally, late, never (a timeout after the issuer applied it: the platform must reverse), or
 * with garbage. Faults can be limited to a set of PANs so parallel suites do not disturb each other.
 */
import { assert } from '@acq/assert';
import { LIMITS } from '../limits.ts';

export interface IsoFaults {
  /** Added to every answer, plus a random share of latencyJitterMs, in ms. */
  latencyMs: number;
  latencyJitterMs: number;
  /** Processed but never answered. */
  timeoutRate: number;
  /** Lost before processing, never answered. */
  dropRate: number;
  /** The connection is closed when the request arrives (not processed). */
  disconnectRate: number;
  /** Processed and answered after lateResponseMs. */
  lateResponseRate: number;
  lateResponseMs: number;
  /** Processed and answered with a frame of random bytes. */
  garbageRate: number;
  /** When not empty, only requests for these PANs are subject to faults. */
  pans: readonly string[];
}

export const NO_ISO_FAULTS: IsoFaults = {
  latencyMs: 0,
  latencyJitterMs: 0,
  timeoutRate: 0,
  dropRate: 0,
  disconnectRate: 0,
  lateResponseRate: 0,
  lateResponseMs: 0,
  garbageRate: 0,
  pans: [],
};

export type FaultAction =
  | { readonly kind: 'disconnect' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'process'; readonly reply: 'normal' | 'none' | 'garbage'; readonly delayMs: number };

export const NORMAL_REPLY: FaultAction = { kind: 'process', reply: 'normal', delayMs: 0 };

export function hasIsoFaults(faults: IsoFaults): boolean {
  return (
    faults.latencyMs > 0 ||
    faults.latencyJitterMs > 0 ||
    faults.timeoutRate > 0 ||
    faults.dropRate > 0 ||
    faults.disconnectRate > 0 ||
    faults.lateResponseRate > 0 ||
    faults.garbageRate > 0
  );
}

export function validateIsoFaults(faults: IsoFaults): void {
  for (const rate of [
    faults.timeoutRate,
    faults.dropRate,
    faults.disconnectRate,
    faults.lateResponseRate,
    faults.garbageRate,
  ]) {
    assert(rate >= 0 && rate <= 1, 'fault rates are shares from 0 to 1');
  }
  for (const delay of [faults.latencyMs, faults.latencyJitterMs, faults.lateResponseMs]) {
    assert(Number.isInteger(delay) && delay >= 0 && delay <= LIMITS.faultDelayMsMax, 'fault delays within bounds');
  }
}

/** Draws the fate of one request; pan undefined (echo, sign-on) is only subject to unfiltered faults. */
export function chooseFaultAction(faults: IsoFaults, pan: string | undefined, random: () => number): FaultAction {
  if (!hasIsoFaults(faults)) return NORMAL_REPLY;
  if (faults.pans.length > 0 && (pan === undefined || !faults.pans.includes(pan))) return NORMAL_REPLY;
  if (random() < faults.disconnectRate) return { kind: 'disconnect' };
  if (random() < faults.dropRate) return { kind: 'drop' };
  const latencyMs = faults.latencyMs + Math.floor(random() * faults.latencyJitterMs);
  if (random() < faults.timeoutRate) return { kind: 'process', reply: 'none', delayMs: 0 };
  if (random() < faults.garbageRate) return { kind: 'process', reply: 'garbage', delayMs: latencyMs };
  if (random() < faults.lateResponseRate) return { kind: 'process', reply: 'normal', delayMs: faults.lateResponseMs };
  return { kind: 'process', reply: 'normal', delayMs: latencyMs };
}
