/**
 * Attacks generated from the gateway's own route table (its OpenAPI document): every /v1 route is
 * called without a token, with a forged or expired token, with another merchant's token, and with
 * hostile bodies. The rules: only the routes that carry their own secret are public; nobody gets
 * a 2xx for a resource that is not theirs; no input, however malformed, produces a 5xx.
 */
import { assert } from '@acq/assert';
import type { SeededRandom } from './seeded-random.ts';

/** Routes that authenticate by a secret in the request itself rather than a bearer token. */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  'POST /v1/terminals/activate', // the one-time activation code
  'POST /v1/qr/callbacks/{provider}', // the wallet provider's HMAC signature
]);
/** Deadline of one attack request. */
export const ATTACK_REQUEST_TIMEOUT_MS = 10_000;
/** A body above the gateway's 64 KiB limit. */
export const OVERSIZED_BODY_BYTES = 100 * 1024;

export interface Route {
  method: string;
  path: string;
  hasBody: boolean;
}

export interface AttackResult {
  route: string;
  attack: string;
  status: number;
}

export async function fetchRouteTable(apiUrl: string): Promise<Route[]> {
  const response = await fetch(`${apiUrl}/docs/json`, { signal: AbortSignal.timeout(ATTACK_REQUEST_TIMEOUT_MS) });
  assert(response.status === 200, 'the gateway serves its OpenAPI document');
  const document = (await response.json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
  const routes: Route[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const [method, operation] of Object.entries(operations)) {
      routes.push({ method: method.toUpperCase(), path, hasBody: operation.requestBody !== undefined });
    }
  }
  return routes;
}

export function routeName(route: Route): string {
  return `${route.method} ${route.path}`;
}

/** Fills path parameters: merchant and terminal ids name the victim's resources, others get a guess. */
export function concretePath(route: Route, victim: { merchantId: string; terminalId: string }): string {
  return route.path.replaceAll(/\{([^}]+)\}/g, (_, name: string) => {
    if (name === 'merchantId') return victim.merchantId;
    if (name === 'terminalId') return victim.terminalId;
    if (name === 'provider') return 'wechat';
    return `rel${name.toLowerCase()}0001`;
  });
}

export async function callRoute(
  apiUrl: string,
  route: Route,
  path: string,
  options: { authorization?: string; body?: string; contentType?: string },
): Promise<number> {
  const headers: Record<string, string> = {};
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${apiUrl}${path}`, {
    method: route.method,
    headers,
    ...(options.body === undefined || route.method === 'GET' ? {} : { body: options.body }),
    signal: AbortSignal.timeout(ATTACK_REQUEST_TIMEOUT_MS),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Bodies no schema accepts: wrong types, deep nesting, huge strings, prototype keys, broken JSON. */
export function hostileBodies(random: SeededRandom): Array<{ name: string; body: string; contentType?: string }> {
  const deep = `${'['.repeat(2_000)}${']'.repeat(2_000)}`;
  return [
    { name: 'not-json', body: '{"merchantId": ' },
    { name: 'array', body: '[1,2,3]' },
    { name: 'null', body: 'null' },
    { name: 'wrong-types', body: JSON.stringify({ amountFen: -1.5, merchantId: 12, phone: [], idNumber: {} }) },
    { name: 'prototype-pollution', body: '{"__proto__": {"role": "operator"}, "constructor": {"prototype": {}}}' },
    { name: 'deep-nesting', body: deep },
    { name: 'long-strings', body: JSON.stringify({ legalName: 'x'.repeat(60_000), reason: '\u0000'.repeat(100) }) },
    { name: 'random-bytes', body: random.bytes(512).toString('latin1') },
    { name: 'oversized', body: JSON.stringify({ filler: 'a'.repeat(OVERSIZED_BODY_BYTES) }) },
    { name: 'wrong-content-type', body: 'merchantId=1', contentType: 'application/x-www-form-urlencoded' },
  ];
}
