/**
 * gRPC helpers shared by every service: server start/stop, clients with explicit deadlines,
 * typed error mapping, and the multiplexed bidirectional stream that carries the hot path
 * (DESIGN.md section 2: one long-lived stream carries ~17,700 messages/s where unary calls
 * would spend ~0.4 ms of client CPU each).
 */
export { startGrpcServer, type GrpcServerHandle, type GrpcServiceRegistration } from './server.ts';
export { callUnary, CHANNEL_OPTIONS, channelReady, createClient, type UnaryMethod } from './client.ts';
export { ServiceError, toGrpcError, fromGrpcError, RESPONSE_CODE_METADATA_KEY } from './errors.ts';
export {
  StreamMultiplexer,
  StreamOutcomeUnknownError,
  StreamUnavailableError,
  type StreamMultiplexerOptions,
} from './stream-multiplexer.ts';
export { serveMultiplexedStream, type StreamServeOptions } from './stream-server.ts';
