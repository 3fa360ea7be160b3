/**
 * Runs the card registry against real neighbours: Postgres (own schemas), the merchant service
 * in-process (onboarding and its merchant.events), network-sim as a child process (identity, SMS, bank),
 * and the durable Postgres event log in its own schema. The clock of both services is adjustable so
 * expiry and cooldown paths run without waiting; every log line the registry writes is kept for the
 * "no card number in the logs" check.
 */
import { randomInt } from 'node:crypto';
import { Writable } from 'node:stream';
import { callUnary, createClient, type UnaryMethod } from '@acq/grpc';
import { type RunningMerchantService, startMerchantService } from '@acq/merchant-service';
import { CardRegistryServiceClient } from '@acq/proto/card_registry/v1/card_registry.ts';
import { MerchantServiceClient } from '@acq/proto/merchant/v1/merchant.ts';
import { createLogger } from '@acq/telemetry';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import type { CardRegistrySettings } from '../../src/flows/ports.ts';
import { type RunningCardRegistryService, startCardRegistryService } from '../../src/start-card-registry-service.ts';
import { type NetworkSimProcess, startNetworkSim } from './network-sim-process.ts';

export const MASTER_KEY_HEX = '0123456789ABCDEFFEDCBA9876543210';
export const CARD_TOKEN_KEY_HEX = '00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF';
export const AGREEMENT_VERSION = 'SCA-TEST-1';
export const OPERATOR = { subject: 'op_test', role: 'operator' } as const;
const CALL_TIMEOUT_MS = 10_000;
const BIND_WAIT_MS = 15_000;
const POLL_INTERVAL_MS = 50;
const DAY_MS = 86_400_000;

export const TEST_SETTINGS: CardRegistrySettings = {
  changeCooldownMs: 30 * DAY_MS,
  t0SuspensionMs: DAY_MS,
  smsCodeTimeToLiveMs: 5 * 60_000,
  smsAttemptsMax: 3,
  verificationAttemptsMax: 3,
  agreementVersion: AGREEMENT_VERSION,
  changeTimeToLiveMs: 2 * DAY_MS,
  lockout: { consecutiveFailuresMax: 3, attemptsPerDayMax: 10, lockoutMs: 12 * 3_600_000 },
};

export type Person = { readonly name: string; readonly idNumber: string; readonly phone: string };

export interface Harness {
  readonly registry: RunningCardRegistryService;
  readonly merchantService: RunningMerchantService;
  readonly sim: NetworkSimProcess;
  readonly database: TestDatabase;
  readonly schemas: { readonly registry: string; readonly merchant: string; readonly bus: string };
  readonly clock: { offsetMs: number };
  readonly logLines: string[];
  call<Request, Response>(method: UnaryMethod<Request, Response>, request: Request): Promise<Response>;
  readonly client: CardRegistryServiceClient;
  newPerson(name: string): Person;
  createSimCard(holder: Person, kind?: 'debit' | 'credit', holderName?: string): Promise<string>;
  onboardMerchant(holder: Person, cardNumber: string): Promise<string>;
  waitForActiveCard(merchantId: string): Promise<void>;
  latestSmsCode(phone: string): Promise<string>;
  smsTexts(phone: string): Promise<string[]>;
  microDepositFen(cardNumber: string): Promise<bigint>;
  close(): Promise<void>;
}

/** A valid 18-character resident ID number (GB 11643 check character) that no other test uses. */
export function residentId(): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const base = `1101011990${String(randomInt(1, 13)).padStart(2, '0')}${String(randomInt(1, 29)).padStart(2, '0')}${String(randomInt(100, 1000))}`;
  let sum = 0;
  for (let position = 0; position < 17; position += 1) sum += Number(base[position]) * (weights[position] ?? 0);
  return `${base}${'10X98765432'[sum % 11]}`;
}

function silentCollector(lines: string[]): Writable {
  return new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
}

export type Placement = { readonly databaseUrl: string; readonly schemas: Harness['schemas'] };

export type Services = {
  readonly schemas: Harness['schemas'];
  readonly sim: NetworkSimProcess;
  readonly merchantService: RunningMerchantService;
  readonly registry: RunningCardRegistryService;
};

/** network-sim as a child process, the merchant service and the card registry in-process. */
export async function startServices(
  placement: Placement,
  settings: CardRegistrySettings,
  nowMs: () => number,
  logLines: string[],
): Promise<Services> {
  const { databaseUrl, schemas } = placement;
  const sim = await startNetworkSim();
  const merchantService = await startMerchantService({
    databaseUrl,
    schema: schemas.merchant,
    busSchema: schemas.bus,
    busEnv: {},
    masterKeyHex: MASTER_KEY_HEX,
    grpcPort: 0,
    logger: createLogger({ service: 'merchant-test', level: 'error', destination: silentCollector([]) }),
    nowMs,
    settings: {
      acquirerCode: '898',
      activationCodeSecret: Buffer.alloc(32, 9),
      qrBaseUrl: 'https://qr.test/q',
      activationCodeTimeToLiveMs: 3_600_000,
      activationAttemptsMax: 3,
      terminalsPerMerchantMax: 5,
    },
  });
  const registry = await startCardRegistryService({
    databaseUrl,
    schema: schemas.registry,
    busSchema: schemas.bus,
    busEnv: {},
    masterKeyHex: MASTER_KEY_HEX,
    cardTokenKeyHex: CARD_TOKEN_KEY_HEX,
    grpcPort: 0,
    merchantGrpcAddress: `127.0.0.1:${merchantService.grpcPort}`,
    providerBaseUrl: sim.httpUrl,
    settings,
    logger: createLogger({ service: 'card-registry-test', level: 'debug', destination: silentCollector(logLines) }),
    nowMs,
  });
  return { schemas, sim, merchantService, registry };
}

/** What a test reads back from network-sim, as the merchant would see it on its phone and bank app. */
export function simHelpers(sim: NetworkSimProcess) {
  const smsTexts = async (phone: string) => {
    const answer = await sim.request<{ messages: { text: string }[] }>('GET', `/sms?phone=${phone}`);
    return answer.messages.map((message) => message.text);
  };
  return {
    async createSimCard(holder: Person, kind: 'debit' | 'credit' = 'debit', holderName = holder.name) {
      const card = await sim.request<{ pan: string }>('POST', '/cards', {
        pin: '123456',
        expiry: '3012',
        kind,
        balanceFen: '0',
        holderName,
        idNumber: holder.idNumber,
        phone: holder.phone,
        bankName: '中国建设银行',
      });
      return card.pan;
    },
    smsTexts,
    async latestSmsCode(phone: string) {
      const texts = await smsTexts(phone);
      for (let index = texts.length - 1; index >= 0; index -= 1) {
        const match = /验证码 ([0-9]{6})/.exec(texts[index] ?? '');
        if (match?.[1] !== undefined) return match[1];
      }
      throw new Error(`no SMS code was sent to ${phone}`);
    },
    async microDepositFen(cardNumber: string) {
      const answer = await sim.request<{ transfers: { kind: string; amountFen: string }[] }>(
        'GET',
        `/bank/transfers?account=${cardNumber}`,
      );
      const deposit = answer.transfers.filter((transfer) => transfer.kind === 'microDeposit').at(-1);
      if (deposit === undefined) throw new Error('no micro-deposit reached the card');
      return BigInt(deposit.amountFen);
    },
  };
}

/** Onboarding through the real merchant service, and waiting for the bind its event causes. */
export function onboardingHelpers(
  merchantClient: MerchantServiceClient,
  call: Harness['call'],
  client: CardRegistryServiceClient,
) {
  const callMerchant = <Request, Response>(method: UnaryMethod<Request, Response>, request: Request) =>
    callUnary(method.bind(merchantClient), request, { timeoutMs: CALL_TIMEOUT_MS });
  return {
    async onboardMerchant(holder: Person, cardNumber: string) {
      const application = await callMerchant(merchantClient.submitApplication, {
        merchantType: 'individual',
        legalName: holder.name,
        idNumber: holder.idNumber,
        phone: holder.phone,
        businessName: `${holder.name}小吃店`,
        businessAddress: '深圳市南山区科技园路1号',
        areaCode: '5840',
        mcc: '5812',
        businessLicenceNumber: '',
        settlementCardNumber: cardNumber,
        actor: { subject: 'applicant', role: 'merchant' },
      });
      const applicationId = application.applicationId;
      await callMerchant(merchantClient.startApplicationReview, { applicationId, actor: OPERATOR });
      return (await callMerchant(merchantClient.approveApplication, { applicationId, actor: OPERATOR })).merchantId;
    },
    async waitForActiveCard(merchantId: string) {
      const deadline = Date.now() + BIND_WAIT_MS;
      while (Date.now() < deadline) {
        const found = await call(client.getSettlementCard, { merchantId }).then(
          () => true,
          () => false,
        );
        if (found) return;
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      }
      throw new Error(`merchant ${merchantId} got no settlement card from the onboarding event`);
    },
  };
}

export async function startHarness(settings: CardRegistrySettings = TEST_SETTINGS): Promise<Harness> {
  const clock = { offsetMs: 0 };
  const logLines: string[] = [];
  const database = await testDatabase();
  const schemas = {
    registry: await database.createSchema('card_registry_test'),
    merchant: await database.createSchema('card_registry_test_merchant'),
    bus: await database.createSchema('card_registry_test_bus'),
  };
  const placement = { databaseUrl: database.url, schemas };
  const services = await startServices(placement, settings, () => Date.now() + clock.offsetMs, logLines);
  const client = createClient(CardRegistryServiceClient, `127.0.0.1:${services.registry.grpcPort}`);
  const merchantClient = createClient(MerchantServiceClient, `127.0.0.1:${services.merchantService.grpcPort}`);
  const call = <Request, Response>(method: UnaryMethod<Request, Response>, request: Request) =>
    callUnary(method.bind(client), request, { timeoutMs: CALL_TIMEOUT_MS });
  let phoneSequence = randomInt(10_000_000, 90_000_000);
  return {
    ...services,
    database,
    ...simHelpers(services.sim),
    ...onboardingHelpers(merchantClient, call, client),
    clock,
    logLines,
    call,
    client,
    newPerson(name) {
      phoneSequence += 1;
      return { name, idNumber: residentId(), phone: `137${phoneSequence}` };
    },
    async close() {
      client.close();
      merchantClient.close();
      await services.registry.stop(1_000);
      await services.merchantService.stop(1_000);
      await services.sim.stop();
      await database.close();
    },
  };
}
