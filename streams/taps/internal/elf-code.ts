import { elfSections, Shf, Sht } from './elf-sections.js';

/** The guest's code as the ELF file holds it: where instructions start. */
export interface ElfCode {
  /** Every instruction start in the executable sections, by a linear sweep, in address order. */
  starts(): number[];
  /** The length (2 or 4) of the instruction at `address`, or 0 when no executable section holds it. */
  lengthAt(address: number): number;
}

/** Reads the executable PROGBITS sections of an ELF32 file (none for a malformed file). */
export function elfCode(bytes: Uint8Array): ElfCode {
  const code = elfSections(bytes).filter((s) => s.type === Sht.PROGBITS && (s.flags & Shf.EXECINSTR) !== 0 && s.size > 0);
  const lengthAt = (address: number): number => {
    const s = code.find((c) => address >= c.address && address + 2 <= c.address + c.size);
    if (s === undefined) return 0;
    // RISC-V instruction length: low two bits 11 → 32 bits, else 16 (Unprivileged spec §1.5).
    return (bytes[s.offset + address - s.address]! & 3) === 3 ? 4 : 2;
  };
  return {
    lengthAt,
    starts() {
      const out: number[] = [];
      for (const s of [...code].sort((a, b) => a.address - b.address)) {
        for (let a = s.address; a + 2 <= s.address + s.size; a += lengthAt(a)) out.push(a);
      }
      return out;
    },
  };
}
