import { RrvmError } from '../core/rrvm-error.js';
import type { ElfImage, LoadSegment } from './elf-image.js';

/** ELF constants (System V ABI, ELF-32 object file format; RISC-V psABI). */
const ELF = {
  MAGIC: 0x464c457f,
  CLASS32: 1,
  DATA_LE: 1,
  ET_EXEC: 2,
  EM_RISCV: 243,
  PT_LOAD: 1,
  SHT_SYMTAB: 2,
  EHDR_SIZE: 52,
  PHDR_SIZE: 32,
  SHDR_SIZE: 40,
  SYM_SIZE: 16,
} as const;

function fail(message: string): never {
  throw new RrvmError('elf.invalid', message);
}

/**
 * Parses an ELF32 RISC-V executable and checks that every PT_LOAD segment lies in
 * `[ramBase, ramBase + ramBytes)`. Throws RrvmError `elf.invalid` with a one-line reason.
 */
export function parseElf(bytes: Uint8Array, ramBase: number, ramBytes: number): ElfImage {
  if (bytes.length < ELF.EHDR_SIZE) fail(`not an ELF file (${bytes.length} bytes is too short for an ELF header)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== ELF.MAGIC) fail('not an ELF file (bad magic)');
  if (bytes[4] !== ELF.CLASS32) fail(`not a 32-bit ELF (EI_CLASS=${bytes[4]}); rrvm runs RV32 guests`);
  if (bytes[5] !== ELF.DATA_LE) fail('not a little-endian ELF');
  const u16 = (o: number): number => view.getUint16(o, true);
  const u32 = (o: number): number => view.getUint32(o, true);
  if (u16(18) !== ELF.EM_RISCV) fail(`not a RISC-V ELF (e_machine=${u16(18)})`);
  if (u16(16) !== ELF.ET_EXEC) fail(`not an executable ELF (e_type=${u16(16)})`);
  const entry = u32(24);
  const phoff = u32(28);
  const phnum = u16(44);
  if (u16(42) !== ELF.PHDR_SIZE || phoff + phnum * ELF.PHDR_SIZE > bytes.length) fail('program headers lie outside the file');

  const segments: LoadSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * ELF.PHDR_SIZE;
    if (u32(ph) !== ELF.PT_LOAD) continue;
    const offset = u32(ph + 4);
    const address = u32(ph + 12);
    const fileSize = u32(ph + 16);
    const memSize = u32(ph + 20);
    if (memSize === 0) continue;
    if (offset + fileSize > bytes.length || fileSize > memSize) fail(`segment ${i} lies outside the file`);
    if (address < ramBase || address + memSize > ramBase + ramBytes) {
      const hex = (v: number): string => '0x' + v.toString(16).padStart(8, '0');
      fail(`segment ${i} at ${hex(address)}..${hex(address + memSize)} lies outside RAM ${hex(ramBase)}..${hex(ramBase + ramBytes)}`);
    }
    const data = new Uint8Array(memSize);
    data.set(bytes.subarray(offset, offset + fileSize));
    segments.push({ address, data });
  }
  if (segments.length === 0) fail('no loadable segments');
  if (entry < ramBase || entry >= ramBase + ramBytes) fail(`entry point 0x${entry.toString(16)} lies outside RAM`);
  const image: ElfImage = { entry, segments };
  const tohost = findSymbol(bytes, view, 'tohost');
  const fromhost = findSymbol(bytes, view, 'fromhost');
  if (tohost !== undefined) image.tohost = tohost;
  if (fromhost !== undefined) image.fromhost = fromhost;
  return image;
}

/** Looks up a symbol's value in the ELF's .symtab; undefined when absent or unreadable. */
function findSymbol(bytes: Uint8Array, view: DataView, name: string): number | undefined {
  const shoff = view.getUint32(32, true);
  const shnum = view.getUint16(48, true);
  if (shoff === 0 || view.getUint16(46, true) !== ELF.SHDR_SIZE || shoff + shnum * ELF.SHDR_SIZE > bytes.length) return undefined;
  const wanted = new TextEncoder().encode(name + '\0');
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * ELF.SHDR_SIZE;
    if (view.getUint32(sh + 4, true) !== ELF.SHT_SYMTAB) continue;
    const symOff = view.getUint32(sh + 16, true);
    const symSize = view.getUint32(sh + 20, true);
    const strIndex = view.getUint32(sh + 24, true);
    const strSh = shoff + strIndex * ELF.SHDR_SIZE;
    if (strIndex >= shnum || symOff + symSize > bytes.length) return undefined;
    const strOff = view.getUint32(strSh + 16, true);
    const strSize = view.getUint32(strSh + 20, true);
    if (strOff + strSize > bytes.length) return undefined;
    for (let s = symOff; s + ELF.SYM_SIZE <= symOff + symSize; s += ELF.SYM_SIZE) {
      const nameOff = strOff + view.getUint32(s, true);
      if (nameOff + wanted.length > strOff + strSize) continue;
      if (wanted.every((b, k) => bytes[nameOff + k] === b)) return view.getUint32(s + 4, true);
    }
  }
  return undefined;
}
