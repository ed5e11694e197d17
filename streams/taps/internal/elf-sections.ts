/** One section header of an ELF32 file, with its name. */
export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  address: number;
  offset: number;
  size: number;
  link: number;
}

/** Section types and flags (System V ABI, ELF-32 object file format). */
export const Sht = { PROGBITS: 1, SYMTAB: 2 } as const;
export const Shf = { EXECINSTR: 4 } as const;

const EHDR_BYTES = 52;
const SHDR_BYTES = 40;

/**
 * The section headers of an ELF32 little-endian file; [] when it is not one or its section
 * table lies outside the file (a tap then just finds no symbols). Sections whose contents lie
 * outside the file are dropped.
 */
export function elfSections(bytes: Uint8Array): ElfSection[] {
  if (bytes.length < EHDR_BYTES || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46 || bytes[4] !== 1 || bytes[5] !== 1) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = view.getUint32(32, true);
  const shnum = view.getUint16(48, true);
  const shstrndx = view.getUint16(50, true);
  if (view.getUint16(46, true) !== SHDR_BYTES || shoff + shnum * SHDR_BYTES > bytes.length) return [];
  const raw = Array.from({ length: shnum }, (_, i) => {
    const sh = shoff + i * SHDR_BYTES;
    return {
      nameOffset: view.getUint32(sh, true),
      type: view.getUint32(sh + 4, true),
      flags: view.getUint32(sh + 8, true),
      address: view.getUint32(sh + 12, true),
      offset: view.getUint32(sh + 16, true),
      size: view.getUint32(sh + 20, true),
      link: view.getUint32(sh + 24, true),
    };
  });
  const names = raw[shstrndx];
  return raw.map(({ nameOffset, ...s }) => ({
    ...s,
    name: names === undefined ? '' : cString(bytes, names.offset + nameOffset, names.offset + names.size),
    // NOBITS sections (.bss) have no contents in the file; nothing here reads them.
    size: s.type !== 8 && s.offset + s.size > bytes.length ? 0 : s.size,
  }));
}

/** The NUL-terminated string at `start` (not past `end` or the file), '' when there is none. */
export function cString(bytes: Uint8Array, start: number, end: number): string {
  const limit = Math.min(end, bytes.length);
  if (start >= limit) return '';
  let stop = bytes.indexOf(0, start);
  if (stop < 0 || stop > limit) stop = limit;
  return Buffer.from(bytes.subarray(start, stop)).toString('latin1');
}
