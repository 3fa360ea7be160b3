/** Downloads the network's daily clearing and dispute files (network-sim's admin API in development). */
import { assert } from '@acq/assert';
import { isIsoDate } from '../domain/calendar.ts';

export interface NetworkFilesPort {
  clearingFile(clearingDate: string): Promise<string>;
  disputeFile(disputeDate: string): Promise<string>;
}

export class NetworkFilesError extends Error {
  override readonly name = 'NetworkFilesError';
  readonly code = 'NETWORK_FILE_UNAVAILABLE';
}

export class NetworkSimFilesClient implements NetworkFilesPort {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, timeoutMs: number) {
    assert(/^https?:\/\//.test(baseUrl), 'the network URL is http(s)');
    assert(timeoutMs > 0, 'file downloads have a timeout');
    this.#baseUrl = baseUrl;
    this.#timeoutMs = timeoutMs;
  }

  clearingFile(clearingDate: string): Promise<string> {
    return this.#download('clearing-files', clearingDate);
  }

  disputeFile(disputeDate: string): Promise<string> {
    return this.#download('dispute-files', disputeDate);
  }

  async #download(kind: string, date: string): Promise<string> {
    assert(isIsoDate(date), 'files are requested by ISO date');
    const url = `${this.#baseUrl}/network/${kind}/${date.replaceAll('-', '')}`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs) });
      if (!response.ok) throw new NetworkFilesError(`${kind} for ${date}: HTTP ${response.status}`);
      return await response.text();
    } catch (error) {
      if (error instanceof NetworkFilesError) throw error;
      throw new NetworkFilesError(`${kind} for ${date}: network unreachable`, { cause: error });
    }
  }
}
