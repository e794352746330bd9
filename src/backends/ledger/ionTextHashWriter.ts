import { IonHashWriter } from './ionHashWriter.ts';
import { timestampOfInstant } from './ionTimestamp.ts';
import type { Hash } from './ledgerHash.ts';

// Ion text's escapes in a quoted string or symbol: the backslash, both quotes, and every
// control character (below 0x20, and 0x7f) as \xHH; any other character stands for
// itself (the text is UTF-8).
function quoted(text: string, quote: '"' | "'"): string {
  let escaped = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code !== 0x7f && code !== 0x5c && code !== 0x22 && code !== 0x27) continue;
    const replacement =
      code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : `\\${text[i]}`;
    escaped += text.slice(from, i) + replacement;
    from = i + 1;
  }
  return `${quote}${escaped}${text.slice(from)}${quote}`;
}

interface Open {
  kind: 'struct' | 'list';
  values: number;
}

/**
 * Writes one Ion value of structs, lists, strings, ints, timestamps and blobs twice at
 * once: as Ion text, and into the ledger's IonHashWriter, so the hash is the Ion hash of
 * that text without reading it back. ion-js's writers take milliseconds for a block's
 * transaction info of 50 documents; this takes a small fraction of that. The text
 * reads back (ionHashOfIon, ionToJson) as the value hashed, which verification checks
 * on every block.
 */
export class IonTextHashWriter {
  readonly #hash = new IonHashWriter();
  readonly #open: Open[] = [];
  #text = '';

  #beforeValue(): void {
    const open = this.#open.at(-1);
    if (open?.kind === 'list' && open.values++ > 0) this.#text += ',';
  }

  /** Opens a struct or a list; its values follow, then {@link stepOut}. */
  stepIn(kind: 'struct' | 'list'): void {
    this.#beforeValue();
    this.#text += kind === 'struct' ? '{' : '[';
    this.#open.push({ kind, values: 0 });
    this.#hash.stepIn(kind);
  }

  /** Closes the innermost open struct or list. */
  stepOut(): void {
    const open = this.#open.pop();
    if (open === undefined) throw new Error('stepOut: no open container');
    this.#text += open.kind === 'struct' ? '}' : ']';
    this.#hash.stepOut();
  }

  /** Names the next value of the open struct (as a quoted symbol). */
  writeFieldName(name: string): void {
    const open = this.#open.at(-1);
    if (open?.kind !== 'struct') throw new Error('writeFieldName: no open struct');
    this.#text += `${open.values++ > 0 ? ',' : ''}${quoted(name, "'")}:`;
    this.#hash.writeFieldName(name);
  }

  /** A string. */
  writeString(value: string): void {
    this.#beforeValue();
    this.#text += quoted(value, '"');
    this.#hash.writeString(value);
  }

  /** A non-negative safe integer. */
  writeInt(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`writeInt: ${value} is not a count`);
    this.#beforeValue();
    this.#text += String(value);
    this.#hash.writeInt(value);
  }

  /** An instant, as QLDB writes its times: an Ion timestamp to the millisecond, in UTC. */
  writeTimestamp(value: Date): void {
    const instant = value.toISOString();
    this.#beforeValue();
    this.#text += instant;
    this.#hash.writeTimestamp(timestampOfInstant(instant));
  }

  /** A blob. */
  writeBlob(value: Uint8Array): void {
    this.#beforeValue();
    this.#text += `{{${Buffer.from(value).toString('base64')}}}`;
    this.#hash.writeBlob(value);
  }

  /** The value written, as UTF-8 Ion text, and its Ion hash. */
  finish(): { ion: Uint8Array; hash: Hash } {
    if (this.#open.length > 0) throw new Error('finish: a container is still open');
    return { ion: new Uint8Array(Buffer.from(this.#text, 'utf8')), hash: this.#hash.digest() };
  }
}
