// AsciiOut (streams/taps/internal/ascii-out.ts): the numbers it writes are what String and
// padStart would write, and text larger than its buffer reaches the file whole and in order.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ascii, AsciiOut } from '../../../streams/taps/internal/ascii-out.js';
import type { ByteFile } from '../../../streams/taps/internal/line-file.js';

/** A ByteFile that keeps what reaches it (copies: writeNow's bytes may be reused). */
function memoryFile(): ByteFile & { text(): string } {
  const pieces: Uint8Array[] = [];
  return {
    write: (b) => pieces.push(b.slice()),
    writeNow: (b) => pieces.push(b.slice()),
    close: () => {},
    text: () => Buffer.concat(pieces).toString('latin1'),
  };
}

describe('AsciiOut', () => {
  it('writes decimals padded like padStart and hex like toString(16)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 99 }), fc.maxSafeNat()), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 0xffff_ffff }), (n, width, v) => {
        const file = memoryFile();
        const out = new AsciiOut(file);
        out.room(64);
        out.decimal(n, width);
        out.bytes(ascii(' '));
        out.hex8(v);
        out.newline();
        out.close();
        expect(file.text()).toBe(`${String(n).padStart(width)} ${v.toString(16).padStart(8, '0')}\n`);
      }),
      { numRuns: 300 },
    );
  });

  it('sends more text than its buffer holds to the file in order', () => {
    const file = memoryFile();
    const out = new AsciiOut(file);
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      out.room(32);
      out.decimal(i, 10);
      out.newline();
      lines.push(String(i).padStart(10));
    }
    out.close();
    expect(file.text()).toBe(lines.join('\n') + '\n');
  });
});
