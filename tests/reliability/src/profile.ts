/**
 * The two forms of the scenarios: `bounded` keeps the whole package within a few minutes of CI
 * wall time on a 2-core machine; `long` (npm run long) runs the same assertions for longer with
 * more faults.
 */
export interface ReliabilityProfile {
  name: 'bounded' | 'long';
  /** Simulated terminals driving purchases during a scenario. */
  terminals: number;
  /** Load phase of the crash scenario. */
  crashLoadMs: number;
  /** kill -9 injected during the crash scenario. */
  crashKills: number;
  /** Load phase of the upstream-fault scenario. */
  upstreamFaultLoadMs: number;
  /** Garbage frames and hostile connections sent at the terminal port. */
  fuzzFrames: number;
}

const PROFILES: Record<ReliabilityProfile['name'], ReliabilityProfile> = {
  bounded: {
    name: 'bounded',
    terminals: 4,
    crashLoadMs: 35_000,
    crashKills: 5,
    upstreamFaultLoadMs: 15_000,
    fuzzFrames: 400,
  },
  long: {
    name: 'long',
    terminals: 12,
    crashLoadMs: 600_000,
    crashKills: 40,
    upstreamFaultLoadMs: 180_000,
    fuzzFrames: 20_000,
  },
};

export function profileFromEnvironment(): ReliabilityProfile {
  return process.env.RELIABILITY_PROFILE === 'long' ? PROFILES.long : PROFILES.bounded;
}
