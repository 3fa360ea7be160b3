/** How long the Docker engine probe may take before the local services are used instead. */
export const DOCKER_PING_TIMEOUT_MS = 500;
export const MOCK_CLUSTER_START_TIMEOUT_MS = 10_000;
export const MOCK_CLUSTER_STOP_TIMEOUT_MS = 5_000;
export const MOCK_CLUSTER_BROKER_COUNT_MAX = 9;
export const MOCK_CLUSTER_COMPILE_TIMEOUT_MS = 60_000;
export const TEST_POOL_SIZE_MAX = 10;
export const TEST_STATEMENT_TIMEOUT_MS = 30_000;
export const KAFKA_ADMIN_REQUEST_TIMEOUT_MS = 10_000;
