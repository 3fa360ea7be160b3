/**
 * `acq token` in one function: parses `--role operator|merchant [--merchant-id mch_...] [--subject s]
 * [--ttl-seconds n]` and issues a token with ACCESS_TOKEN_SECRET (or the local start's default), so
 * the CLI and scripts print exactly what the gateway accepts.
 */
import { parseArgs } from 'node:util';
import { ACCESS_ROLES, ACCESS_TOKEN_TTL_SECONDS_DEFAULT, issueAccessToken } from './access-token.ts';

/** The local start's ACCESS_TOKEN_SECRET default (platformVariables.ACCESS_TOKEN_SECRET). */
export const DEV_ACCESS_TOKEN_SECRET = 'dev-access-token-secret-change-me';
/** The dev operator the local start knows; tokens for it need no setup. */
export const DEV_OPERATOR_SUBJECT = 'dev-operator';

export type TokenCommandResult =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly usage: string };

const USAGE =
  'usage: acq token --role operator|merchant [--merchant-id mch_...] [--subject name] [--ttl-seconds n]\n' +
  '       (signs with ACCESS_TOKEN_SECRET, default: the local start secret)';

export function runTokenCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  nowMs: number,
): TokenCommandResult {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        role: { type: 'string' },
        'merchant-id': { type: 'string' },
        subject: { type: 'string' },
        'ttl-seconds': { type: 'string' },
      },
      strict: true,
    }).values as Record<string, string | undefined>;
  } catch (error) {
    return { ok: false, usage: `${error instanceof Error ? error.message : String(error)}\n${USAGE}` };
  }
  const role = ACCESS_ROLES.find((candidate) => candidate === values.role);
  const ttlSeconds = Number(values['ttl-seconds'] ?? ACCESS_TOKEN_TTL_SECONDS_DEFAULT);
  const merchantId = values['merchant-id'];
  if (role === undefined || !Number.isSafeInteger(ttlSeconds) || (role === 'merchant') !== (merchantId !== undefined)) {
    return { ok: false, usage: USAGE };
  }
  try {
    const token = issueAccessToken({
      secret: env.ACCESS_TOKEN_SECRET ?? DEV_ACCESS_TOKEN_SECRET,
      subject: values.subject ?? (role === 'operator' ? DEV_OPERATOR_SUBJECT : 'merchant-app'),
      role,
      ...(merchantId === undefined ? {} : { merchantId }),
      nowMs,
      ttlSeconds,
    });
    return { ok: true, token };
  } catch (error) {
    return { ok: false, usage: `${error instanceof Error ? error.message : String(error)}\n${USAGE}` };
  }
}
