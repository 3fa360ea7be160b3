export { useContainers } from './docker-engine.ts';
export {
  buildMockClusterLauncher,
  type MockKafkaCluster,
  startMockKafkaCluster,
  type TopicSpec,
} from './kafka-mock-cluster.ts';
export { type TestDatabase, testDatabase } from './test-database.ts';
export { type TestKafka, testKafka } from './test-kafka.ts';
export { type TestRedis, testRedis } from './test-redis.ts';
export {
  freePort,
  type NetworkSimProcess,
  networkSimAvailable,
  type ServiceProcess,
  startNetworkSim,
  startServiceProcess,
} from './service-process.ts';
