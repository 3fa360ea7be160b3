/** Field 22 (POS entry mode, n3): the first two digits say how the card was read. */
export type EntryMethod = 'manual' | 'magstripe' | 'scan_code' | 'contact_ic' | 'contactless' | 'fallback' | 'unknown';

const ENTRY_METHOD_BY_PREFIX: Readonly<Record<string, EntryMethod>> = {
  '01': 'manual',
  '02': 'magstripe',
  '03': 'scan_code',
  '05': 'contact_ic',
  '07': 'contactless',
  '91': 'contactless',
  '98': 'contactless',
  '80': 'fallback',
};

export function entryMethodOf(posEntryMode: string): EntryMethod {
  if (!/^[0-9]{3}$/.test(posEntryMode)) return 'unknown';
  return ENTRY_METHOD_BY_PREFIX[posEntryMode.slice(0, 2)] ?? 'unknown';
}

/** Third digit 1 = the terminal can accept a PIN and one was entered (CUP: 1 PIN, 2 no PIN). */
export function pinEnteredPerEntryMode(posEntryMode: string): boolean {
  return posEntryMode.length === 3 && posEntryMode[2] === '1';
}
