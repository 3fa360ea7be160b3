// Goal: the acq executable does what DESIGN.md section 6 promises and fails clearly on bad input.
// Method: spawn bin/acq.ts with the repository's Node 24 and check stdout, stderr and exit codes,
// using the published sign-in capture and the published MAC, KCV and PIN block vectors.
import { strict as expect } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const BIN = join(import.meta.dirname, '..', 'bin', 'acq.ts');
const SIGN_IN_FRAME =
  '003C600000973360220000000008000020000000C00012021806323031323132303653706563526F75746531323132303600110000000100100003303033';

function acq(args: string[], stdin = '') {
  const result = spawnSync(process.execPath, [BIN, ...args], { input: stdin, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('iso decode prints the DESIGN.md JSON of a frame', () => {
  const result = acq(['iso', 'decode', SIGN_IN_FRAME]);
  expect.equal(result.status, 0, result.stderr);
  expect.deepEqual(JSON.parse(result.stdout), {
    tpdu: '6000009733',
    header: '602200000000',
    mti: '0800',
    fields: { '11': '021806', '41': '20121206', '42': 'SpecRoute121206', '60': '00000001001', '63': '003' },
  });
  // Without the length prefix the same frame decodes the same way.
  expect.equal(acq(['iso', 'decode', SIGN_IN_FRAME.slice(4)]).stdout, result.stdout);
});

test('iso encode turns that JSON back into the exact frame', () => {
  const decoded = acq(['iso', 'decode', SIGN_IN_FRAME]).stdout;
  const result = acq(['iso', 'encode'], decoded);
  expect.equal(result.status, 0, result.stderr);
  expect.equal(result.stdout.trim(), SIGN_IN_FRAME);
  const messageOnly = acq(['iso', 'encode'], JSON.stringify({ mti: '0800', fields: { '11': '021806' } }));
  expect.equal(messageOnly.stdout.trim(), '08000020000000000000021806');
  const network = acq(
    ['iso', 'encode', '--spec', 'cup-network'],
    JSON.stringify({ mti: '0800', fields: { '70': '301' } }),
  );
  expect.equal(network.status, 0, network.stderr);
  expect.equal(
    acq(['iso', 'decode', '--spec', 'cup-network', network.stdout.trim()]).stdout.trim(),
    '{"mti":"0800","fields":{"70":"301"}}',
  );
});

test('iso describe masks card data', () => {
  const frame = acq(
    ['iso', 'encode'],
    JSON.stringify({
      tpdu: '6000010000',
      header: '603100000000',
      mti: '0200',
      fields: { '2': '6222021234567890123', '11': '000001' },
    }),
  ).stdout.trim();
  const result = acq(['iso', 'describe', frame]);
  expect.equal(result.status, 0, result.stderr);
  expect.match(result.stdout, /622202\*\*\*\*0123/);
  expect.ok(!result.stdout.includes('6222021234567890123'));
});

test('mac, kcv and pinblock reproduce published vectors', () => {
  // CUP ECB MAC worked example (solo123/pgate), KCV of 0123456789ABCDEF FEDCBA9876543210, ISO 9564 example.
  expect.equal(
    acq(['mac', '--mak', '2222222222222222', '--mab', '1234567890ABCDEFABCDEF1234567890']).stdout,
    'E267B6E2\n',
  );
  expect.equal(acq(['kcv', '0123456789ABCDEFFEDCBA9876543210']).stdout, '08D7B4FB\n');
  expect.equal(acq(['kcv', '--bytes', '3', '0123456789ABCDEF']).stdout, 'D5D44F\n');
  expect.equal(acq(['pinblock', '--pin', '1234', '--pan', '43219876543210987']).stdout, '0412AC89ABCDEF67\n');
  const encrypted = acq([
    'pinblock',
    '--pin',
    '1234',
    '--pan',
    '43219876543210987',
    '--key',
    '0123456789ABCDEF0123456789ABCDEF',
  ]);
  expect.equal(encrypted.status, 0, encrypted.stderr);
  expect.match(encrypted.stdout, /^[0-9A-F]{16}\n$/);
});

test('mac of a frame covers MTI .. field 63 and --verify checks field 64', () => {
  const unsigned = acq(
    ['iso', 'encode'],
    JSON.stringify({
      tpdu: '6000010000',
      header: '603100000000',
      mti: '0200',
      fields: { '11': '000001', '64': '0000000000000000' },
    }),
  ).stdout.trim();
  const mac = acq(['mac', '--mak', '2222222222222222', unsigned]).stdout.trim();
  expect.match(mac, /^[0-9A-F]{8}$/);
  // The MAB is MTI 0200 + bitmap (with bit 64) + field 11.
  expect.equal(acq(['mac', '--mak', '2222222222222222', '--mab', '02000020000000000001000001']).stdout.trim(), mac);
  const signed = `${unsigned.slice(0, -16)}${Buffer.from(mac, 'latin1').toString('hex').toUpperCase()}`;
  expect.equal(acq(['mac', '--verify', '--mak', '2222222222222222', signed]).status, 0);
  const mismatch = acq(['mac', '--verify', '--mak', '2222222222222222', unsigned]);
  expect.equal(mismatch.status, 1);
  expect.match(mismatch.stderr, /does not match/);
});

test('bad input gets a clear message and a non-zero exit', () => {
  const truncated = acq(['iso', 'decode', SIGN_IN_FRAME.slice(0, 60)]);
  expect.equal(truncated.status, 1);
  expect.match(truncated.stderr, /^acq iso: TRUNCATED: /);
  expect.equal(acq(['iso', 'decode', 'XYZ']).status, 2);
  expect.equal(acq(['iso', 'decode']).status, 2);
  expect.equal(acq(['iso', 'frobnicate', '00']).status, 2);
  expect.equal(acq(['iso', 'encode'], 'not json').status, 2);
  const badField = acq(['iso', 'encode'], JSON.stringify({ mti: '0200', fields: { '5': '1' } }));
  expect.equal(badField.status, 1);
  expect.match(badField.stderr, /UNKNOWN_FIELD/);
  expect.equal(acq(['kcv', '0123']).status, 2);
  expect.equal(acq(['kcv', '--bogus', '0123456789ABCDEF']).status, 2);
  const shortPin = acq(['pinblock', '--pin', '12', '--pan', '43219876543210987']);
  expect.equal(shortPin.status, 1);
  expect.match(shortPin.stderr, /BAD_PIN/);
  expect.ok(!shortPin.stderr.includes('43219876543210987'));
  expect.equal(acq(['mac', '--mak', '22', '--mab', '00']).status, 2);
  expect.equal(acq(['nope']).status, 2);
  expect.equal(acq([]).status, 2);
  const help = acq(['help']);
  expect.equal(help.status, 0);
  expect.match(help.stdout, /iso .*\n.*mac .*\n.*kcv .*\n.*pinblock/);
  expect.equal(acq(['iso', '--help']).status, 0);
});
