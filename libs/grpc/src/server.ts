import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { assert } from '@acq/assert';
import { CHANNEL_OPTIONS } from './client.ts';

export interface GrpcServiceRegistration {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface GrpcServerHandle {
  port: number;
  /** Stops accepting calls, waits up to graceMs for in-flight calls, then cancels the rest. */
  shutdown(graceMs: number): Promise<void>;
}

export async function startGrpcServer(options: {
  host?: string;
  port: number;
  services: readonly GrpcServiceRegistration[];
}): Promise<GrpcServerHandle> {
  assert(options.services.length > 0, 'a gRPC server needs at least one service');
  const server = new Server(CHANNEL_OPTIONS);
  for (const service of options.services) server.addService(service.definition, service.implementation);
  const address = `${options.host ?? '0.0.0.0'}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, boundPort) =>
      error === null ? resolve(boundPort) : reject(error),
    );
  });
  return {
    port,
    async shutdown(graceMs) {
      const timer = setTimeout(() => server.forceShutdown(), graceMs);
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      clearTimeout(timer);
    },
  };
}
