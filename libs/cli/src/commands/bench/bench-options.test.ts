// Goal: `acq bench` accepts the documented options and refuses malformed ones with a usage error.
// Method: parse argument lists directly (pure functions), including boundaries and refusal paths.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { BENCH_TERMINALS_MAX } from '@acq/bench';
import { CliUsageError } from '../../command.ts';
import { BENCH_DURATION_MS_MAX, parseBenchOptions, parseDurationMs, parseMix } from './bench-options.ts';

const ENV = { DATABASE_URL: 'postgres://bench@db/acq' };

test('durations take ms, s, m or bare seconds', () => {
  expect.equal(parseDurationMs('60s', 'x'), 60_000);
  expect.equal(parseDurationMs('500ms', 'x'), 500);
  expect.equal(parseDurationMs('2m', 'x'), 120_000);
  expect.equal(parseDurationMs('7', 'x'), 7_000);
  expect.equal(parseDurationMs('60m', 'x'), BENCH_DURATION_MS_MAX);
  expect.throws(() => parseDurationMs('61m', 'x'), CliUsageError);
  for (const bad of ['', '1.5s', '-1s', '10h', 's']) expect.throws(() => parseDurationMs(bad, 'x'), CliUsageError);
});

test('the mix parser reads weights and refuses unknown, repeated or malformed entries', () => {
  expect.deepEqual(parseMix('purchase=85,balance=10,void=5'), { purchase: 85, balance: 10, void: 5 });
  expect.deepEqual(parseMix('purchase=1'), { purchase: 1, balance: 0, void: 0 });
  expect.deepEqual(parseMix(' void=5 , purchase=95 '), { purchase: 95, balance: 0, void: 5 });
  for (const bad of ['refund=5', 'purchase=5,purchase=5', 'purchase', 'purchase=-1', 'purchase=1.5', 'purchase=1=2']) {
    expect.throws(() => parseMix(bad), CliUsageError, bad);
  }
  expect.throws(() => parseMix('balance=10,void=5'), /purchase weight/);
});

test('defaults: 100 terminals, 60 s after 5 s warm-up, the default mix, the local platform', () => {
  const options = parseBenchOptions(['--rate', '1000'], ENV);
  expect.deepEqual(options.mode, { kind: 'open', ratePerSecond: 1000 });
  expect.equal(options.terminals, 100);
  expect.equal(options.durationMs, 60_000);
  expect.equal(options.warmupMs, 5_000);
  expect.deepEqual(options.mix, { purchase: 85, balance: 10, void: 5 });
  expect.equal(options.host, '127.0.0.1');
  expect.equal(options.port, 8583);
  expect.equal(options.apiUrl, 'http://127.0.0.1:8080');
  expect.equal(options.networkSimUrl, 'http://127.0.0.1:8601');
  expect.equal(options.databaseUrl, ENV.DATABASE_URL);
  expect.equal(options.ceiling, false);
  expect.equal(options.verify, true);
  expect.equal(options.cards, 100);
  expect.equal(options.terminalsPerMerchant, 10);
  expect.equal(options.timeoutMs, 30_000);
});

test('closed loop, ceiling, JSON path and endpoints', () => {
  const options = parseBenchOptions(
    ['--closed', '--ceiling', '--terminals', '4', '--json', 'out.json', '--api', 'http://h:1/', '--no-verify'],
    {},
  );
  expect.deepEqual(options.mode, { kind: 'closed' });
  expect.equal(options.ceiling, true);
  expect.equal(options.terminals, 4);
  expect.equal(options.jsonPath, 'out.json');
  expect.equal(options.apiUrl, 'http://h:1');
  expect.equal(options.verify, false);
  expect.equal(options.databaseUrl, 'postgres://postgres@127.0.0.1:5432/postgres');
});

test('exactly one of --rate and --closed', () => {
  expect.throws(() => parseBenchOptions([], ENV), /either --rate/);
  expect.throws(() => parseBenchOptions(['--rate', '10', '--closed'], ENV), /either --rate/);
});

test('terminal count, rate, port and timeout bounds', () => {
  expect.equal(
    parseBenchOptions(['--closed', '--terminals', String(BENCH_TERMINALS_MAX)], ENV).terminals,
    BENCH_TERMINALS_MAX,
  );
  expect.throws(
    () => parseBenchOptions(['--closed', '--terminals', String(BENCH_TERMINALS_MAX + 1)], ENV),
    CliUsageError,
  );
  expect.throws(() => parseBenchOptions(['--closed', '--terminals', '0'], ENV), CliUsageError);
  expect.throws(() => parseBenchOptions(['--rate', '0'], ENV), CliUsageError);
  expect.throws(() => parseBenchOptions(['--rate', '1e3'], ENV), CliUsageError);
  expect.throws(() => parseBenchOptions(['--closed', '--port', '65536'], ENV), CliUsageError);
  expect.throws(() => parseBenchOptions(['--closed', '--duration', '0s'], ENV), /above 0/);
  expect.equal(parseBenchOptions(['--closed', '--timeout', '60s'], ENV).timeoutMs, 60_000);
  expect.throws(() => parseBenchOptions(['--closed', '--timeout', '61s'], ENV), CliUsageError);
});

test('unknown options and stray arguments are refused', () => {
  expect.throws(() => parseBenchOptions(['--closed', '--bogus'], ENV), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  expect.throws(() => parseBenchOptions(['--closed', 'extra'], ENV), /unexpected argument/);
});
