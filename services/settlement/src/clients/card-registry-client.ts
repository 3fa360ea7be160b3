/**
 * The active settlement card from the card registry (GetActiveSettlementCard), asked at the moment a
 * payout starts. The clear account number is sealed at once; only the bank client opens it.
 */
import { callUnary, createClient, ServiceError } from '@acq/grpc';
import { CardRegistryServiceClient } from '@acq/proto/card_registry/v1/card_registry.ts';
import type { SettlementCard, SettlementCardPort } from '../domain/settlement-events.ts';
import type { AccountNumberCipher } from './account-number-cipher.ts';

export class CardRegistryClient implements SettlementCardPort {
  readonly #client: CardRegistryServiceClient;
  readonly #timeoutMs: number;
  readonly #cipher: AccountNumberCipher;

  constructor(address: string, timeoutMs: number, cipher: AccountNumberCipher) {
    this.#client = createClient(CardRegistryServiceClient, address);
    this.#timeoutMs = timeoutMs;
    this.#cipher = cipher;
  }

  async activeCard(merchantId: string): Promise<SettlementCard | undefined> {
    try {
      const card = await callUnary(
        this.#client.getActiveSettlementCard.bind(this.#client),
        { merchantId, asOfMs: 0n },
        { timeoutMs: this.#timeoutMs },
      );
      return {
        cardToken: card.cardToken,
        accountNumberEncrypted: this.#cipher.seal(card.accountNumber),
        holderName: card.holderName,
        bankCode: card.bankCode,
        cardVersion: card.cardVersion,
      };
    } catch (error) {
      if (error instanceof ServiceError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  close(): void {
    this.#client.close();
  }
}
