// Goal: configuration has working defaults and refuses bad or conflicting values by name.
// Method: load the schema from hand-built environments.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { ConfigError } from '@acq/config';
import { loadNetworkSimConfig } from './config.ts';

test('defaults give the documented ports and the derived dev ZPK', () => {
  const config = loadNetworkSimConfig({});
  expect.equal(config.NETWORK_SIM_HTTP_PORT, 8601);
  expect.equal(config.NETWORK_SIM_ISO_PORT, 8602);
  expect.equal(config.NETWORK_ZPK_UNDER_MASTER_KEY, 'derived');
});

test('equal ports and a malformed ZPK blob are refused with the variable name', () => {
  expect.throws(
    () => loadNetworkSimConfig({ NETWORK_SIM_HTTP_PORT: '9000', NETWORK_SIM_ISO_PORT: '9000' }),
    (error: unknown) => error instanceof ConfigError && error.message.includes('NETWORK_SIM_ISO_PORT'),
  );
  expect.throws(
    () => loadNetworkSimConfig({ NETWORK_ZPK_UNDER_MASTER_KEY: 'xyz' }),
    (error: unknown) => error instanceof ConfigError && error.message.includes('NETWORK_ZPK_UNDER_MASTER_KEY'),
  );
});

test('the approvals bound can be lowered but not raised', () => {
  expect.equal(
    loadNetworkSimConfig({ NETWORK_SIM_APPROVALS_RETAINED_MAX: '10' }).NETWORK_SIM_APPROVALS_RETAINED_MAX,
    10,
  );
  expect.throws(() => loadNetworkSimConfig({ NETWORK_SIM_APPROVALS_RETAINED_MAX: '600001' }), ConfigError);
});
