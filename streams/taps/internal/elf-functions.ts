import { cString, elfSections, Shf, Sht } from './elf-sections.js';

const SYM_BYTES = 16;
const STT_NOTYPE = 0;
const STT_FUNC = 2;

/** A code symbol of the guest: a function, or an assembly label in an executable section. */
interface CodeSymbol {
  address: number;
  /** 0 when the symbol has no size (it then reaches to the next symbol). */
  size: number;
  name: string;
  func: boolean;
}

/** Finds the function a pc lies in, from an ELF's symbol table. */
export interface FunctionLookup {
  /** The name of the function holding `pc`, or null when no code symbol covers it. */
  nameOf(pc: number): string | null;
  /** How many code symbols the table has. */
  readonly count: number;
}

/**
 * Reads the code symbols of an ELF32 file's `.symtab`: every STT_FUNC symbol, and every untyped
 * label (assembly entry points such as `_start`) defined in an executable section, except local
 * `.L` labels. A stripped or malformed file gives an empty lookup.
 */
export function elfFunctions(bytes: Uint8Array): FunctionLookup {
  const sections = elfSections(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const symbols: CodeSymbol[] = [];
  for (const table of sections) {
    if (table.type !== Sht.SYMTAB) continue;
    const strings = sections[table.link];
    if (strings === undefined) continue;
    for (let s = table.offset; s + SYM_BYTES <= table.offset + table.size; s += SYM_BYTES) {
      const type = bytes[s + 12]! & 0xf;
      const shndx = view.getUint16(s + 14, true);
      const inCode = ((sections[shndx]?.flags ?? 0) & Shf.EXECINSTR) !== 0;
      if (!inCode || (type !== STT_FUNC && type !== STT_NOTYPE)) continue;
      const name = cString(bytes, strings.offset + view.getUint32(s, true), strings.offset + strings.size);
      if (name === '' || name.startsWith('.L') || name.startsWith('$')) continue;
      symbols.push({ address: view.getUint32(s + 4, true), size: view.getUint32(s + 8, true), name, func: type === STT_FUNC });
    }
  }
  // By address; at one address a function before a label, then by name (a stable choice).
  symbols.sort((a, b) => a.address - b.address || Number(b.func) - Number(a.func) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const unique = symbols.filter((s, i) => i === 0 || symbols[i - 1]!.address !== s.address);
  return {
    count: unique.length,
    nameOf(pc) {
      let lo = 0;
      let hi = unique.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (unique[mid]!.address <= pc) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (found < 0) return null;
      const s = unique[found]!;
      return s.size === 0 || pc < s.address + s.size ? s.name : null;
    },
  };
}
