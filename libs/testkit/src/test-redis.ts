import { randomBytes } from 'node:crypto';
import { useContainers } from './docker-engine.ts';

const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';
const REDIS_IMAGE = 'redis:7-alpine';

export interface TestRedis {
  url: string;
  /** Unique per call (`test:<random>:`); tests put every key under it and delete it afterwards. */
  keyPrefix: string;
}

let containerUrlOnce: Promise<string> | undefined;

export async function testRedis(): Promise<TestRedis> {
  const keyPrefix = `test:${randomBytes(6).toString('hex')}:`;
  if (!(await useContainers())) return { url: process.env.REDIS_URL ?? LOCAL_REDIS_URL, keyPrefix };
  containerUrlOnce ??= (async () => {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer(REDIS_IMAGE).start();
    return container.getConnectionUrl();
  })();
  return { url: await containerUrlOnce, keyPrefix };
}
