/**
 * Named bounds of the codec. A terminal frame's 2-byte length could announce 65,535 bytes; no valid
 * CUP POS message comes close (the largest fields are 59 at 999 bytes, 62 at 512 and 55 at 255), so
 * anything past ISO_FRAME_BYTES_MAX is refused before buffering it.
 */
export const ISO_FRAME_BYTES_MAX = 8192;
/** The 2-byte big-endian length prefix of terminal and network link frames. */
export const ISO_FRAME_LENGTH_PREFIX_BYTES = 2;
/** Largest value the 2-byte length prefix can express. */
export const ISO_FRAME_LENGTH_PREFIX_VALUE_MAX = 0xffff;
/** Highest data element number of any spec (primary + secondary bitmap). */
export const ISO_FIELD_NUMBER_MAX = 128;
/** BER-TLV in field 55: nesting depth and item count bounds (EMV data is at most two levels deep). */
export const TLV_DEPTH_MAX = 4;
export const TLV_ITEMS_MAX = 128;
/** BER-TLV tags longer than three bytes do not occur in EMV. */
export const TLV_TAG_BYTES_MAX = 3;
