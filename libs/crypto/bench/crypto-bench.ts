/**
 * Measures the hot-path crypto: the CUP ECB MAC of a purchase-sized MAB with a cached cipher
 * (DesEcbKey, what SoftwareHsm keeps per key) against a new createCipheriv per MAC, and the HSM's
 * generateMac / translatePinBlock with warm key caches. Figures are operations per CPU second.
 * Run: `npm run bench` in libs/crypto.
 */
import { createCipheriv } from 'node:crypto';
import {
  cupEcbMac,
  DesEcbKey,
  expandTo3DesKey,
  pinBlockFormat0,
  SoftwareHsm,
  tripleDesEncryptEcb,
  unwrapSignInKeys,
} from '../src/index.ts';

/** Bench output goes to stdout as plain lines (the lint keeps console out of library code). */
function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

const MEASURE_MS = Number(process.argv[2] ?? 1000);
const BATCH = 200;

function perCpuSecond(operation: () => void): number {
  for (let index = 0; index < BATCH * 20; index++) operation();
  const before = process.cpuUsage();
  const deadline = performance.now() + MEASURE_MS;
  let operations = 0;
  while (performance.now() < deadline) {
    for (let index = 0; index < BATCH; index++) operation();
    operations += BATCH;
  }
  const cpu = process.cpuUsage(before);
  return operations / ((cpu.user + cpu.system) / 1e6);
}

/** The same MAC with a fresh cipher object per encryption, the slow way. */
function cupEcbMacUncached(mak: Buffer, mab: Buffer): Buffer {
  const expanded = expandTo3DesKey(mak);
  const encrypt = (block: Buffer) => createCipheriv('des-ede3-ecb', expanded, null).setAutoPadding(false).update(block);
  const folded = Buffer.alloc(8);
  for (let index = 0; index < mab.length; index++)
    folded[index & 7] = (folded[index & 7] as number) ^ (mab[index] as number);
  const hex = Buffer.from(folded.toString('hex').toUpperCase(), 'latin1');
  const first = encrypt(hex.subarray(0, 8));
  for (let index = 0; index < 8; index++) first[index] = (first[index] as number) ^ (hex[8 + index] as number);
  return Buffer.from(encrypt(first).toString('hex', 0, 4).toUpperCase(), 'latin1');
}

const mak = Buffer.from('2222222222222222', 'hex');
const mab = Buffer.alloc(216, 0x5a);
const cached = new DesEcbKey(mak, { cbcChain: true });
if (!cupEcbMacUncached(mak, mab).equals(cupEcbMac(cached, mab))) throw new Error('MAC implementations disagree');

const hsm = new SoftwareHsm({ masterKeyHex: '0123456789ABCDEFFEDCBA9876543210' });
const tmk = hsm.generateTerminalMasterKey();
const keys = hsm.generateWorkingKeys(tmk.tmkUnderMasterKey, '003');
const clear = unwrapSignInKeys(Buffer.from(tmk.tmkClearForDelivery, 'hex'), keys.field62, '003');
const zpk = hsm.importKey('89ABCDEF0123456776543210FEDCBA98', 'ZPK').keyUnderMasterKey;
const pan = '6222021234567890123';
const pinBlock = tripleDesEncryptEcb(clear.pik, pinBlockFormat0('123456', pan));

const rows: Array<[string, number]> = [
  ['cupEcbMac, cached DesEcbKey', perCpuSecond(() => cupEcbMac(cached, mab))],
  ['cupEcbMac, createCipheriv per block', perCpuSecond(() => cupEcbMacUncached(mak, mab))],
  ['SoftwareHsm.generateMac (warm cache)', perCpuSecond(() => hsm.generateMac(keys.makUnderMasterKey, mab))],
  [
    'SoftwareHsm.translatePinBlock',
    perCpuSecond(() => hsm.translatePinBlock(keys.pikUnderMasterKey, pinBlock, pan, zpk)),
  ],
];
print(`Node ${process.version}, MAB of ${mab.length} bytes, operations per CPU second`);
for (const [name, rate] of rows) print(`${name.padEnd(40)} ${Math.round(rate).toLocaleString('en-US').padStart(10)}`);
