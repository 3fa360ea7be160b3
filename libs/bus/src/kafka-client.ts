import { assert } from '@acq/assert';
import type { Logger } from '@acq/db';
import { type KafkaConfig, type logCreator, logLevel } from 'kafkajs';
import { BusError, BusErrorCode } from './errors.ts';
import {
  KAFKA_CONNECTION_TIMEOUT_MS,
  KAFKA_REQUEST_TIMEOUT_MS,
  KAFKA_RETRY_COUNT_MAX,
  RELAY_PUBLISH_RETRY_BACKOFF_MS_BASE,
  RELAY_PUBLISH_RETRY_BACKOFF_MS_MAX,
} from './limits.ts';

/** One place for kafkajs client options, so every client passes explicit timeouts and retries. */
export function kafkaClientConfig(brokers: string[], clientId: string, logger: Logger): KafkaConfig {
  assert(brokers.length > 0, 'at least one Kafka broker');
  assert(clientId.length > 0, 'clientId must be set');
  return {
    brokers,
    clientId,
    connectionTimeout: KAFKA_CONNECTION_TIMEOUT_MS,
    requestTimeout: KAFKA_REQUEST_TIMEOUT_MS,
    retry: {
      retries: KAFKA_RETRY_COUNT_MAX,
      initialRetryTime: RELAY_PUBLISH_RETRY_BACKOFF_MS_BASE,
      maxRetryTime: RELAY_PUBLISH_RETRY_BACKOFF_MS_MAX,
    },
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
  };
}

/**
 * Routes kafkajs logs into our logger. kafkajs reports transient broker conditions (rebalances,
 * leader moves) at ERROR; those need no human, so they arrive as warnings.
 */
function kafkaLogCreator(logger: Logger): logCreator {
  return () => (entry) => {
    if (entry.level > logLevel.WARN) return;
    const { message, ...fields } = entry.log;
    logger.warn({ kafkaNamespace: entry.namespace, kafkaMessage: message, ...fields }, 'kafka client');
  };
}

/** Parses KAFKA_BROKERS ("host:port,host:port"). */
export function parseBrokerList(value: string): string[] {
  const brokers = value
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  if (brokers.length === 0) throw new BusError(BusErrorCode.invalidConfiguration, 'KAFKA_BROKERS lists no broker');
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker)) {
      throw new BusError(BusErrorCode.invalidConfiguration, `invalid Kafka broker address: ${broker}`);
    }
  }
  return brokers;
}
