/**
 * Every operator request is written to the audit log before it runs (if that write fails the request
 * is refused with 503: no unaudited operator action) and completed with its status code afterwards.
 * Bodies are not stored: they can hold ID and card numbers; the route and its ids identify the action.
 */
import { assert } from '@acq/assert';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Logger } from '@acq/telemetry';
import { HttpError } from './http-error.ts';

export interface AuditEntry {
  readonly subject: string;
  readonly role: string;
  readonly method: string;
  readonly route: string;
  readonly params: Readonly<Record<string, string>>;
  readonly requestId: string;
}

export interface AuditLog {
  /** Records the start of an action; returns its entry id. */
  begin(entry: AuditEntry): Promise<bigint>;
  finish(entryId: bigint, statusCode: number): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    auditEntryId: bigint | undefined;
  }
}

/** Postgres-backed log in the gateway schema (table from migrations/801_http_access_audit_log.sql). */
export function createPostgresAuditLog(pool: pg.Pool): AuditLog {
  return {
    async begin(entry) {
      const result = await pool.query<{ entry_id: bigint }>(
        `INSERT INTO http_access_audit_log (subject, role, method, route, params, request_id)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING entry_id`,
        [entry.subject, entry.role, entry.method, entry.route, JSON.stringify(entry.params), entry.requestId],
      );
      const entryId = result.rows[0]?.entry_id;
      assert(typeof entryId === 'bigint', 'audit insert returns its bigint id');
      return entryId;
    },
    async finish(entryId, statusCode) {
      await pool.query('UPDATE http_access_audit_log SET status_code = $2, finished_at = now() WHERE entry_id = $1', [
        entryId,
        statusCode,
      ]);
    },
  };
}

export function installAuditLog(app: FastifyInstance, auditLog: AuditLog, logger: Logger): void {
  app.decorateRequest('auditEntryId', undefined);
  app.addHook('preHandler', async (request) => {
    const claims = request.principal;
    if (claims?.role !== 'operator') return;
    try {
      request.auditEntryId = await auditLog.begin({
        subject: claims.sub,
        role: claims.role,
        method: request.method,
        route: request.routeOptions.url ?? request.url,
        params: request.params as Record<string, string>,
        requestId: request.id,
      });
    } catch (error) {
      logger.error({ err: error, requestId: request.id }, 'audit log write failed; operator request refused');
      throw new HttpError(503, 'AUDIT_LOG_UNAVAILABLE', 'the audit log cannot record this action; try again');
    }
  });
  // onSend, not onResponse: the outcome is recorded before the operator sees the answer.
  app.addHook('onSend', async (request, reply, payload) => {
    const entryId = request.auditEntryId;
    if (entryId === undefined) return payload;
    try {
      await auditLog.finish(entryId, reply.statusCode);
    } catch (error) {
      // The action is already recorded as begun; a missing outcome is visible as a NULL status code.
      logger.error(
        { err: error, requestId: request.id, auditEntryId: entryId.toString() },
        'audit outcome write failed',
      );
    }
    return payload;
  });
}
