/** Builds a settlement context on a fresh Postgres schema with a fake bank, card registry, merchant directory and a manual clock. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureBusTables } from '@acq/bus';
import { runMigrations } from '@acq/db';
import { type GrpcServerHandle, startGrpcServer } from '@acq/grpc';
import { SettlementServiceService } from '@acq/proto/settlement/v1/settlement.ts';
import { type Fen, fen } from '@acq/money';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import type pg from 'pg';
import { BusinessCalendar, type CalendarData } from '../../src/domain/calendar.ts';
import type {
  MerchantProfile,
  SettlementCard,
  TransactionEvent,
  TransactionKind,
} from '../../src/domain/settlement-events.ts';
import type { SettlementContext } from '../../src/flows/settlement-context.ts';
import { type ErrorLogger, settlementGrpcService } from '../../src/transport/grpc-service.ts';
import { FakeBank } from './fake-bank.ts';
import { checkLedgerInvariants } from './ledger-invariants.ts';

export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../../migrations', import.meta.url));
export const CALENDAR_DATA = JSON.parse(
  readFileSync(new URL('../../data/calendar-cn.json', import.meta.url), 'utf8'),
) as CalendarData;

export class ManualClock {
  #nowMs: number;
  constructor(startMs: number) {
    this.#nowMs = startMs;
  }
  nowMs(): number {
    return this.#nowMs;
  }
  set(isoInstant: string): void {
    this.#nowMs = Date.parse(isoInstant);
  }
  advance(ms: number): void {
    this.#nowMs += ms;
  }
}

export type Harness = {
  readonly database: TestDatabase;
  readonly schema: string;
  readonly pool: pg.Pool;
  readonly bank: FakeBank;
  readonly clock: ManualClock;
  readonly context: SettlementContext;
  readonly profiles: Map<string, MerchantProfile>;
  readonly cards: Map<string, SettlementCard>;
  addMerchant(merchantId: string, options?: Partial<MerchantProfile>): MerchantProfile;
  event(
    kind: TransactionKind,
    txnId: string,
    merchantId: string,
    amountFen: number,
    extra?: Partial<TransactionEvent>,
  ): TransactionEvent;
  checkInvariants(): Promise<void>;
  close(): Promise<void>;
};

export async function createHarness(startIso = '2026-03-02T02:00:00Z'): Promise<Harness> {
  const database = await testDatabase();
  const schema = await database.createSchema('settlement');
  const pool = database.createPool(schema);
  await runMigrations(pool, { schema, directory: MIGRATIONS_DIRECTORY });
  // The outbox (settlement.events), inbox and dead letters, as createBusFromEnv makes them.
  await ensureBusTables(pool, schema);
  const bank = new FakeBank();
  const clock = new ManualClock(Date.parse(startIso));
  const profiles = new Map<string, MerchantProfile>();
  const cards = new Map<string, SettlementCard>();
  const calendar = new BusinessCalendar(CALENDAR_DATA, []);
  const context: SettlementContext = {
    pool,
    calendar: () => calendar,
    cutoffMinuteOfDay: 23 * 60,
    merchants: { merchantProfile: async (merchantId) => profiles.get(merchantId) },
    cards: { activeCard: async (merchantId) => cards.get(merchantId) },
    bank,
    clock,
  };
  let eventSequence = 0;
  return {
    database,
    schema,
    pool,
    bank,
    clock,
    context,
    profiles,
    cards,
    addMerchant(merchantId, options = {}) {
      const profile: MerchantProfile = {
        merchantId,
        merchantNumber: `8983100581${String(profiles.size).padStart(5, '0')}`,
        merchantName: `Shop ${merchantId}`,
        feePlan: {
          category: 'standard',
          debitRateUnits: 6000n,
          debitCapFen: fen(2000),
          creditRateUnits: 6000n,
          t0RateUnits: 0n,
          t0FixedFen: fen(200),
        },
        t0Enabled: false,
        t0SingleLimitFen: fen(5_000_000),
        t0DailyQuotaFen: fen(20_000_000),
        t0SuspendedUntilMs: null,
        contextVersion: 1n,
        ...options,
      };
      profiles.set(merchantId, profile);
      cards.set(merchantId, {
        cardToken: `tok_${merchantId}`,
        accountNumberEncrypted: `enc_${merchantId}`,
        holderName: `Holder ${merchantId}`,
        bankCode: '0102',
        cardVersion: 1n,
      });
      return profile;
    },
    event(kind, txnId, merchantId, amountFen, extra = {}) {
      eventSequence += 1;
      return {
        eventId: `evt_${txnId}_${eventSequence}`,
        txnId,
        merchantId,
        merchantNumber: profiles.get(merchantId)?.merchantNumber ?? '898310058100000',
        terminalId: 'T0000001',
        kind,
        amountFen: fen(amountFen) as Fen,
        cardKind: 'debit',
        rrn: txnId.slice(-12).padStart(12, '0'),
        authCode: '123456',
        stan: String(eventSequence).padStart(6, '0'),
        batchNumber: '000001',
        occurredAtMs: clock.nowMs(),
        originalTxnId: null,
        ...extra,
      };
    },
    checkInvariants: () => checkLedgerInvariants(pool, bank),
    close: () => database.close(),
  };
}

/** Runs the payout worker until nothing is due now, advancing the clock past retry delays up to `maxPasses`. */
export async function drainPayouts(
  harness: Harness,
  advance: (pass: number) => Promise<number>,
  maxPasses = 50,
): Promise<void> {
  for (let pass = 0; pass < maxPasses; pass += 1) {
    const advanced = await advance(pass);
    const open = await harness.pool.query(
      `SELECT 1 FROM payouts WHERE state IN ('created', 'submitting', 'submitted', 'retry_wait') LIMIT 1`,
    );
    if (open.rowCount === 0) return;
    if (advanced === 0) harness.clock.advance(31_000);
  }
  throw new Error('payouts did not settle within the pass limit');
}

/** Settlement's gRPC service over the harness on a free local port, with empty network files. */
export function startHarnessGrpcServer(harness: Harness, logger: ErrorLogger): Promise<GrpcServerHandle> {
  return startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    services: [
      {
        definition: SettlementServiceService,
        implementation: settlementGrpcService({
          context: harness.context,
          networkFiles: {
            clearingFile: async () => 'H|CLEARING|20260302|48020000|0\nT|0|0|0\n',
            disputeFile: async () => 'H|DISPUTES|20260302|0\nT|0|0\n',
          },
          reloadCalendar: async () => undefined,
          logger,
        }),
      },
    ],
  });
}
