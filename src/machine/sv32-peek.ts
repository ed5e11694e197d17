import type { Ram } from './ram.js';
import { MemoryMap } from './memory-map.js';

/** Sv32 page-table entry bits used by a peek (privileged spec §4.3.1). */
const PTE_V = 1;
const PTE_R = 2;
const PTE_X = 8;
/** satp.PPN: the root page table's physical page number. */
const SATP_PPN = 0x003f_ffff;

/**
 * The physical address that virtual address `va` maps to under `satp`, read from the page
 * tables in RAM without checking permissions and without setting A or D bits, or -1 when
 * the walk finds no valid leaf. For observers only (a tap reading the instruction at a virtual
 * pc): the hart's own translations go through its TLB and may be older than the tables.
 */
export function peekSv32(ram: Ram, satp: number, va: number): number {
  let table = (satp & SATP_PPN) * 4096;
  for (let level = 1; level >= 0; level--) {
    const vpn = level === 1 ? va >>> 22 : (va >>> 12) & 0x3ff;
    const off = table + vpn * 4 - MemoryMap.RAM;
    if (off < 0 || !ram.contains(off, 4)) return -1;
    const pte = ram.read(off, 4);
    if ((pte & PTE_V) === 0) return -1;
    const ppn = pte >>> 10;
    if ((pte & (PTE_R | PTE_X)) === 0) {
      table = ppn * 4096;
      continue;
    }
    // A superpage maps the low 22 bits of the address; a 4 KiB page the low 12.
    return level === 1 ? (ppn >>> 10) * 0x40_0000 + (va & 0x3f_ffff) : ppn * 4096 + (va & 0xfff);
  }
  return -1;
}
