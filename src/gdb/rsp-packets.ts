/**
 * Framing of the GDB remote serial protocol: `$data#cs` packets, the `}` escape, checksums,
 * acknowledgements and the out-of-band interrupt byte (GDB manual, "Overview" of Appendix E).
 * Packet data are handled as latin1 strings: one char per byte, so binary data survive.
 */

/** The byte gdb sends outside any packet to interrupt a running target (Ctrl-C). */
export const INTERRUPT_BYTE = 0x03;

/** The sum of the char codes of `data` modulo 256, as the two hex digits that follow `#`. */
export function checksum(data: string): string {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum = (sum + data.charCodeAt(i)) & 0xff;
  return sum.toString(16).padStart(2, '0');
}

/** Escapes the four bytes that cannot appear raw in a packet (`#`, `$`, `}`, `*`): `}` then the byte xor 0x20. */
export function escapeBinary(data: string): string {
  return data.replace(/[#$}*]/g, (c) => '}' + String.fromCharCode(c.charCodeAt(0) ^ 0x20));
}

/** Undoes `escapeBinary`. A `}` at the very end (invalid) is dropped. */
export function unescapeBinary(data: string): string {
  if (!data.includes('}')) return data;
  let out = '';
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === '}') {
      i++;
      if (i < data.length) out += String.fromCharCode(data.charCodeAt(i) ^ 0x20);
    } else {
      out += c;
    }
  }
  return out;
}

/** The bytes on the wire for a packet carrying `data` (escaped, with its checksum). */
export function framePacket(data: string): Buffer {
  const body = escapeBinary(data);
  return Buffer.from(`$${body}#${checksum(body)}`, 'latin1');
}

/** What arrives from gdb, one item at a time. */
export type RspInput =
  /** A complete packet, unescaped; `valid` is false when its checksum did not match. */
  | { kind: 'packet'; data: string; valid: boolean }
  /** `+`: the last packet sent arrived intact. */
  | { kind: 'ack' }
  /** `-`: the last packet sent arrived damaged; send it again. */
  | { kind: 'nack' }
  /** 0x03 outside a packet: gdb's Ctrl-C. */
  | { kind: 'interrupt' };

/**
 * Splits the byte stream from gdb into packets, acks and interrupts. Bytes between packets
 * other than `+`, `-` and 0x03 are ignored, as gdb's own stubs do.
 */
export class RspDecoder {
  /** Body of the packet being read (escaped), or null between packets. */
  private body: string | null = null;
  /** Checksum digits read so far, or null while still in the body. */
  private sum: string | null = null;

  /** Feeds bytes from the connection; returns every item they complete, in order. */
  push(bytes: Uint8Array): RspInput[] {
    const out: RspInput[] = [];
    for (const byte of bytes) {
      const c = String.fromCharCode(byte);
      if (this.body === null) {
        if (c === '$') this.body = '';
        else if (c === '+') out.push({ kind: 'ack' });
        else if (c === '-') out.push({ kind: 'nack' });
        else if (byte === INTERRUPT_BYTE) out.push({ kind: 'interrupt' });
      } else if (this.sum === null) {
        if (c === '#') this.sum = '';
        else this.body += c;
      } else {
        this.sum += c;
        if (this.sum.length === 2) {
          out.push({ kind: 'packet', data: unescapeBinary(this.body), valid: this.sum.toLowerCase() === checksum(this.body) });
          this.body = null;
          this.sum = null;
        }
      }
    }
    return out;
  }
}
