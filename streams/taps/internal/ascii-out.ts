import type { ByteFile } from './line-file.js';

/** Bytes of buffered text before they go to the file. */
const CHUNK_BYTES = 1 << 20;
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const SPACE = 0x20;
const NEWLINE = 0x0a;

/**
 * ASCII text written straight into a byte buffer, for taps that write a line per instruction:
 * no string per line, no join, no UTF-8 encoding. `room` first, then the pieces of the line.
 */
export class AsciiOut {
  private buf = new Uint8Array(CHUNK_BYTES);
  private at = 0;
  private readonly digits = new Uint8Array(24);

  constructor(private readonly file: ByteFile) {}

  /** Makes room for `n` more bytes (sending what is buffered to the file when needed). */
  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    this.drain();
    if (n > this.buf.length) this.buf = new Uint8Array(n);
  }

  /** Pre-encoded ASCII. */
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  /** The non-negative integer `n` in decimal, right-aligned in `width` columns (wider when it has more digits). */
  decimal(n: number, width: number): void {
    const d = this.digits;
    let count = 0;
    do {
      d[count++] = 48 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    const buf = this.buf;
    for (let pad = width - count; pad > 0; pad--) buf[this.at++] = SPACE;
    while (count > 0) buf[this.at++] = d[--count]!;
  }

  /** `v` as 8 lowercase hex digits. */
  hex8(v: number): void {
    const buf = this.buf;
    for (let shift = 28; shift >= 0; shift -= 4) buf[this.at++] = HEX[(v >>> shift) & 15]!;
  }

  newline(): void {
    this.buf[this.at++] = NEWLINE;
  }

  /** Writes the buffered text to the file. */
  drain(): void {
    if (this.at === 0) return;
    this.file.writeNow(this.buf.subarray(0, this.at));
    this.at = 0;
  }

  /** Drains and closes the file. */
  close(): void {
    this.drain();
    this.file.close();
  }
}

/** ASCII text as bytes (each char's low 8 bits: callers pass ASCII). */
export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}
