// Goal: the multiplexed stream matches answers to requests under concurrency, times out, survives a
// server restart, and unary refusals keep their code; method: a real grpc-js server on loopback
// with a JSON-serialised test service.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import {
  type Client,
  makeGenericClientConstructor,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type sendUnaryData,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import {
  callUnary,
  createClient,
  ServiceError,
  serveMultiplexedStream,
  startGrpcServer,
  StreamMultiplexer,
  StreamOutcomeUnknownError,
  StreamUnavailableError,
  toGrpcError,
  type UnaryMethod,
} from '../src/index.ts';

interface Echo {
  id: string;
  value: number;
  delayMs: number;
}

const json = {
  serialize: (value: Echo) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(String(bytes)) as Echo,
};

const definition: ServiceDefinition = {
  exchange: {
    path: '/test.Echo/Exchange',
    requestStream: true,
    responseStream: true,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
  once: {
    path: '/test.Echo/Once',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};

type EchoClient = Client & {
  exchange(): ReturnType<Client['makeBidiStreamRequest']>;
  once: UnaryMethod<Echo, Echo>;
};
const EchoClientConstructor = makeGenericClientConstructor(definition, 'Echo') as unknown as new (
  ...args: ConstructorParameters<ReturnType<typeof makeGenericClientConstructor>>
) => EchoClient;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startEchoServer(port: number) {
  return startGrpcServer({
    host: '127.0.0.1',
    port,
    services: [
      {
        definition,
        implementation: {
          exchange(call: ServerDuplexStream<Echo, Echo>) {
            serveMultiplexedStream(call, {
              concurrencyMax: 2_000,
              handle: async (request) => {
                await sleep(request.delayMs);
                return { ...request, value: request.value * 2 };
              },
              overloaded: (request) => ({ ...request, value: -1 }),
              failed: (request) => ({ ...request, value: -2 }),
            });
          },
          once(call: ServerUnaryCall<Echo, Echo>, callback: sendUnaryData<Echo>) {
            if (call.request.value < 0) {
              callback(toGrpcError(new ServiceError('FAILED_PRECONDITION', 'negative', { responseCode: '58' })));
              return;
            }
            callback(null, call.request);
          },
        },
      },
    ],
  });
}

function multiplexer(client: EchoClient) {
  return new StreamMultiplexer<Echo, Echo>({
    open: () => client.exchange() as never,
    correlationIdOf: (response) => response.id,
    inFlightMax: 5_000,
    streamCount: 2,
    reconnectDelayMsMin: 20,
    reconnectDelayMsMax: 200,
  });
}

test('1,000 concurrent requests each get their own answer; late answers time out', async () => {
  const server = await startEchoServer(0);
  const client = createClient(EchoClientConstructor, `127.0.0.1:${server.port}`);
  const streams = multiplexer(client);
  await sleep(100);
  const answers = await Promise.all(
    Array.from({ length: 1_000 }, (_, value) =>
      streams.request(`r${value}`, { id: `r${value}`, value, delayMs: value % 7 }, 5_000),
    ),
  );
  for (const [value, answer] of answers.entries()) {
    expect.deepEqual(answer, { id: `r${value}`, value: value * 2, delayMs: value % 7 });
  }
  await expect.rejects(streams.request('slow', { id: 'slow', value: 1, delayMs: 300 }, 50), StreamOutcomeUnknownError);
  expect.equal(streams.inFlight, 0);
  streams.close();
  client.close();
  await server.shutdown(1_000);
});

test('a restarted server is reconnected; requests without a stream are refused, not queued', async () => {
  const first = await startEchoServer(0);
  const port = first.port;
  const client = createClient(EchoClientConstructor, `127.0.0.1:${port}`);
  const streams = multiplexer(client);
  await sleep(100);
  expect.equal((await streams.request('a', { id: 'a', value: 2, delayMs: 0 }, 1_000)).value, 4);
  const inFlight = expect.rejects(
    streams.request('b', { id: 'b', value: 2, delayMs: 500 }, 5_000),
    StreamOutcomeUnknownError,
  );
  await sleep(50);
  await first.shutdown(0);
  await inFlight;
  await expect.rejects(streams.request('c', { id: 'c', value: 1, delayMs: 0 }, 1_000), StreamUnavailableError);
  const second = await startEchoServer(port);
  let answered = false;
  for (let attempt = 0; attempt < 50 && !answered; attempt++) {
    await sleep(50);
    answered = await streams.request(`d${attempt}`, { id: `d${attempt}`, value: 3, delayMs: 0 }, 1_000).then(
      (response) => response.value === 6,
      () => false,
    );
  }
  expect.ok(answered, 'the multiplexer reconnected to the restarted server');
  streams.close();
  client.close();
  await second.shutdown(1_000);
});

test('unary refusals keep their code and field-39 response code', async () => {
  const server = await startEchoServer(0);
  const client = createClient(EchoClientConstructor, `127.0.0.1:${server.port}`);
  const ok = await callUnary(client.once.bind(client), { id: 'x', value: 1, delayMs: 0 }, { timeoutMs: 1_000 });
  expect.equal(ok.value, 1);
  await expect.rejects(
    callUnary(client.once.bind(client), { id: 'y', value: -1, delayMs: 0 }, { timeoutMs: 1_000 }),
    (error: unknown) =>
      error instanceof ServiceError && error.code === 'FAILED_PRECONDITION' && error.responseCode === '58',
  );
  client.close();
  await server.shutdown(1_000);
});
