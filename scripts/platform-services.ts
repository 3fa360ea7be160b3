/**
 * The services of the platform in start order, with the ports the local start uses. The order only
 * shortens start-up: every service waits for its own dependencies through its readiness checks.
 */
export interface PlatformService {
  name: string;
  /** Where GET /readyz answers for this service. */
  readyUrl: string;
  endpoints: string[];
}

export const PLATFORM_SERVICES: readonly PlatformService[] = [
  {
    name: 'network-sim',
    readyUrl: 'http://127.0.0.1:8601/readyz',
    endpoints: ['admin HTTP http://127.0.0.1:8601', 'ISO 8583 upstream tcp://127.0.0.1:8602'],
  },
  { name: 'merchant', readyUrl: 'http://127.0.0.1:9104/readyz', endpoints: ['gRPC 127.0.0.1:50053'] },
  { name: 'card-registry', readyUrl: 'http://127.0.0.1:9105/readyz', endpoints: ['gRPC 127.0.0.1:50054'] },
  { name: 'settlement', readyUrl: 'http://127.0.0.1:9106/readyz', endpoints: ['gRPC 127.0.0.1:50055'] },
  { name: 'risk', readyUrl: 'http://127.0.0.1:9103/readyz', endpoints: ['gRPC 127.0.0.1:50052'] },
  { name: 'authorization', readyUrl: 'http://127.0.0.1:9102/readyz', endpoints: ['gRPC 127.0.0.1:50051'] },
  {
    name: 'gateway',
    readyUrl: 'http://127.0.0.1:8080/readyz',
    endpoints: ['terminals tcp://127.0.0.1:8583', 'HTTP API http://127.0.0.1:8080 (OpenAPI at /docs)'],
  },
];
