// Goal: the bus contract holds on the durable Postgres log, for per-event and batch handlers.
// Method: run the shared contract with a private bus schema, a real relay (also as a SIGKILLed
// child process) and two consumer replicas.
import type { TestDatabase } from '@acq/testkit';
import { createPostgresLogPublisher, ensurePostgresLog } from '../src/index.ts';
import { type BackendUnderTest, defineBusContract } from './bus-contract.ts';

async function postgresLog(database: TestDatabase): Promise<BackendUnderTest> {
  const busSchema = await database.createSchema('bus');
  const pool = database.createPool(busSchema, { poolSizeMax: 4 });
  await ensurePostgresLog(pool, busSchema);
  return {
    publisher: (producerPool) => createPostgresLogPublisher({ pool: producerPool, busSchema }),
    subscribeOptions: { backend: 'postgres', busSchema, partitionWorkerCount: 3 },
    relayChildEnv: { RELAY_BACKEND: 'postgres', RELAY_BUS_SCHEMA: busSchema },
    async storedEventCount(topic) {
      const result = await pool.query(`SELECT count(*)::int AS n FROM ${busSchema}.event_log WHERE topic = $1`, [
        topic,
      ]);
      return result.rows[0].n;
    },
    async tearDown() {},
  };
}

defineBusContract('postgres log', 'per-event', postgresLog);
defineBusContract('postgres log', 'batch', postgresLog);
