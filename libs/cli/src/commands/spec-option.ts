/** The `--spec` option shared by the ISO commands: the terminal dialect or the network link. */
import { cupNetworkSpec, cupPosSpec, type MessageSpec } from '@acq/iso8583';
import { CliUsageError } from '../command.ts';

export const SPEC_NAMES = ['cup-pos', 'cup-network'] as const;

export function specByName(name: string | undefined): MessageSpec {
  if (name === undefined || name === 'cup-pos') return cupPosSpec;
  if (name === 'cup-network') return cupNetworkSpec;
  throw new CliUsageError(`unknown spec "${name}"; use ${SPEC_NAMES.join(' or ')}`);
}
