// parseElf: the committed example parses; malformed or unsuitable files fail with
// RrvmError 'elf.invalid' and a one-line reason, never another exception.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { parseElf } from '../../src/machine/elf-loader.js';

const RAM = 0x8000_0000;
const RAM_BYTES = 1 << 20;
const hello = new Uint8Array(readFileSync(fileURLToPath(new URL('../../examples/hello/hello.elf', import.meta.url))));

/** A copy of hello.elf with `patch` applied through a DataView. */
function patched(patch: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = hello.slice();
  patch(new DataView(bytes.buffer), bytes);
  return bytes;
}

/** Offset of the program header of hello.elf's first PT_LOAD segment. */
function firstLoadHeader(view: DataView): number {
  const phoff = view.getUint32(28, true);
  for (let i = 0; i < view.getUint16(44, true); i++) {
    if (view.getUint32(phoff + 32 * i, true) === 1) return phoff + 32 * i;
  }
  throw new Error('hello.elf has no PT_LOAD');
}

/** The RrvmError thrown by `fn`, failing the test if it throws nothing or something else. */
function elfError(fn: () => unknown): RrvmError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RrvmError);
    return e as RrvmError;
  }
  throw new Error('expected parseElf to throw');
}

describe('parseElf', () => {
  it('parses the committed hello.elf: entry 0x80000000, segments in RAM, bss zero-filled', () => {
    const image = parseElf(hello, RAM, RAM_BYTES);
    expect(image.entry).toBe(0x8000_0000);
    expect(image.segments.length).toBeGreaterThan(0);
    for (const s of image.segments) {
      expect(s.address).toBeGreaterThanOrEqual(RAM);
      expect(s.address + s.data.length).toBeLessThanOrEqual(RAM + RAM_BYTES);
    }
    const text = image.segments.find((s) => s.address === RAM)!;
    // The entry holds the first instruction of crt0, copied from the file.
    const view = new DataView(hello.buffer, hello.byteOffset);
    const fileOffset = view.getUint32(firstLoadHeader(view) + 4, true);
    expect(Array.from(text.data.subarray(0, 16))).toEqual(Array.from(hello.subarray(fileOffset, fileOffset + 16)));
    // The data/bss segment has no file bytes (filesz 0, memsz 8): all zeros.
    const bss = image.segments.find((s) => s.address === 0x8000_1000);
    expect(bss === undefined || bss.data.every((b) => b === 0)).toBe(true);
    expect(image.tohost).toBeUndefined();
  });

  it('skips non-PT_LOAD headers such as RISCV_ATTRIBUTES at address 0', () => {
    const image = parseElf(hello, RAM, RAM_BYTES);
    expect(image.segments.every((s) => s.address !== 0)).toBe(true);
  });

  const cases: [string, () => Uint8Array, RegExp][] = [
    ['a text file', () => new TextEncoder().encode('#!/bin/sh\necho this is not an ELF file\n'.repeat(4)), /not an ELF file \(bad magic\)/],
    ['a file shorter than an ELF header', () => hello.slice(0, 20), /too short/],
    ['an empty file', () => new Uint8Array(0), /too short/],
    ['a 64-bit ELF header', () => patched((_v, b) => (b[4] = 2)), /not a 32-bit ELF \(EI_CLASS=2\)/],
    ['a big-endian ELF', () => patched((_v, b) => (b[5] = 2)), /not a little-endian ELF/],
    ['an x86-64 machine', () => patched((v) => v.setUint16(18, 62, true)), /not a RISC-V ELF \(e_machine=62\)/],
    ['a shared object instead of an executable', () => patched((v) => v.setUint16(16, 3, true)), /not an executable ELF \(e_type=3\)/],
    ['program headers past the end of the file', () => patched((v) => v.setUint32(28, hello.length - 8, true)), /program headers lie outside the file/],
    ['a truncated file', () => hello.slice(0, 100), /program headers lie outside the file/],
    ['segment bytes past the end of the file', () => patched((v) => v.setUint32(firstLoadHeader(v) + 4, hello.length - 4, true)), /segment 1 lies outside the file/],
    ['a segment below RAM', () => patched((v) => v.setUint32(firstLoadHeader(v) + 12, 0x1000, true)), /segment 1 at 0x00001000\.\.0x00001447 lies outside RAM 0x80000000\.\.0x80100000/],
    ['a segment running past the end of RAM', () => patched((v) => v.setUint32(firstLoadHeader(v) + 12, RAM + RAM_BYTES - 0x100, true)), /segment 1 at 0x800fff00\.\.0x80100347 lies outside RAM/],
    ['an entry point outside RAM', () => patched((v) => v.setUint32(24, 0x1000, true)), /entry point 0x1000 lies outside RAM/],
    ['no loadable segment', () => patched((v) => {
      const phoff = v.getUint32(28, true);
      for (let i = 0; i < v.getUint16(44, true); i++) v.setUint32(phoff + 32 * i, 6, true);
    }), /no loadable segments/],
  ];
  for (const [what, bytes, message] of cases) {
    it(`rejects ${what} with elf.invalid and a clear message`, () => {
      const error = elfError(() => parseElf(bytes(), RAM, RAM_BYTES));
      expect(error.code).toBe('elf.invalid');
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('\n');
    });
  }

  it('rejects a guest that does not fit a smaller RAM', () => {
    const error = elfError(() => parseElf(hello, RAM, 0x1000));
    expect(error.code).toBe('elf.invalid');
    expect(error.message).toMatch(/segment 2 at 0x80001000\.\.0x80001008 lies outside RAM 0x80000000\.\.0x80001000/);
  });

  it('finds the tohost symbol when the symbol table has one', () => {
    // Rename hello.elf's `__bss_end` (0x80001008) to `tohost` by writing "tohost\0" over its name.
    const bytes = hello.slice();
    const at = indexOfBytes(bytes, new TextEncoder().encode('\0__bss_end\0'));
    expect(at).toBeGreaterThan(0);
    bytes.set(new TextEncoder().encode('tohost\0'), at + 1);
    expect(parseElf(bytes, RAM, RAM_BYTES).tohost).toBe(0x8000_1008);
  });

  it('finds tohost and fromhost in a minimal hand-built ELF, and not a symbol that only starts with "tohost"', () => {
    const withIt = buildElf([['fromhost', 0x8000_1008], ['tohost', 0x8000_1000]]);
    expect(parseElf(withIt, RAM, RAM_BYTES)).toEqual({
      entry: RAM,
      segments: [{ address: RAM, data: new Uint8Array([0x6f, 0, 0, 0, 0, 0, 0, 0]) }],
      tohost: 0x8000_1000,
      fromhost: 0x8000_1008,
    });
    const without = buildElf([['tohost_x', 0x8000_1000], ['xtohost', 0x8000_1004]]);
    expect(parseElf(without, RAM, RAM_BYTES).tohost).toBeUndefined();
  });

  it('ignores a symbol table with broken offsets instead of failing', () => {
    const broken = buildElf([['tohost', 0x8000_1000]]);
    const view = new DataView(broken.buffer);
    const shoff = view.getUint32(32, true);
    view.setUint32(shoff + 40 + 16, 0xffff_fff0, true); // .symtab sh_offset
    expect(parseElf(broken, RAM, RAM_BYTES).tohost).toBeUndefined();
  });

  it('throws only elf.invalid errors for corrupted or truncated copies of hello.elf', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(hello.length - 1), fc.nat(255)), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat(hello.length), { nil: undefined }),
        fc.boolean(),
        (edits, cut, headerOnly) => {
          const bytes = hello.slice(0, cut ?? hello.length);
          // Aim half of the runs at the headers, where parsing decisions are made.
          for (const [at, value] of edits) {
            const offset = headerOnly ? at % 180 : at;
            if (offset < bytes.length) bytes[offset] = value;
          }
          try {
            const image = parseElf(bytes, RAM, RAM_BYTES);
            for (const s of image.segments) expect(s.address + s.data.length).toBeLessThanOrEqual(RAM + RAM_BYTES);
          } catch (e) {
            expect(e).toBeInstanceOf(RrvmError);
            expect((e as RrvmError).code).toBe('elf.invalid');
          }
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });
});

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/**
 * A minimal ELF32 RISC-V executable: one PT_LOAD of 8 bytes at RAM (a `j .` and padding),
 * and section headers [null, .symtab, .strtab] holding `symbols`.
 */
function buildElf(symbols: [string, number][]): Uint8Array {
  const enc = new TextEncoder();
  const strtab: number[] = [0];
  const nameOffsets = symbols.map(([name]) => {
    const at = strtab.length;
    strtab.push(...enc.encode(name), 0);
    return at;
  });
  const code = [0x6f, 0, 0, 0, 0, 0, 0, 0];
  const phoff = 52;
  const codeOff = phoff + 32;
  const symOff = codeOff + code.length;
  const symSize = 16 * (symbols.length + 1);
  const strOff = symOff + symSize;
  const shoff = (strOff + strtab.length + 3) & ~3;
  const bytes = new Uint8Array(shoff + 3 * 40);
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 243, true); // EM_RISCV
  v.setUint32(20, 1, true);
  v.setUint32(24, RAM, true);
  v.setUint32(28, phoff, true);
  v.setUint32(32, shoff, true);
  v.setUint16(40, 52, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, 1, true);
  v.setUint16(46, 40, true);
  v.setUint16(48, 3, true);
  // PT_LOAD
  v.setUint32(phoff, 1, true);
  v.setUint32(phoff + 4, codeOff, true);
  v.setUint32(phoff + 8, RAM, true);
  v.setUint32(phoff + 12, RAM, true);
  v.setUint32(phoff + 16, code.length, true);
  v.setUint32(phoff + 20, code.length, true);
  v.setUint32(phoff + 24, 5, true);
  bytes.set(code, codeOff);
  // Symbols (entry 0 is the null symbol).
  symbols.forEach(([, value], i) => {
    const s = symOff + 16 * (i + 1);
    v.setUint32(s, nameOffsets[i]!, true);
    v.setUint32(s + 4, value, true);
    v.setUint16(s + 14, 1, true);
  });
  bytes.set(strtab, strOff);
  // Section 1: .symtab (link = 2), section 2: .strtab.
  const sh1 = shoff + 40;
  v.setUint32(sh1 + 4, 2, true);
  v.setUint32(sh1 + 16, symOff, true);
  v.setUint32(sh1 + 20, symSize, true);
  v.setUint32(sh1 + 24, 2, true);
  v.setUint32(sh1 + 36, 16, true);
  const sh2 = shoff + 80;
  v.setUint32(sh2 + 4, 3, true);
  v.setUint32(sh2 + 16, strOff, true);
  v.setUint32(sh2 + 20, strtab.length, true);
  return bytes;
}
