import { callUnary, channelReady, createClient, ServiceError } from '@acq/grpc';
import {
  MerchantServiceClient,
  type SignInTerminalResponse,
  type TerminalContext,
} from '@acq/proto/merchant/v1/merchant.ts';
import { MERCHANT_CALL_TIMEOUT_MS, READY_PROBE_TIMEOUT_MS } from '../limits.ts';

export interface MerchantPort {
  getTerminalContext(terminalId: string): Promise<TerminalContext | undefined>;
  signInTerminal(request: {
    terminalId: string;
    merchantNumberFromTerminal: string;
    keyMode: string;
    operatorNumber: string;
  }): Promise<SignInTerminalResponse>;
  signOffTerminal(terminalId: string): Promise<void>;
  /** Moves the terminal to its next batch after a 0500 settlement. */
  setTerminalBatch(terminalId: string, batchNumber: string): Promise<void>;
  ready(): Promise<boolean>;
  close(): void;
}

export function createMerchantServiceClient(address: string): MerchantServiceClient {
  return createClient(MerchantServiceClient, address);
}

/** The merchant service over one long-lived gRPC channel; a terminal it does not know is undefined. */
export function createMerchantClient(client: MerchantServiceClient): MerchantPort {
  const timeout = { timeoutMs: MERCHANT_CALL_TIMEOUT_MS };
  return {
    async getTerminalContext(terminalId) {
      try {
        return await callUnary(client.getTerminalContext.bind(client), { terminalId }, timeout);
      } catch (error) {
        if (error instanceof ServiceError && error.code === 'NOT_FOUND') return undefined;
        throw error;
      }
    },
    signInTerminal: (request) => callUnary(client.signInTerminal.bind(client), request, timeout),
    async signOffTerminal(terminalId) {
      await callUnary(client.signOffTerminal.bind(client), { terminalId }, timeout);
    },
    async setTerminalBatch(terminalId, batchNumber) {
      await callUnary(client.setTerminalBatch.bind(client), { terminalId, batchNumber }, timeout);
    },
    ready: () => channelReady(client, READY_PROBE_TIMEOUT_MS),
    close: () => client.close(),
  };
}
