/**
 * The CUP POS terminal dialect (DESIGN.md section 4): BCD MTI, one 64-bit binary bitmap, LL/LLL
 * prefixes as BCD bytes counting digits for n/z fields and bytes otherwise. Field 60's length
 * differs between terminal vendors, so it is declared with its maximum and read by its prefix.
 */
import { defineSpec, fixed, llvar, lllvar } from '../spec.ts';

/** Largest CUP POS message (MTI to field 64) this switch accepts. */
export const CUP_POS_MESSAGE_BYTES_MAX = 4096;

export const cupPosSpec = defineSpec({
  name: 'cup-pos-v1',
  mtiEncoding: 'bcd',
  lengthPrefixEncoding: 'bcd',
  secondaryBitmap: false,
  macFieldNumber: 64,
  messageBytesMax: CUP_POS_MESSAGE_BYTES_MAX,
  fields: {
    2: llvar('n-bcd-left', 19, 'Primary account number', 'pan'),
    3: fixed('n-bcd-left', 6, 'Processing code'),
    4: fixed('n-bcd-left', 12, 'Amount, transaction (fen)'),
    11: fixed('n-bcd-left', 6, 'System trace audit number'),
    12: fixed('n-bcd-left', 6, 'Time, local transaction hhmmss'),
    13: fixed('n-bcd-left', 4, 'Date, local transaction MMDD'),
    14: fixed('n-bcd-left', 4, 'Date, expiration YYMM', 'hidden'),
    15: fixed('n-bcd-left', 4, 'Date, settlement MMDD'),
    22: fixed('n-bcd-left', 3, 'POS entry mode'),
    23: fixed('n-bcd-right', 3, 'Card sequence number'),
    25: fixed('n-bcd-left', 2, 'POS condition code'),
    26: fixed('n-bcd-left', 2, 'POS PIN capture code'),
    32: llvar('n-bcd-left', 11, 'Acquiring institution identification code'),
    35: llvar('z-bcd', 37, 'Track 2 data', 'hidden'),
    36: lllvar('z-bcd', 104, 'Track 3 data', 'hidden'),
    37: fixed('ascii', 12, 'Retrieval reference number'),
    38: fixed('ascii', 6, 'Authorization identification response'),
    39: fixed('ascii', 2, 'Response code'),
    41: fixed('ascii', 8, 'Card acceptor terminal identification'),
    42: fixed('ascii', 15, 'Card acceptor identification code'),
    44: llvar('ascii', 25, 'Additional response data'),
    48: lllvar('n-bcd-left', 322, 'Additional data (settlement totals)'),
    49: fixed('ascii', 3, 'Currency code, transaction'),
    52: fixed('binary', 8, 'PIN data', 'hidden'),
    53: fixed('n-bcd-left', 16, 'Security related control information'),
    54: lllvar('ascii', 20, 'Balance amount'),
    55: lllvar('binary', 255, 'ICC system related data (EMV TLV)', 'hidden'),
    59: lllvar('ascii', 999, 'Scan-code payment data'),
    60: lllvar('n-bcd-left', 30, 'Reserved private (txn type, batch, network mgmt code)'),
    61: lllvar('n-bcd-left', 29, 'Original message data'),
    62: lllvar('binary', 512, 'Reserved private (working keys in sign-in responses)', 'hidden'),
    63: lllvar('ascii', 163, 'Reserved private'),
    64: fixed('binary', 8, 'Message authentication code'),
  },
});
