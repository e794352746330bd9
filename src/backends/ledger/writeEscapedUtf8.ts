const BEGIN = 0x0b;
const END = 0x0e;
const ESCAPE = 0x0c;

/**
 * Writes `text` as UTF-8 into `bytes` from `at`, with 0x0C before each byte 0x0B,
 * 0x0C or 0x0E (the Ion Hash escape), and returns where it stopped. `bytes` must have
 * room for 3 bytes per UTF-16 code unit. Only ASCII bytes can need escaping: every
 * byte of a multi-byte sequence is 0x80 or more. A lone surrogate is not Unicode and
 * throws, as in the Ion text reader and PostgreSQL's jsonb (ion-js's binary writer
 * would encode a lone low surrogate as if it were a character).
 */
export function writeEscapedUtf8(bytes: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      if (code === BEGIN || code === END || code === ESCAPE) bytes[at++] = ESCAPE;
      bytes[at++] = code;
    } else if (code < 0x800) {
      bytes[at++] = (code >> 6) | 0xc0;
      bytes[at++] = (code & 0x3f) | 0x80;
    } else if (code < 0xd800 || code > 0xdfff) {
      bytes[at++] = (code >> 12) | 0xe0;
      bytes[at++] = ((code >> 6) & 0x3f) | 0x80;
      bytes[at++] = (code & 0x3f) | 0x80;
    } else {
      const low = text.charCodeAt(++i);
      if (code > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) {
        throw new RangeError(
          `a string holds a lone surrogate (0x${code.toString(16)}), which is not Unicode`,
        );
      }
      code = 0x10000 + ((code & 0x3ff) << 10) + (low & 0x3ff);
      bytes[at++] = (code >> 18) | 0xf0;
      bytes[at++] = ((code >> 12) & 0x3f) | 0x80;
      bytes[at++] = ((code >> 6) & 0x3f) | 0x80;
      bytes[at++] = (code & 0x3f) | 0x80;
    }
  }
  return at;
}
