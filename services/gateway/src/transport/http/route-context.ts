/**
 * What every route plugin receives: the gRPC clients of the services behind the edge and a caller
 * with an explicit deadline. Other areas add their client to HttpClients from their own route file
 * with declaration merging, e.g. in routes/settlement.ts:
 *
 *   declare module '../route-context.ts' { interface HttpClients { settlement: SettlementServiceClient } }
 *
 * and list their plugin in routes/index.ts.
 */
import { callUnary, type UnaryMethod } from '@acq/grpc';
import type { MerchantServiceClient } from '@acq/proto/merchant/v1/merchant.ts';
import type { Client } from '@grpc/grpc-js';
import type { FastifyPluginAsync } from 'fastify';

export interface HttpClients {
  readonly merchant: MerchantServiceClient;
}

export interface RouteContext {
  readonly clients: HttpClients;
  /** Calls a unary RPC of `client` with the edge's per-call deadline. */
  call<Request, Response>(client: Client, method: UnaryMethod<Request, Response>, request: Request): Promise<Response>;
}

export type RoutePlugin = FastifyPluginAsync<RouteContext>;

export function createRouteContext(clients: HttpClients, callTimeoutMs: number): RouteContext {
  return {
    clients,
    call: (client, method, request) => callUnary(method.bind(client), request, { timeoutMs: callTimeoutMs }),
  };
}
