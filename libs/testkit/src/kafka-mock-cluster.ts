import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { assert } from '@acq/assert';
import {
  MOCK_CLUSTER_BROKER_COUNT_MAX,
  MOCK_CLUSTER_COMPILE_TIMEOUT_MS,
  MOCK_CLUSTER_START_TIMEOUT_MS,
  MOCK_CLUSTER_STOP_TIMEOUT_MS,
} from './limits.ts';

const execFileAsync = promisify(execFile);
const LAUNCHER_SOURCE_PATH = fileURLToPath(new URL('../../../deploy/kafka-mock/mock-cluster.c', import.meta.url));
const CACHE_DIRECTORY = fileURLToPath(new URL('../../../node_modules/.cache/acq-kafka-mock/', import.meta.url));

export interface TopicSpec {
  name: string;
  partitionCount: number;
}

export interface MockKafkaCluster {
  brokers: string[];
  stop(): Promise<void>;
}

/**
 * Compiles the librdkafka mock-cluster launcher once per source version (cached by content hash;
 * concurrent builders race harmlessly because the binary is renamed into place atomically).
 */
export async function buildMockClusterLauncher(): Promise<string> {
  const source = await readFile(LAUNCHER_SOURCE_PATH);
  const version = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const binaryPath = `${CACHE_DIRECTORY}mock-cluster-${version}`;
  const exists = await access(binaryPath).then(
    () => true,
    () => false,
  );
  if (exists) return binaryPath;
  await mkdir(CACHE_DIRECTORY, { recursive: true });
  const temporaryPath = `${binaryPath}.${process.pid}.tmp`;
  try {
    await execFileAsync('gcc', ['-O2', '-o', temporaryPath, LAUNCHER_SOURCE_PATH, '-lrdkafka'], {
      timeout: MOCK_CLUSTER_COMPILE_TIMEOUT_MS,
    });
  } catch (error) {
    throw new Error('cannot compile the Kafka mock cluster launcher; install gcc and librdkafka-dev (apt)', {
      cause: error,
    });
  }
  await rename(temporaryPath, binaryPath);
  return binaryPath;
}

/** Starts the librdkafka mock cluster as a child process and waits for its bootstrap line. */
export async function startMockKafkaCluster(
  options: { brokerCount?: number; topics?: TopicSpec[] } = {},
): Promise<MockKafkaCluster> {
  const brokerCount = options.brokerCount ?? 1;
  assert(brokerCount >= 1 && brokerCount <= MOCK_CLUSTER_BROKER_COUNT_MAX, 'brokerCount out of range');
  const topicArguments = (options.topics ?? []).map((topic) => {
    assert(/^[A-Za-z0-9._-]+$/.test(topic.name), 'topic name must be a plain Kafka name');
    assert(Number.isInteger(topic.partitionCount) && topic.partitionCount >= 1, 'partitionCount must be positive');
    return `${topic.name}:${topic.partitionCount}`;
  });
  const binaryPath = await buildMockClusterLauncher();
  // stdin stays a pipe: when this process dies, the launcher reads EOF and exits too.
  const child = spawn(binaryPath, [String(brokerCount), ...topicArguments], { stdio: ['pipe', 'pipe', 'inherit'] });
  const bootstrap = await readBootstrapLine(child);
  const brokers = bootstrap.split(',').filter((broker) => broker.length > 0);
  assert(brokers.length === brokerCount, 'mock cluster reports one address per broker');
  return { brokers, stop: () => stopChild(child) };
}

async function readBootstrapLine(child: ChildProcess): Promise<string> {
  assert(child.stdout !== null, 'launcher stdout is piped');
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`mock cluster exited early with code ${code}`)));
  });
  const timeout = sleep(MOCK_CLUSTER_START_TIMEOUT_MS, undefined, { ref: false }).then(() => {
    throw new Error(`mock cluster did not start within ${MOCK_CLUSTER_START_TIMEOUT_MS} ms`);
  });
  try {
    const firstLine = lines[Symbol.asyncIterator]()
      .next()
      .then((result) => String(result.value ?? ''));
    const line = await Promise.race([firstLine, exited, timeout]);
    assert(line.length > 0, 'mock cluster printed its bootstrap servers');
    return line.trim();
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    exited.catch(() => undefined);
    lines.close();
  }
}

/** Closes stdin (the launcher's shutdown signal), then escalates to SIGKILL after a bounded wait. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const stoppedInTime = await Promise.race([
    exited.then(() => true),
    sleep(MOCK_CLUSTER_STOP_TIMEOUT_MS, false, { ref: false }),
  ]);
  if (stoppedInTime) return;
  child.kill('SIGKILL');
  await exited;
}
