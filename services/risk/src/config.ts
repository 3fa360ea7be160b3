/**
 * Risk configuration from the environment. Every policy threshold has a variable derived from its
 * path: limits.individual.merchant.dailyAmountFen -> RISK_LIMITS_INDIVIDUAL_MERCHANT_DAILY_AMOUNT_FEN
 * (amounts in integer fen, durations in ms, as the name says).
 */
import { assert } from '@acq/assert';
import { env, type Schema, type Variable } from '@acq/config';
import { platformVariables } from '@acq/service-kit';
import { defaultRiskPolicy, type RiskPolicy, validateRiskPolicy } from './domain/policy.ts';
import { REDIS_COMMAND_TIMEOUT_MS_MAX } from './limits.ts';

export const riskConfigSchema = {
  RISK_GRPC_PORT: env.port({ description: 'risk gRPC port', default: 50052 }),
  RISK_OPS_PORT: env.port({ description: 'risk /healthz, /readyz, /metrics port', default: 9103 }),
  DATABASE_URL: platformVariables.DATABASE_URL,
  REDIS_URL: platformVariables.REDIS_URL,
  RISK_DATABASE_SCHEMA: env.string({
    description: 'Postgres schema of the risk service',
    default: 'risk',
    pattern: /^[a-z_][a-z0-9_]{0,62}$/,
  }),
  RISK_REDIS_KEY_PREFIX: env.string({
    description: 'Prefix of every risk Redis key; include a hash tag such as {risk}: on Redis Cluster',
    default: 'risk:{risk}:',
    pattern: /^[A-Za-z0-9_.:{}-]{1,64}$/,
  }),
  RISK_REDIS_COMMAND_TIMEOUT_MS: env.integer({
    description: 'Redis command timeout (ms); Assess also stops at the caller deadline',
    default: REDIS_COMMAND_TIMEOUT_MS_MAX,
    min: 1,
    max: REDIS_COMMAND_TIMEOUT_MS_MAX,
  }),
} satisfies Schema;

function variableName(path: readonly string[]): string {
  return `RISK_${path.map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

interface PolicyLeaf {
  path: string[];
  value: bigint | number;
}

function policyLeaves(policy: RiskPolicy): PolicyLeaf[] {
  const leaves: PolicyLeaf[] = [];
  const pending: { path: string[]; node: unknown }[] = [{ path: [], node: policy }];
  while (pending.length > 0) {
    const { path, node } = pending.pop() as { path: string[]; node: unknown };
    if (typeof node === 'bigint' || typeof node === 'number') {
      leaves.push({ path, value: node });
      continue;
    }
    assert(typeof node === 'object' && node !== null, 'policy nodes are objects or numbers');
    for (const [key, child] of Object.entries(node)) pending.push({ path: [...path, key], node: child });
  }
  return leaves;
}

function leafVariable(leaf: PolicyLeaf): Variable<string> {
  return env.string({
    description: `policy ${leaf.path.join('.')}`,
    default: leaf.value.toString(),
    pattern: /^[0-9]{1,16}$/,
  });
}

/** The policy variables, for the README table and loadConfig. */
export function policySchema(): Record<string, Variable<string>> {
  const schema: Record<string, Variable<string>> = {};
  for (const leaf of policyLeaves(defaultRiskPolicy())) schema[variableName(leaf.path)] = leafVariable(leaf);
  return schema;
}

/** Builds the policy from defaults and the already validated variables; refuses inconsistent ones. */
export function policyFromConfig(values: Record<string, unknown>): RiskPolicy {
  const policy = defaultRiskPolicy();
  for (const leaf of policyLeaves(policy)) {
    const text = values[variableName(leaf.path)];
    if (typeof text !== 'string') continue;
    let parent: Record<string, unknown> = policy as unknown as Record<string, unknown>;
    for (const key of leaf.path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
    const last = leaf.path.at(-1);
    assert(last !== undefined, 'leaves have a name');
    parent[last] = typeof leaf.value === 'bigint' ? BigInt(text) : Number(text);
  }
  validateRiskPolicy(policy);
  return policy;
}
