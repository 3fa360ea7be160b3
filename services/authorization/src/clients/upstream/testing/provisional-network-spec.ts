/**
 * Stand-in for `cupNetworkSpec` while @acq/iso8583 does not export it yet: the ISO 87 network
 * fields the connector uses, defined with the library's own table helpers. Removed once the
 * library's spec lands.
 */
import { defineSpec, fixed, llvar, lllvar } from '@acq/iso8583';

export const provisionalNetworkSpec = defineSpec({
  name: 'provisional-network',
  mtiEncoding: 'ascii',
  lengthPrefixEncoding: 'ascii',
  secondaryBitmap: true,
  macFieldNumber: 128,
  messageBytesMax: 4096,
  fields: {
    2: llvar('n-ascii', 19, 'PAN', 'pan'),
    3: fixed('n-ascii', 6, 'Processing code'),
    4: fixed('n-ascii', 12, 'Amount'),
    7: fixed('n-ascii', 10, 'Transmission date-time'),
    11: fixed('n-ascii', 6, 'STAN'),
    12: fixed('n-ascii', 6, 'Local time'),
    13: fixed('n-ascii', 4, 'Local date'),
    14: fixed('n-ascii', 4, 'Expiry', 'hidden'),
    18: fixed('n-ascii', 4, 'MCC'),
    22: fixed('n-ascii', 3, 'POS entry mode'),
    25: fixed('n-ascii', 2, 'POS condition code'),
    32: llvar('n-ascii', 11, 'Acquirer institution id'),
    35: llvar('ascii', 37, 'Track 2', 'hidden'),
    37: fixed('ascii', 12, 'RRN'),
    38: fixed('ascii', 6, 'Auth code'),
    39: fixed('ascii', 2, 'Response code'),
    41: fixed('ascii', 8, 'Terminal id'),
    42: fixed('ascii', 15, 'Merchant number'),
    43: fixed('ascii', 40, 'Merchant name/location'),
    49: fixed('ascii', 3, 'Currency'),
    52: fixed('binary', 8, 'PIN block', 'hidden'),
    54: lllvar('ascii', 120, 'Balance'),
    55: lllvar('binary', 255, 'ICC data', 'hidden'),
    70: fixed('n-ascii', 3, 'Network management code'),
    90: fixed('n-ascii', 42, 'Original data elements'),
    128: fixed('binary', 8, 'MAC'),
  },
});
