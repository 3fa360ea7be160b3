/**
 * A QR module over a throw-away Postgres schema (authorization migrations + bus tables) and the real
 * network-sim in a child process, with a local HTTP receiver that hands the providers' signed
 * callbacks to the callback flow. Merchant and risk are fakes (they are other services).
 */
import { once } from 'node:events';
import { createServer, type RequestListener } from 'node:http';
import { ensureBusTables } from '@acq/bus';
import { ServiceError } from '@acq/grpc';
import { runMigrations } from '@acq/db';
import { fen } from '@acq/money';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import type pg from 'pg';
import { type NetworkSimProcess, startNetworkSim } from '../../clients/upstream/testing/network-sim-process.ts';
import type {
  MerchantContextPort,
  RiskAssessment,
  RiskDecision,
  RiskPort,
  TerminalContext,
} from '../../flows/ports.ts';
import { MIGRATIONS_DIRECTORY } from '../../start-authorization-service.ts';
import { handleCallback } from '../flows/qr-callbacks.ts';
import { createQrModule, type QrModule } from '../qr-module.ts';

export const TEST_TERMINAL: TerminalContext = {
  terminalId: '10000001',
  serialNumber: 'SN1',
  merchantId: 'mch_abcdefghijklmnopqrst',
  merchantNumber: '898310053110001',
  merchantName: 'Test shop',
  mcc: '5311',
  areaCode: '3100',
  merchantType: 'individual',
  merchantStatus: 'active',
  terminalStatus: 'activated',
  boundAtMs: 0,
  reboundAtMs: 0,
  signedIn: true,
  batchNumber: '000001',
  pikUnderMasterKey: '',
  makUnderMasterKey: '',
  t0Enabled: true,
  feePlan: {
    category: 'standard',
    debitRateUnits: 6000n,
    debitCapFen: fen(2000),
    creditRateUnits: 6000n,
    t0RateUnits: 1000n,
    t0FixedFen: fen(200),
  },
  location: { latitudeE6: 0, longitudeE6: 0, areaCode: '3100' },
  contextVersion: 1n,
};

export class FakeRisk implements RiskPort {
  readonly assessed: RiskAssessment[] = [];
  readonly confirmed: string[] = [];
  readonly released: string[] = [];
  declineNext = false;
  async assess(input: RiskAssessment): Promise<RiskDecision> {
    this.assessed.push(input);
    if (this.declineNext) {
      this.declineNext = false;
      return { outcome: 'decline', responseCode: '61', firedRules: ['limit.single'] };
    }
    return { outcome: 'approve', reservationId: `res_${this.assessed.length}`, firedRules: [] };
  }
  async release(reservationId: string): Promise<void> {
    this.released.push(reservationId);
  }
  async confirm(reservationId: string): Promise<void> {
    this.confirmed.push(reservationId);
  }
}

const merchants: MerchantContextPort = {
  async getTerminalContext(terminalId) {
    return terminalId === TEST_TERMINAL.terminalId ? { kind: 'found', context: TEST_TERMINAL } : { kind: 'not_found' };
  },
  async setTerminalBatch() {
    return true;
  },
};

export interface QrTestBed {
  readonly sim: NetworkSimProcess;
  readonly pool: pg.Pool;
  readonly module: QrModule;
  readonly risk: FakeRisk;
  readonly callbackStatuses: number[];
  outboxEvents(): Promise<{ event_type: string; event_key: string }[]>;
  close(): Promise<void>;
}

const CALLBACK_SECRET = 'dev-wallet-callback-secret';

function callbackListener(holder: { module?: QrModule }, statuses: number[]): RequestListener {
  return (request, response) => {
    const module = holder.module;
    if (module === undefined) {
      response.writeHead(503).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const provider = (request.url ?? '').split('/').at(-1) ?? '';
      const header = (name: string) => String(request.headers[name] ?? '');
      handleCallback(module.deps, {
        provider,
        timestamp: header('x-sim-timestamp'),
        nonce: header('x-sim-nonce'),
        signature: header('x-sim-signature'),
        body: Buffer.concat(chunks),
      }).then(
        () => {
          statuses.push(200);
          response.writeHead(200).end('{"code":"SUCCESS"}');
        },
        (error: unknown) => {
          const status = error instanceof ServiceError && error.code === 'UNAUTHENTICATED' ? 401 : 400;
          statuses.push(status);
          response.writeHead(status).end();
        },
      );
    });
  };
}

export async function startQrTestBed(): Promise<QrTestBed> {
  const database: TestDatabase = await testDatabase();
  const schema = await database.createSchema('qr');
  const pool = database.createPool(schema, { poolSizeMax: 6 });
  await runMigrations(pool, { schema, directory: MIGRATIONS_DIRECTORY });
  await ensureBusTables(pool, schema);
  const sim = await startNetworkSim();
  const risk = new FakeRisk();
  const statuses: number[] = [];
  const holder: { module?: QrModule } = {};
  const receiver = createServer(callbackListener(holder, statuses));
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const address = receiver.address();
  if (address === null || typeof address !== 'object') throw new Error('no callback address');
  const module = createQrModule({
    pool,
    config: {
      walletBaseUrl: sim.httpUrl,
      callbackUrlTemplate: `http://127.0.0.1:${address.port}/v1/qr/callbacks/{provider}`,
      callbackSecret: CALLBACK_SECRET,
    },
    merchants,
    risk,
    settings: { riskTimeoutMs: 50, riskFailOpen: false, merchantCallTimeoutMs: 1_000 },
    logger: { info() {}, warn() {}, error() {}, debug() {} } as never,
  });
  holder.module = module;
  return {
    sim,
    pool,
    module,
    risk,
    callbackStatuses: statuses,
    async outboxEvents() {
      const result = await pool.query<{ event_type: string; event_key: string }>(
        'SELECT event_type, event_key FROM outbox ORDER BY occurred_at',
      );
      return result.rows;
    },
    async close() {
      await module.stop();
      receiver.close();
      await sim.stop();
      await database.close();
    },
  };
}
