// Goal: every bad or missing variable is reported by name and defaults fill the rest; method: literal env tables.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { ConfigError, env, loadConfig, optional } from './index.ts';

const schema = {
  GRPC_PORT: env.port({ description: 'gRPC port', default: 50051 }),
  DATABASE_URL: env.url({ description: 'Postgres URL', protocols: ['postgres:', 'postgresql:'] }),
  KAFKA_BROKERS: optional(env.list({ description: 'Kafka brokers' })),
  HSM_MASTER_KEY: env.hex({ description: 'master key', bytes: 16, secret: true, default: '00'.repeat(16) }),
  RISK_FAIL_OPEN: env.boolean({ description: 'fail open', default: false }),
};

test('defaults and optionals fill unset variables', () => {
  const config = loadConfig(schema, { DATABASE_URL: 'postgres://x@y/z' });
  expect.equal(config.GRPC_PORT, 50051);
  expect.equal(config.KAFKA_BROKERS, undefined);
  expect.equal(config.RISK_FAIL_OPEN, false);
});

test('each bad or missing variable is named once', () => {
  try {
    loadConfig(schema, { GRPC_PORT: '70000', HSM_MASTER_KEY: 'zz', RISK_FAIL_OPEN: 'yes' });
    expect.fail('expected a ConfigError');
  } catch (error) {
    expect.ok(error instanceof ConfigError);
    expect.deepEqual(error.problems, [
      "GRPC_PORT must be an integer from 1 to 65535 (got '70000')",
      'DATABASE_URL is required (Postgres URL)',
      'HSM_MASTER_KEY must be 32 hex characters',
      "RISK_FAIL_OPEN must be true or false (got 'yes')",
    ]);
  }
});

test('parsed values are typed', () => {
  const config = loadConfig(schema, { DATABASE_URL: 'postgres://a/b', KAFKA_BROKERS: 'a:1, b:2' });
  expect.deepEqual(config.KAFKA_BROKERS, ['a:1', 'b:2']);
});
