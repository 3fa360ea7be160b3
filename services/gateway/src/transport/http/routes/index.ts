/**
 * Every route plugin of the HTTP API, in one list. To add an area (settlement, card registry, QR
 * payments, risk): write routes/<area>.ts exporting a RoutePlugin whose routes declare
 * `config.access` and TypeBox schemas, add its gRPC client to HttpClients (declaration merging in that
 * file), and add one line here.
 */
import type { RoutePlugin } from '../route-context.ts';
import { merchantRoutes } from './merchants.ts';
import { onboardingRoutes } from './onboarding.ts';
import { qrCodeRoutes } from './qr-codes.ts';
import { qrPaymentRoutes } from './qr.ts';
import { reconciliationRoutes } from './reconciliation.ts';
import { riskRoutes } from './risk.ts';
import { settlementCardRoutes } from './settlement-card.ts';
import { settlementRoutes } from './settlement.ts';
import { terminalRoutes } from './terminals.ts';

export const ROUTE_PLUGINS: readonly { readonly name: string; readonly plugin: RoutePlugin }[] = [
  { name: 'onboarding', plugin: onboardingRoutes },
  { name: 'merchants', plugin: merchantRoutes },
  { name: 'terminals', plugin: terminalRoutes },
  { name: 'qr-codes', plugin: qrCodeRoutes },
  { name: 'qr-payments', plugin: qrPaymentRoutes },
  { name: 'settlement-card', plugin: settlementCardRoutes },
  { name: 'risk', plugin: riskRoutes },
  { name: 'settlement', plugin: settlementRoutes },
  { name: 'reconciliation', plugin: reconciliationRoutes },
];
