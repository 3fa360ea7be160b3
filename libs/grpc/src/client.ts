import {
  type CallOptions,
  type ChannelOptions,
  type Client,
  credentials,
  Metadata,
  type ServiceError as GrpcServiceError,
} from '@grpc/grpc-js';
import { injectTraceContext } from '@acq/telemetry';
import { fromGrpcError } from './errors.ts';

/**
 * Channel settings shared by clients and servers: keepalive pings detect a dead peer within
 * seconds instead of the OS TCP timeout; message size is capped well above any contract message.
 */
export const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.max_pings_without_data': 0,
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
  'grpc.max_send_message_length': 4 * 1024 * 1024,
};

type ClientConstructor<C extends Client> = new (
  address: string,
  channelCredentials: ReturnType<typeof credentials.createInsecure>,
  options?: ChannelOptions,
) => C;

/** One long-lived channel per peer; clients are created once at start-up, never per request. */
export function createClient<C extends Client>(clientConstructor: ClientConstructor<C>, address: string): C {
  return new clientConstructor(address, credentials.createInsecure(), CHANNEL_OPTIONS);
}

export type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: GrpcServiceError | null, response: Response) => void,
) => unknown;

/** A unary call with an explicit deadline and the active trace context; refusals arrive as ServiceError. */
export function callUnary<Request, Response>(
  method: UnaryMethod<Request, Response>,
  request: Request,
  options: { timeoutMs: number },
): Promise<Response> {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(injectTraceContext({}))) metadata.set(key, value);
  return new Promise((resolve, reject) => {
    method(request, metadata, { deadline: Date.now() + options.timeoutMs }, (error, response) => {
      if (error === null) resolve(response);
      else reject(fromGrpcError(error));
    });
  });
}

/** Readiness probe for a peer: true once the channel is connected (it connects on demand). */
export function channelReady(client: Client, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    client.waitForReady(Date.now() + timeoutMs, (error) => resolve(error === undefined || error === null));
  });
}
