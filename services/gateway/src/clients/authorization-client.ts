import { callUnary, createClient, StreamMultiplexer, StreamUnavailableError } from '@acq/grpc';
import {
  type AuthorizeRequest,
  type AuthorizeResponse,
  AuthorizationServiceClient,
} from '@acq/proto/authorization/v1/authorization.ts';
import {
  AUTHORIZATION_IN_FLIGHT_MAX,
  STREAM_RECONNECT_DELAY_MS_MAX,
  STREAM_RECONNECT_DELAY_MS_MIN,
} from '../limits.ts';

export interface AuthorizationPort {
  /** Resolves with the answer; rejects when the outcome is unknown (the caller must reverse). */
  authorize(request: AuthorizeRequest, timeoutMs: number): Promise<AuthorizeResponse>;
  connected(): boolean;
  close(): void;
}

/**
 * Authorization over long-lived bidirectional streams (the hot path), falling back to the unary
 * call only when no stream is connected: a request that was never sent can safely take the other
 * road, one that was sent and not answered cannot.
 */
export function createAuthorizationClient(address: string, streamCount: number): AuthorizationPort {
  const client = createClient(AuthorizationServiceClient, address);
  const streams = new StreamMultiplexer<AuthorizeRequest, AuthorizeResponse>({
    open: () => client.authorize(),
    correlationIdOf: (response) => response.correlationId,
    inFlightMax: AUTHORIZATION_IN_FLIGHT_MAX,
    streamCount,
    reconnectDelayMsMin: STREAM_RECONNECT_DELAY_MS_MIN,
    reconnectDelayMsMax: STREAM_RECONNECT_DELAY_MS_MAX,
  });
  return {
    async authorize(request, timeoutMs) {
      try {
        return await streams.request(request.correlationId, request, timeoutMs);
      } catch (error) {
        if (!(error instanceof StreamUnavailableError)) throw error;
        return callUnary(client.authorizeOnce.bind(client), request, { timeoutMs });
      }
    },
    connected: () => streams.connectedStreams > 0,
    close() {
      streams.close();
      client.close();
    },
  };
}
