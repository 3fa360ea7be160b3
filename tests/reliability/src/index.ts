export * from './card-data-scan.ts';
export * from './invariants.ts';
export * from './profile.ts';
export * from './resilient-terminal.ts';
export * from './scenario.ts';
export * from './seeded-random.ts';
export * from './tcp-fuzz.ts';
export * from './http-attack.ts';
