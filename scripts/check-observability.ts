// Goal: prove that every Grafana panel and every Prometheus rule of deploy/ works against the real
// platform, and that one trace follows a terminal transaction across the services. Method: start
// the whole platform (holding the machine-wide e2e lock), drive a little terminal and HTTP traffic,
// run Debian's Prometheus against every service's /metrics with the repository's rule files, then
// execute each panel's and each rule's PromQL and fail on a query error or an empty result; spans
// arrive at an OTLP/HTTP receiver started here. `promtool check rules` validates the rule files.
//
// Run: cd scripts && npm run check:observability   (needs `apt-get install -y prometheus`)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert } from '@acq/assert';
import { fen } from '@acq/money';
import { TerminalConnection, TerminalSimulator } from '@acq/terminal-protocol';
import {
  createCard,
  expectStatus,
  GATEWAY_HTTP_URL,
  http,
  merchantToken,
  onboardMerchantWithTerminal,
  operatorToken,
  startPlatformUnderTest,
  type PlatformUnderTest,
} from '../tests/e2e/src/index.ts';
import { PLATFORM_SERVICES } from './platform-services.ts';

const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROMETHEUS_DIRECTORY = join(REPOSITORY_ROOT, 'deploy/prometheus');
const DASHBOARD_DIRECTORY = join(REPOSITORY_ROOT, 'deploy/grafana/dashboards');
const RULE_FILES = ['alerts.yml'].map((name) => join(PROMETHEUS_DIRECTORY, name));

/**
 * Scrape interval, scrape timeout and rule evaluation interval of the check's Prometheus: short so
 * the check stays short, long enough for a busy service's database-backed gauges to answer.
 */
const SCRAPE_INTERVAL_SECONDS = 2;
/** Scrapes after the traffic before queries run, so every rate() window holds several samples. */
const SCRAPES_BEFORE_QUERIES = 6;
const PROMETHEUS_READY_TIMEOUT_MS = 30_000;
const TARGETS_UP_TIMEOUT_MS = 30_000;
const QUERY_TIMEOUT_MS = 10_000;
/** The BatchSpanProcessor exports every 5 s; give the services a few rounds. */
const TRACE_ARRIVAL_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 500;
const TERMINAL_TIMEOUT_MS = 20_000;
/** The receiver refuses larger OTLP bodies instead of growing memory. */
const OTLP_BODY_BYTES_MAX = 16 * 1024 * 1024;
/** Purchases of the traffic round, enough for quantiles and rates to have data. */
const PURCHASE_COUNT = 12;
/**
 * Services whose spans one terminal purchase must join into a single trace: the gateway's frame span,
 * authorization's Authorize span, and the bus consumer spans of risk and settlement (event headers).
 */
const TRACED_SERVICES = ['gateway', 'authorization', 'risk', 'settlement'] as const;
/** Grafana's template variables and what the check substitutes for them. */
const TEMPLATE_SUBSTITUTES: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '1m',
  __range: '5m',
  service: '.*',
  merchant: '.*',
  instance: '.*',
};

interface CheckedExpression {
  source: string;
  expr: string;
}

interface QueryOutcome {
  seriesCount: number;
  error: string | undefined;
}

async function main(): Promise<void> {
  checkRuleFiles();
  const expressions = collectDashboardExpressions();
  console.log(`${expressions.length} dashboard expressions to check`);
  const receiver = await startTraceReceiver();
  const platform = await startPlatformUnderTest({
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
    OTEL_TRACES_SAMPLER_ARG: '100',
  });
  let prometheus: RunningPrometheus | undefined;
  const failures: string[] = [];
  try {
    prometheus = await startPrometheus();
    await waitForTargetsUp(prometheus.url);
    await driveTraffic();
    await sleep(SCRAPES_BEFORE_QUERIES * SCRAPE_INTERVAL_SECONDS * 1000);
    await dumpMetricsIfAsked();
    failures.push(...(await checkExpressions(prometheus.url, expressions)));
    failures.push(...(await checkRules(prometheus.url)));
    failures.push(...(await checkTraces(receiver)));
    failures.push(...restartedServices(platform));
    if (failures.length > 0) {
      printPlatformLogs(platform);
      await printUnhealthyTargets(prometheus.url);
    }
  } catch (error) {
    printPlatformLogs(platform);
    throw error;
  } finally {
    prometheus?.stop();
    await platform.stop();
    receiver.close();
  }
  if (failures.length > 0) {
    console.error(`observability check FAILED (${failures.length}):\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
    return;
  }
  console.log('observability check passed');
}

function checkRuleFiles(): void {
  const result = spawnSync('promtool', ['check', 'rules', ...RULE_FILES], { encoding: 'utf8' });
  if (result.error !== undefined) {
    throw new Error('promtool not found: install Prometheus (apt-get install -y prometheus)', { cause: result.error });
  }
  if (result.status !== 0) throw new Error(`promtool check rules failed:\n${result.stdout}${result.stderr}`);
  console.log(result.stdout.trim());
}

/** Every PromQL expression of every panel (rows included) and every query variable of every dashboard. */
function collectDashboardExpressions(): CheckedExpression[] {
  const files = readdirSync(DASHBOARD_DIRECTORY).filter((name) => name.endsWith('.json'));
  assert(files.length > 0, 'no dashboards found');
  const expressions: CheckedExpression[] = [];
  for (const file of files) {
    const dashboard = JSON.parse(readFileSync(join(DASHBOARD_DIRECTORY, file), 'utf8')) as GrafanaDashboard;
    const panels = (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        assert(
          typeof target.expr === 'string' && target.expr.length > 0,
          `${file}: panel "${panel.title}" has no expr`,
        );
        expressions.push({ source: `${file} / ${panel.title} [${target.refId ?? '?'}]`, expr: target.expr });
      }
    }
    for (const variable of dashboard.templating?.list ?? []) {
      if (variable.type !== 'query') continue;
      const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
      assert(typeof query === 'string', `${file}: variable ${variable.name} has no query`);
      expressions.push({ source: `${file} / variable $${variable.name}`, expr: variableQueryAsPromql(query) });
    }
  }
  return expressions;
}

interface GrafanaPanel {
  title: string;
  targets?: { expr?: string; refId?: string }[];
  panels?: GrafanaPanel[];
}

interface GrafanaDashboard {
  panels?: GrafanaPanel[];
  templating?: { list?: { name: string; type: string; query?: string | { query?: string } }[] };
}

/** label_values(metric, label) is Grafana syntax, not PromQL: check that the metric has the label. */
function variableQueryAsPromql(query: string): string {
  const match = /^label_values\((.+),\s*(\w+)\)$/.exec(query.trim());
  if (match === null) return query;
  return `count by (${match[2]}) (${match[1]})`;
}

function substituteTemplateVariables(expr: string): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => TEMPLATE_SUBSTITUTES[name] ?? whole);
}

async function checkExpressions(prometheusUrl: string, expressions: CheckedExpression[]): Promise<string[]> {
  const failures: string[] = [];
  for (const { source, expr } of expressions) {
    const outcome = await queryPrometheus(prometheusUrl, substituteTemplateVariables(expr));
    if (outcome.error !== undefined) failures.push(`${source}: query error ${outcome.error} in ${expr}`);
    else if (outcome.seriesCount === 0) failures.push(`${source}: no series for ${expr}`);
  }
  console.log(`checked ${expressions.length} dashboard expressions, ${failures.length} failed`);
  return failures;
}

interface PrometheusRule {
  name: string;
  query: string;
  type: 'alerting' | 'recording';
  health: string;
  lastError?: string;
}

/**
 * Rules as Prometheus loaded them. A recording rule must produce series. An alert must read
 * `<signal> <comparison> <threshold>`: its signal must produce series (so a renamed metric cannot
 * silence the alert) while the whole expression only has to evaluate without error.
 */
async function checkRules(prometheusUrl: string): Promise<string[]> {
  const response = await fetchJson<{ data: { groups: { file: string; rules: PrometheusRule[] }[] } }>(
    `${prometheusUrl}/api/v1/rules`,
  );
  const rules = response.data.groups.flatMap((group) => group.rules);
  assert(
    rules.some((rule) => rule.type === 'alerting'),
    'Prometheus loaded no alerting rules',
  );
  const failures: string[] = [];
  for (const rule of rules) {
    if (rule.health === 'err') failures.push(`rule ${rule.name}: evaluation error ${rule.lastError ?? ''}`);
    const signal = rule.type === 'alerting' ? alertSignal(rule.query) : rule.query;
    if (signal === undefined) {
      failures.push(`alert ${rule.name}: expression is not "<signal> <comparison> <threshold>": ${rule.query}`);
      continue;
    }
    const whole = await queryPrometheus(prometheusUrl, rule.query);
    if (whole.error !== undefined) failures.push(`rule ${rule.name}: query error ${whole.error}`);
    const outcome = await queryPrometheus(prometheusUrl, signal);
    if (outcome.error !== undefined) failures.push(`rule ${rule.name}: query error ${outcome.error} in ${signal}`);
    else if (outcome.seriesCount === 0) failures.push(`rule ${rule.name}: no series for ${signal}`);
  }
  console.log(`checked ${rules.length} rules, ${failures.length} failed`);
  return failures;
}

function alertSignal(query: string): string | undefined {
  const match = /^([\s\S]+?)\s*(?:>=|<=|==|!=|>|<)\s*(?:bool\s+)?-?[0-9][0-9.e+-]*$/.exec(query.trim());
  return match?.[1];
}

async function queryPrometheus(prometheusUrl: string, expr: string): Promise<QueryOutcome> {
  const url = `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
  const body = (await response.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  if (body.status !== 'success') return { seriesCount: 0, error: body.error ?? `HTTP ${response.status}` };
  return { seriesCount: body.data?.result.length ?? 0, error: undefined };
}

interface RunningPrometheus {
  url: string;
  stop(): void;
}

/** Debian's Prometheus on a free port, scraping the local platform with the repository's job names. */
async function startPrometheus(): Promise<RunningPrometheus> {
  const directory = mkdtempSync(join(tmpdir(), 'acq-prometheus-'));
  const configPath = join(directory, 'prometheus.yml');
  writeFileSync(configPath, JSON.stringify(localPrometheusConfig(), null, 2));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(directory, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = (): void => {
    child.kill('SIGTERM');
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await pollUntil(PROMETHEUS_READY_TIMEOUT_MS, 'Prometheus ready', async () => {
      assert(child.exitCode === null, `Prometheus exited with ${child.exitCode}`);
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) }).catch(
        () => undefined,
      );
      return response?.ok === true;
    });
  } catch (error) {
    stop();
    throw error;
  }
  return { url, stop };
}

/** deploy/prometheus/prometheus.yml's jobs, with the docker-compose targets rewritten to local ports. */
function localPrometheusConfig(): Record<string, unknown> {
  const deployed = readFileSync(join(PROMETHEUS_DIRECTORY, 'prometheus.yml'), 'utf8');
  const jobs = [...deployed.matchAll(/job_name:\s*([\w-]+)/g)].map((match) => match[1] as string);
  assert(jobs.length === PLATFORM_SERVICES.length, 'prometheus.yml must scrape every platform service');
  const scrapeConfigs = jobs.map((job) => {
    const service = PLATFORM_SERVICES.find((candidate) => candidate.name === job);
    assert(service !== undefined, `prometheus.yml job ${job} is not a platform service`);
    const target = new URL(service.readyUrl).host;
    return { job_name: job, static_configs: [{ targets: [target], labels: { service: job } }] };
  });
  return {
    global: {
      scrape_interval: `${SCRAPE_INTERVAL_SECONDS}s`,
      scrape_timeout: `${SCRAPE_INTERVAL_SECONDS}s`,
      evaluation_interval: `${SCRAPE_INTERVAL_SECONDS}s`,
    },
    rule_files: RULE_FILES,
    scrape_configs: scrapeConfigs,
  };
}

async function waitForTargetsUp(prometheusUrl: string): Promise<void> {
  await pollUntil(TARGETS_UP_TIMEOUT_MS, 'every scrape target up', async () => {
    const outcome = await queryPrometheus(prometheusUrl, 'up == 1');
    return outcome.seriesCount === PLATFORM_SERVICES.length;
  });
}

/**
 * A small day at one merchant: sign-in, purchases (approved and declined), a balance inquiry, a
 * void, a refund, a reversal, a MAC failure, an unknown terminal and a batch settlement, with T0 on.
 * The answers are reported, not asserted: the end-to-end suite judges them; here they only feed the
 * metrics, and a decline or a 96 is as good a data point as an approval.
 */
async function driveTraffic(): Promise<void> {
  const onboarded = await onboardMerchantWithTerminal(1);
  await enableT0(onboarded.merchantId);
  const connection = await TerminalConnection.open('127.0.0.1', 8583);
  const answers: string[] = [];
  try {
    const identity = {
      terminalId: onboarded.terminalId,
      merchantNumber: onboarded.merchantNumber,
      tmkHex: onboarded.tmkHex,
    };
    const terminal = new TerminalSimulator(connection, identity, { timeoutMs: TERMINAL_TIMEOUT_MS });
    const signedIn = await terminal.signIn('003');
    assert(signedIn.responseCode === '00', `sign-in answered ${signedIn.responseCode}`);
    await runPayments(terminal, answers);
    await runRefusals(terminal, connection, answers);
    await runBlacklistedPurchase(terminal, onboarded.terminalId, answers);
    answers.push(`settle=${(await terminal.settle()).responseCode}`);
  } finally {
    connection.close();
  }
  console.log(`traffic answers: ${answers.join(' ')}`);
}

async function enableT0(merchantId: string): Promise<void> {
  const applied = expectStatus(
    await http<{ id: string }>('POST', `${GATEWAY_HTTP_URL}/v1/merchants/${merchantId}/t0-applications`, {
      token: merchantToken(merchantId),
    }),
    201,
    'apply for T0',
  );
  expectStatus(
    await http('POST', `${GATEWAY_HTTP_URL}/v1/t0-applications/${applied.id}/approve`, { token: operatorToken() }),
    200,
    'approve T0',
  );
}

async function runPayments(terminal: TerminalSimulator, answers: string[]): Promise<void> {
  const card = await createCard({ balanceFen: 10_000_000 });
  const purchases = [];
  for (let index = 0; index < PURCHASE_COUNT; index += 1) {
    const purchase = await terminal.purchase(card, fen(1_000 + index * 137));
    answers.push(`purchase=${purchase.responseCode}`);
    purchases.push(purchase);
  }
  const [first, second, third] = purchases;
  assert(first !== undefined && second !== undefined && third !== undefined, 'purchases missing');
  answers.push(`balance=${(await terminal.balance(card)).responseCode}`);
  answers.push(`void=${(await terminal.void(first, card)).responseCode}`);
  answers.push(`refund=${(await terminal.refund(second, card, fen(500))).responseCode}`);
  answers.push(`reversal=${(await terminal.reverse(third.request)).responseCode}`);
}

async function runRefusals(terminal: TerminalSimulator, connection: TerminalConnection, answers: string[]) {
  const poor = await createCard({ balanceFen: 500 });
  answers.push(`overdraw=${(await terminal.purchase(poor, fen(501))).responseCode}`);
  answers.push(`wrong-pin=${(await terminal.purchase({ ...poor, pin: '000000' }, fen(100))).responseCode}`);
  const { request, stan } = terminal.buildFinancial('PURCHASE', poor, fen(100), undefined, {});
  const bytes = terminal.encode(request);
  const macIndex = bytes.length - 2;
  bytes[macIndex] = (bytes[macIndex] as number) ^ 0x01;
  const tampered = await connection.exchange(bytes, stan, TERMINAL_TIMEOUT_MS);
  answers.push(`bad-mac=${String(tampered.message.fields.get(39))}`);
  const stranger = new TerminalSimulator(connection, {
    terminalId: 'ZZ999999',
    merchantNumber: '000000000000000',
    tmkHex: '11'.repeat(16),
  });
  answers.push(`unknown-terminal=${(await stranger.signIn()).responseCode}`);
}

/** An operator blacklists the terminal: the next purchase is refused by a risk rule, which feeds the rule panels. */
async function runBlacklistedPurchase(terminal: TerminalSimulator, terminalId: string, answers: string[]) {
  expectStatus(
    await http('PUT', `${GATEWAY_HTTP_URL}/v1/risk/blacklist/terminal/${terminalId}`, {
      token: operatorToken(),
      body: { reason: 'observability check' },
    }),
    200,
    'blacklist terminal',
  );
  const card = await createCard({ balanceFen: 100_000 });
  answers.push(`blacklisted=${(await terminal.purchase(card, fen(2_000))).responseCode}`);
}

interface TraceReceiver {
  url: string;
  /** trace id -> names of the services that sent spans of it */
  servicesByTrace: Map<string, Set<string>>;
  spanNames: Set<string>;
  close(): void;
}

/** A minimal OTLP/HTTP JSON traces endpoint (the SDK's OTLPTraceExporter posts JSON). */
async function startTraceReceiver(): Promise<TraceReceiver> {
  const servicesByTrace = new Map<string, Set<string>>();
  const spanNames = new Set<string>();
  const server: Server = createServer((request, response) => {
    readBody(request)
      .then((body) => {
        recordSpans(JSON.parse(body.toString('utf8')) as OtlpTraces, servicesByTrace, spanNames);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      })
      .catch((error: unknown) => {
        console.error('OTLP receiver refused a request', error);
        response.writeHead(400).end();
      });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    servicesByTrace,
    spanNames,
    close: () => server.close(),
  };
}

interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: { traceId: string; name: string }[] }[];
  }[];
}

function recordSpans(traces: OtlpTraces, servicesByTrace: Map<string, Set<string>>, spanNames: Set<string>): void {
  for (const resourceSpans of traces.resourceSpans ?? []) {
    const service =
      resourceSpans.resource?.attributes?.find((attribute) => attribute.key === 'service.name')?.value.stringValue ??
      'unknown';
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        spanNames.add(`${service}: ${span.name}`);
        const services = servicesByTrace.get(span.traceId) ?? new Set<string>();
        services.add(service);
        servicesByTrace.set(span.traceId, services);
      }
    }
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request) {
    bytes += (chunk as Buffer).length;
    if (bytes > OTLP_BODY_BYTES_MAX) throw new Error(`OTLP body over ${OTLP_BODY_BYTES_MAX} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function checkTraces(receiver: TraceReceiver): Promise<string[]> {
  const joined = (): boolean =>
    [...receiver.servicesByTrace.values()].some((services) => TRACED_SERVICES.every((name) => services.has(name)));
  try {
    await pollUntil(TRACE_ARRIVAL_TIMEOUT_MS, `one trace across ${TRACED_SERVICES.join(', ')}`, async () => joined());
  } catch {
    const seen = [...receiver.spanNames].sort().join(', ');
    return [`no trace joins ${TRACED_SERVICES.join(', ')}; spans seen: ${seen || 'none'}`];
  }
  console.log(
    `traces: ${receiver.servicesByTrace.size} trace ids, span names: ${[...receiver.spanNames].sort().join(', ')}`,
  );
  return [];
}

/** CHECK_OBSERVABILITY_DUMP_DIR=<dir> keeps each service's /metrics text, for writing new panels. */
async function dumpMetricsIfAsked(): Promise<void> {
  const directory = process.env.CHECK_OBSERVABILITY_DUMP_DIR;
  if (directory === undefined) return;
  for (const service of PLATFORM_SERVICES) {
    const url = service.readyUrl.replace(/\/readyz$/, '/metrics');
    const response = await fetch(url, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
    writeFileSync(join(directory, `${service.name}.prom`), await response.text());
  }
}

/** A service that restarted mid-check loses its counters: name it, since every later failure follows from it. */
function restartedServices(platform: PlatformUnderTest): string[] {
  return platform.logs
    .filter((line) => line.includes('exited (code'))
    .map((line) => `a service restarted during the check: ${line.replace(/\s+/g, ' ')}`);
}

/** A target whose scrapes fail (timeout, error) explains many empty panels at once. */
async function printUnhealthyTargets(prometheusUrl: string): Promise<void> {
  const targets = await fetchJson<{
    data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
  }>(`${prometheusUrl}/api/v1/targets`);
  for (const target of targets.data.activeTargets) {
    if (target.health !== 'up') console.error(`target ${target.labels.job}: ${target.health} ${target.lastError}`);
  }
}

function printPlatformLogs(platform: PlatformUnderTest): void {
  process.stderr.write(`${platform.logs.slice(-80).join('\n')}\n`);
}

async function fetchJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
  assert(response.ok, `${url} answered HTTP ${response.status}`);
  return (await response.json()) as T;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  return port;
}

async function pollUntil(timeoutMs: number, what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await sleep(POLL_INTERVAL_MS);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

await main();
