/**
 * The card-data scan run after the scenarios: every row of every table in every schema of the test
 * database (business tables, outboxes, inboxes, dead letters, the event log with its protobuf
 * payloads), every log line the services wrote, and every Redis key must be free of the test
 * cards' full PANs and track data, in clear text, as hex of their ASCII, or BCD-packed.
 */
import { spawnSync } from 'node:child_process';
import pg from 'pg';

export interface CardDataFinding {
  where: string;
  needle: 'pan' | 'pan-ascii-hex' | 'track2';
}

export interface CardDataScan {
  tablesScanned: number;
  rowsScanned: number;
  logLinesScanned: number;
  redisKeysScanned: number;
  findings: CardDataFinding[];
}

interface Needle {
  kind: CardDataFinding['needle'];
  text: string;
}

/** What a leak of one card could look like in a row's text form (bytea prints as hex). */
function needlesOf(pan: string): Needle[] {
  return [
    { kind: 'pan', text: pan },
    { kind: 'pan-ascii-hex', text: Buffer.from(pan, 'ascii').toString('hex') },
    { kind: 'track2', text: `${pan}=` },
    { kind: 'track2', text: `${pan}d` },
  ];
}

export async function scanForCardData(options: {
  databaseUrl: string;
  logs: readonly string[];
  pans: readonly string[];
  redisUrl: string | undefined;
}): Promise<CardDataScan> {
  const needles = options.pans.flatMap(needlesOf);
  const scan: CardDataScan = {
    tablesScanned: 0,
    rowsScanned: 0,
    logLinesScanned: 0,
    redisKeysScanned: 0,
    findings: [],
  };
  await scanDatabase(options.databaseUrl, needles, scan);
  for (const line of options.logs) {
    scan.logLinesScanned++;
    const lower = line.toLowerCase();
    for (const needle of needles) {
      if (lower.includes(needle.text)) scan.findings.push({ where: `log: ${line.slice(0, 60)}`, needle: needle.kind });
    }
  }
  if (options.redisUrl !== undefined) scanRedisKeys(options.redisUrl, needles, scan);
  return scan;
}

async function scanDatabase(databaseUrl: string, needles: readonly Needle[], scan: CardDataScan): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'acq-reliability-card-scan' });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const patterns = needles.map((needle) => `%${needle.text}%`);
    for (const table of tables.rows) {
      const qualified = `"${table.schema.replaceAll('"', '""')}"."${table.name.replaceAll('"', '""')}"`;
      const rows = await client.query<{ total: string; leaking: string }>(
        `SELECT count(*) AS total, count(*) FILTER (WHERE lower(t::text) LIKE ANY($1)) AS leaking FROM ${qualified} t`,
        [patterns],
      );
      scan.tablesScanned++;
      scan.rowsScanned += Number(rows.rows[0]?.total ?? 0);
      const leaking = Number(rows.rows[0]?.leaking ?? 0);
      if (leaking > 0) scan.findings.push({ where: `table ${qualified}: ${leaking} rows`, needle: 'pan' });
    }
  } finally {
    await client.end();
  }
}

function scanRedisKeys(redisUrl: string, needles: readonly Needle[], scan: CardDataScan): void {
  const parsed = new URL(redisUrl);
  const database = parsed.pathname.slice(1) || '0';
  const keys = spawnSync('redis-cli', ['-h', parsed.hostname, '-p', parsed.port || '6379', '-n', database, '--scan'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (keys.status !== 0) throw new Error(`redis-cli --scan failed: ${keys.stderr}`);
  for (const key of keys.stdout.split('\n')) {
    if (key === '') continue;
    scan.redisKeysScanned++;
    for (const needle of needles) {
      if (key.toLowerCase().includes(needle.text))
        scan.findings.push({ where: `redis key ${key.slice(0, 40)}`, needle: needle.kind });
    }
  }
}
