// Symbol addresses from a guest ELF's .symtab, so the bench finds its breakpoint targets by name.

const SHT_SYMTAB = 2;
const SHDR_BYTES = 40;
const SYM_BYTES = 16;

/** Every named symbol of an ELF32 little-endian file, name → value. */
export function elfSymbols(bytes: Uint8Array): Map<string, number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[4] !== 1 || bytes[5] !== 1) throw new Error('not an ELF32 little-endian file');
  const shoff = view.getUint32(32, true);
  const shnum = view.getUint16(48, true);
  const symbols = new Map<string, number>();
  const decoder = new TextDecoder();
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * SHDR_BYTES;
    if (view.getUint32(sh + 4, true) !== SHT_SYMTAB) continue;
    const symOff = view.getUint32(sh + 16, true);
    const symSize = view.getUint32(sh + 20, true);
    const strSh = shoff + view.getUint32(sh + 24, true) * SHDR_BYTES;
    const strOff = view.getUint32(strSh + 16, true);
    for (let s = symOff; s + SYM_BYTES <= symOff + symSize; s += SYM_BYTES) {
      const nameStart = strOff + view.getUint32(s, true);
      const nameEnd = bytes.indexOf(0, nameStart);
      if (nameEnd <= nameStart) continue;
      symbols.set(decoder.decode(bytes.subarray(nameStart, nameEnd)), view.getUint32(s + 4, true));
    }
  }
  return symbols;
}

/** The address of `name`, or an error naming the ELF. */
export function symbolAddress(symbols: Map<string, number>, name: string, elf: string): number {
  const address = symbols.get(name);
  if (address === undefined) throw new Error(`${elf} has no symbol ${name} (rebuild it with make -C examples)`);
  return address;
}
