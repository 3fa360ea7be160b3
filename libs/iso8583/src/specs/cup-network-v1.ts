/**
 * The upstream link between our authorization service and the card network (the simulator in
 * development): ISO 8583:1987 style with an ASCII MTI, a binary primary + secondary bitmap (128
 * fields), ASCII content and LL/LLL prefixes as ASCII digits. Binary elements (52 PIN block, 55 ICC
 * data, 64/96/128 MACs) are raw bytes. Track 2 is ASCII with '=' as separator.
 */
import { defineSpec, fixed, llvar, lllvar } from '../spec.ts';

export const CUP_NETWORK_MESSAGE_BYTES_MAX = 4096;

export const cupNetworkSpec = defineSpec({
  name: 'cup-network-v1',
  mtiEncoding: 'ascii',
  lengthPrefixEncoding: 'ascii',
  secondaryBitmap: true,
  macFieldNumber: 128,
  messageBytesMax: CUP_NETWORK_MESSAGE_BYTES_MAX,
  fields: {
    2: llvar('n-ascii', 19, 'Primary account number', 'pan'),
    3: fixed('n-ascii', 6, 'Processing code'),
    4: fixed('n-ascii', 12, 'Amount, transaction (fen)'),
    7: fixed('n-ascii', 10, 'Transmission date and time MMDDhhmmss'),
    11: fixed('n-ascii', 6, 'System trace audit number'),
    12: fixed('n-ascii', 6, 'Time, local transaction hhmmss'),
    13: fixed('n-ascii', 4, 'Date, local transaction MMDD'),
    14: fixed('n-ascii', 4, 'Date, expiration YYMM', 'hidden'),
    15: fixed('n-ascii', 4, 'Date, settlement MMDD'),
    18: fixed('n-ascii', 4, 'Merchant type (MCC)'),
    19: fixed('n-ascii', 3, 'Acquiring institution country code'),
    22: fixed('n-ascii', 3, 'POS entry mode'),
    23: fixed('n-ascii', 3, 'Card sequence number'),
    25: fixed('n-ascii', 2, 'POS condition code'),
    26: fixed('n-ascii', 2, 'POS PIN capture code'),
    28: fixed('ascii', 9, 'Amount, transaction fee (x+n8)'),
    32: llvar('n-ascii', 11, 'Acquiring institution identification code'),
    33: llvar('n-ascii', 11, 'Forwarding institution identification code'),
    35: llvar('ascii', 37, 'Track 2 data', 'hidden'),
    36: lllvar('ascii', 104, 'Track 3 data', 'hidden'),
    37: fixed('ascii', 12, 'Retrieval reference number'),
    38: fixed('ascii', 6, 'Authorization identification response'),
    39: fixed('ascii', 2, 'Response code'),
    41: fixed('ascii', 8, 'Card acceptor terminal identification'),
    42: fixed('ascii', 15, 'Card acceptor identification code'),
    43: fixed('ascii', 40, 'Card acceptor name and location'),
    44: llvar('ascii', 25, 'Additional response data'),
    48: lllvar('ascii', 999, 'Additional data, private'),
    49: fixed('n-ascii', 3, 'Currency code, transaction'),
    52: fixed('binary', 8, 'PIN data (under the network ZPK)', 'hidden'),
    53: fixed('n-ascii', 16, 'Security related control information'),
    54: lllvar('ascii', 120, 'Additional amounts (balances)'),
    55: lllvar('binary', 255, 'ICC system related data (EMV TLV)', 'hidden'),
    60: lllvar('ascii', 999, 'Reserved private'),
    61: lllvar('ascii', 999, 'Reserved private (original data)'),
    62: lllvar('ascii', 999, 'Reserved private'),
    63: lllvar('ascii', 999, 'Reserved private'),
    64: fixed('binary', 8, 'Message authentication code (primary)'),
    70: fixed('n-ascii', 3, 'Network management information code'),
    90: fixed('n-ascii', 42, 'Original data elements (MTI, STAN, date-time, acquirer, forwarder)'),
    96: fixed('binary', 8, 'Message security code'),
    100: llvar('n-ascii', 11, 'Receiving institution identification code'),
    102: llvar('ascii', 28, 'Account identification 1'),
    103: llvar('ascii', 28, 'Account identification 2'),
    128: fixed('binary', 8, 'Message authentication code'),
  },
});
