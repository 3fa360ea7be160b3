/**
 * Starts a real merchant service (own Postgres schema, own bus schema, gRPC on a free port) and a
 * client, for integration tests. The clock is adjustable so expiry paths run without waiting.
 */
import { Writable } from 'node:stream';
import { callUnary, createClient } from '@acq/grpc';
import { MerchantServiceClient } from '@acq/proto/merchant/v1/merchant.ts';
import { createLogger } from '@acq/telemetry';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import { type RunningMerchantService, startMerchantService } from '../src/start-merchant-service.ts';

export const MASTER_KEY_HEX = '0123456789ABCDEFFEDCBA9876543210';

export interface MerchantHarness {
  readonly service: RunningMerchantService;
  readonly client: MerchantServiceClient;
  readonly address: string;
  readonly clock: { offsetMs: number };
  readonly schema: string;
  call<Request, Response>(
    method: (
      request: Request,
      metadata: import('@grpc/grpc-js').Metadata,
      options: Partial<import('@grpc/grpc-js').CallOptions>,
      callback: (error: import('@grpc/grpc-js').ServiceError | null, response: Response) => void,
    ) => unknown,
    request: Request,
  ): Promise<Response>;
  close(): Promise<void>;
}

const silent = new Writable({
  write(_chunk, _encoding, callback) {
    callback();
  },
});

export async function startMerchantHarness(): Promise<MerchantHarness> {
  const database: TestDatabase = await testDatabase();
  const schema = await database.createSchema('merchant_test');
  const busSchema = await database.createSchema('merchant_test_bus');
  const clock = { offsetMs: 0 };
  const service = await startMerchantService({
    databaseUrl: database.url,
    schema,
    busSchema,
    busEnv: {},
    masterKeyHex: MASTER_KEY_HEX,
    grpcPort: 0,
    logger: createLogger({ service: 'merchant-test', level: 'error', destination: silent }),
    nowMs: () => Date.now() + clock.offsetMs,
    settings: {
      acquirerCode: '898',
      activationCodeSecret: Buffer.alloc(32, 9),
      qrBaseUrl: 'https://qr.test/q',
      activationCodeTimeToLiveMs: 3_600_000,
      activationAttemptsMax: 3,
      terminalsPerMerchantMax: 5,
    },
  });
  const address = `127.0.0.1:${service.grpcPort}`;
  const client = createClient(MerchantServiceClient, address);
  return {
    service,
    client,
    address,
    clock,
    schema,
    call: (method, request) => callUnary(method.bind(client), request, { timeoutMs: 5_000 }),
    async close() {
      client.close();
      await service.stop(1_000);
      await database.close();
    },
  };
}

/** Valid application data; tests override fields. Each call gets a distinct ID number and licence. */
let applicantSequence = 0;
const ID_PREFIXES = ['11010519491231', '44030419900307', '31011519851112', '51010719780615'];

export function residentId(index: number): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const base = `${ID_PREFIXES[index % ID_PREFIXES.length]}${String(100 + (index % 900)).padStart(3, '0')}`;
  let sum = 0;
  for (let position = 0; position < 17; position += 1) sum += Number(base[position]) * (weights[position] ?? 0);
  return `${base}${'10X98765432'[sum % 11]}`;
}

export function applicationRequest(overrides: Record<string, unknown> = {}) {
  applicantSequence += 1;
  return {
    merchantType: 'individual',
    legalName: '张三',
    idNumber: residentId(applicantSequence),
    phone: '13800138000',
    businessName: '张三小吃店',
    businessAddress: '深圳市南山区科技园路1号',
    areaCode: '5840',
    mcc: '5812',
    businessLicenceNumber: '',
    settlementCardNumber: '6222021234567890128',
    actor: { subject: 'applicant', role: 'merchant' },
    ...overrides,
  };
}

export const OPERATOR = { subject: 'op_test', role: 'operator' } as const;
