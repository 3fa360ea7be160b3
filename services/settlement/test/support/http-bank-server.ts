/**
 * The FakeBank behind an HTTP server that speaks network-sim's bank API (POST /bank/payouts,
 * GET /bank/payouts/:id), so a settlement process in another OS process pays through the real HTTP
 * client. An `unknown` outcome is played as a dropped connection, the way a timeout looks on the wire.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fen } from '@acq/money';
import type { FakeBank } from './fake-bank.ts';

export type HttpBankServer = { readonly url: string; close(): Promise<void> };

export async function startHttpBankServer(bank: FakeBank, latencyMs: number): Promise<HttpBankServer> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        await sleep(latencyMs);
        const url = request.url ?? '';
        if (request.method === 'POST' && url === '/bank/payouts') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
          const outcome = await bank.submitPayout({
            instructionId: String(body.payoutId),
            amountFen: fen(String(body.amountFen)),
            accountNumberEncrypted: String(body.accountNumber),
            holderName: String(body.accountName),
            bankCode: '',
          });
          if (outcome.kind === 'unknown') {
            request.socket.destroy();
            return;
          }
          const status = outcome.kind === 'accepted' ? 'ACCEPTED' : 'FAILED';
          const failureCode = outcome.kind === 'rejected' ? outcome.reason : null;
          response.writeHead(202, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ status, failureCode }));
          return;
        }
        const match = /^\/bank\/payouts\/([^/]+)$/.exec(url);
        if (request.method === 'GET' && match !== null) {
          const outcome = await bank.queryPayout(decodeURIComponent(match[1] ?? ''));
          if (outcome.kind === 'unknown') {
            request.socket.destroy();
            return;
          }
          if (outcome.kind === 'not_found') {
            response.writeHead(404, { 'content-type': 'application/json' });
            response.end(JSON.stringify({ code: 'PAYOUT_NOT_FOUND' }));
            return;
          }
          const status = outcome.kind === 'succeeded' ? 'SUCCESS' : outcome.kind === 'failed' ? 'FAILED' : 'ACCEPTED';
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ status, failureCode: outcome.kind === 'failed' ? outcome.reason : null }));
          return;
        }
        response.writeHead(404).end();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
