/**
 * CPU per transaction of the gateway's terminal path, in process: frame decode, request parsing,
 * context look-up, MAC verification, rate check, the authorization call, the response, its MAC and
 * encoding, with the service's real metrics and tracing providers. Authorization and the merchant
 * service are in-process doubles that answer at once, and no socket is involved, so the figure is
 * the gateway's own work (gRPC, protobuf and socket writes come on top in production).
 *
 * Usage: node bench/terminal-path-bench.ts [transactions] (prints CPU us per transaction, best of 5).
 */
import { Writable } from 'node:stream';
import { SoftwareHsm } from '@acq/crypto';
import {
  cupPosSpec,
  decodeTerminalFrameIndexed,
  encodeTerminalFrameWithMac,
  samplePurchaseRequest,
} from '@acq/iso8583';
import { AuthorizeResponse } from '@acq/proto/authorization/v1/authorization.ts';
import { TerminalContext } from '@acq/proto/merchant/v1/merchant.ts';
import { createLogger, createMetrics, createTracing } from '@acq/telemetry';
import type { AuthorizationPort } from '../src/clients/authorization-client.ts';
import type { MerchantPort } from '../src/clients/merchant-client.ts';
import { TerminalContextCache } from '../src/clients/terminal-contexts.ts';
import { KeyedRateLimit } from '../src/domain/keyed-rate-limit.ts';
import { createTerminalHandler } from '../src/transport/tcp/terminal-handler.ts';
import { UnknownOutcomeReversals } from '../src/transport/tcp/unknown-outcome-reversals.ts';

const TRANSACTIONS = Number(process.argv[2] ?? 20_000);
const ROUNDS = 5;
const TERMINALS = 100;
const TPDU = Buffer.from('6000010000', 'hex');
const HEADER = Buffer.from('603100000000', 'hex');

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

const hsm = new SoftwareHsm({ masterKeyHex: '0123456789ABCDEFFEDCBA9876543210' });
const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
const logger = createLogger({ service: 'gateway-bench', level: 'info', destination: silent });
const { meter } = createMetrics('gateway-bench');
createTracing({ service: 'gateway-bench', otlpEndpoint: undefined, sampleRatio: 0.1 });

const tmk = hsm.generateTerminalMasterKey();
const contexts = new Map<string, TerminalContext>();
const frames: Buffer[] = [];
for (let index = 0; index < TERMINALS; index++) {
  const terminalId = `T${String(index).padStart(7, '0')}`;
  const keys = hsm.generateWorkingKeys(tmk.tmkUnderMasterKey, '003');
  contexts.set(
    terminalId,
    TerminalContext.fromPartial({
      terminalId,
      merchantNumber: '898110153110001',
      batchNumber: '000001',
      signedIn: true,
      pikUnderMasterKey: keys.pikUnderMasterKey,
      makUnderMasterKey: keys.makUnderMasterKey,
      contextVersion: 1n,
    }),
  );
  const message = samplePurchaseRequest();
  message.fields.set(41, terminalId);
  message.fields.set(60, '22000001000500');
  message.fields.delete(64);
  const frame = encodeTerminalFrameWithMac(cupPosSpec, { tpdu: TPDU, header: HEADER, message }, (macInput) =>
    hsm.generateMac(keys.makUnderMasterKey, macInput),
  );
  frames.push(frame.subarray(2));
}

const merchant: MerchantPort = {
  getTerminalContext: async (terminalId) => contexts.get(terminalId),
  signInTerminal: async () => {
    throw new Error('not used');
  },
  signOffTerminal: async () => {},
  setTerminalBatch: async () => {},
  ready: async () => true,
  close: () => {},
};
const authorization: AuthorizationPort = {
  authorize: async (request) =>
    AuthorizeResponse.fromPartial({
      correlationId: request.correlationId,
      responseCode: '00',
      authCode: '123456',
      rrn: `112210${request.stan}`,
      merchantNumber: '898110153110001',
      settlementDateMmdd: '1122',
      iccResponse: Buffer.from('910A1A2B3C4D5E6F708090A08A023030', 'hex'),
    }),
  connected: () => true,
  close: () => {},
};
const handle = createTerminalHandler({
  hsm,
  contexts: new TerminalContextCache({ fetch: merchant.getTerminalContext, entriesMax: 1_000, ttlMs: 3_600_000 }),
  merchant,
  authorization,
  reversals: new UnknownOutcomeReversals(authorization, logger),
  acquirerId: '48020000',
  logger,
  meter,
  rateLimit: new KeyedRateLimit({ requestsPerSecond: 1e9, burst: 1e9, keysMax: 1_000 }),
});

/** Decodes each frame as the TCP server does and awaits its reply, 100 transactions at a time. */
async function run(transactions: number): Promise<number> {
  const before = process.cpuUsage();
  let replyBytes = 0;
  for (let done = 0; done < transactions; done += TERMINALS) {
    const replies = frames.map((body) => handle(decodeTerminalFrameIndexed(cupPosSpec, body), Date.now()));
    for (const reply of await Promise.all(replies)) replyBytes += reply.length;
  }
  const cpu = process.cpuUsage(before);
  if (replyBytes === 0) throw new Error('no replies');
  return (cpu.user + cpu.system) / transactions;
}

const sample = await handle(decodeTerminalFrameIndexed(cupPosSpec, frames[0] as Buffer), Date.now());
const sampleCode = decodeTerminalFrameIndexed(cupPosSpec, sample.subarray(2)).message.fieldValues[39];
if (sampleCode !== '00') throw new Error(`the sample purchase was answered ${String(sampleCode)}, not 00`);
await run(TRANSACTIONS);
const perTransactionUs: number[] = [];
for (let round = 0; round < ROUNDS; round++) perTransactionUs.push(await run(TRANSACTIONS));
perTransactionUs.sort((left, right) => left - right);
print(
  `gateway terminal path: ${perTransactionUs.map((us) => us.toFixed(1)).join(' / ')} us CPU per transaction ` +
    `(sorted, ${ROUNDS} rounds of ${TRANSACTIONS}), median ${perTransactionUs[2]?.toFixed(1)} us`,
);
process.exit(0);
