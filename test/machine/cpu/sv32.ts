// Test helpers for supervisor mode and Sv32: page tables written into RAM from JS, and a run
// of a code snippet at a chosen privilege whose trap (to M or, when delegated, to S) is
// recorded by handlers that stop the run.
import { Csr } from '../../../src/machine/cpu/csr-number.js';
import type { Machine } from '../../../src/machine/machine.js';
import type { Insn } from './asm.js';
import * as A from './asm.js';
import { BASE, loadMore, machineWith, pokeWord, peekWord, runToWfi, type RunResult } from './harness.js';

/** Sv32 PTE bits (privileged spec §4.3.1). */
export const Pte = { V: 1, R: 2, W: 4, X: 8, U: 16, G: 32, A: 64, D: 128 } as const;
/** Leaf flags of an ordinary page for S-mode code and data, with A and D already set. */
export const RWXAD = Pte.V | Pte.R | Pte.W | Pte.X | Pte.A | Pte.D;
/** satp.MODE = Sv32. */
export const SATP_SV32 = 0x8000_0000;

/** Where the snippet runs (physical = virtual: RAM is identity-mapped by a superpage). */
export const CODE = BASE + 0x1000;
/** The page-table root (physical). */
export const ROOT = BASE + 0x4_0000;
/** A free physical page for leaf tables and data. */
export const PHYS = (n: number): number => BASE + 0x8_0000 + n * 0x1000;
/** A virtual region outside RAM's identity map, for remapped pages (4 MiB, one leaf table). */
export const VREGION = 0x4000_0000;
/** M-mode handler: records mcause/mepc/mtval in a2..a4, then waits. */
export const M_HANDLER = BASE + 0x200;
/** S-mode handler: records scause/sepc/stval in a5..a7 (mcause in a2 stays -1), then waits. */
export const S_HANDLER = BASE + 0x300;

const { a2, a3, a4, a5, a6, a7 } = A.Reg;

/** Page tables in a machine's RAM: one root at ROOT, leaf tables on demand. */
export class PageTables {
  private nextTable = 0;
  private readonly leaves = new Map<number, number>();

  constructor(readonly m: Machine) {}

  /** Maps 4 MiB superpage `va` to physical `pa` (vpn0 bits of `pa` are kept, so a misaligned one can be made). */
  mapSuper(va: number, pa: number, flags: number): void {
    pokeWord(this.m, ROOT + (va >>> 22) * 4, ((pa >>> 12) << 10) | flags);
  }

  /** Maps 4 KiB page `va` to physical `pa` through a leaf table. */
  map(va: number, pa: number, flags: number): void {
    pokeWord(this.m, this.leafEntry(va), (((pa >>> 12) << 10) | flags) | 0);
  }

  /** The raw PTE of 4 KiB page `va`. */
  pte(va: number): number {
    return peekWord(this.m, this.leafEntry(va));
  }

  /** Physical address of the leaf entry for `va`, allocating its table. */
  private leafEntry(va: number): number {
    const vpn1 = va >>> 22;
    let table = this.leaves.get(vpn1);
    if (table === undefined) {
      table = ROOT + 0x1000 * ++this.nextTable;
      this.leaves.set(vpn1, table);
      pokeWord(this.m, ROOT + vpn1 * 4, ((table >>> 12) << 10) | Pte.V);
    }
    return table + ((va >>> 12) & 0x3ff) * 4;
  }
}

/**
 * A machine with `code` at CODE, both trap handlers, RAM identity-mapped by a superpage with
 * `ramFlags`, satp pointing at the tables (Sv32 on) and PMP open.
 */
export function pagedMachine(code: readonly (Insn | readonly Insn[])[], ramFlags: number = RWXAD): { m: Machine; pt: PageTables } {
  const m = machineWith([]);
  loadMore(m, code, CODE);
  loadMore(m, [A.csrr(a2, Csr.mcause), A.csrr(a3, Csr.mepc), A.csrr(a4, Csr.mtval), A.wfi()], M_HANDLER);
  loadMore(m, [A.csrr(a5, Csr.scause), A.csrr(a6, Csr.sepc), A.csrr(a7, Csr.stval), A.wfi()], S_HANDLER);
  m.cpu.mtvec = M_HANDLER;
  m.cpu.stvec = S_HANDLER;
  m.cpu.satp = SATP_SV32 | (ROOT >>> 12);
  const pt = new PageTables(m);
  pt.mapSuper(BASE, BASE, ramFlags);
  return { m, pt };
}

/** Where a run stopped: the M trap (a2..a4), the S trap (a5..a7), or neither (-1s). */
export interface TrapRecord {
  r: RunResult;
  mcause: number;
  mepc: number;
  mtval: number;
  scause: number;
  sepc: number;
  stval: number;
}

/** Runs from CODE at privilege `priv` with `regs` until a WFI (the snippet's or a handler's). */
export function runAt(m: Machine, priv: number, regs: Readonly<Record<number, number>> = {}, entry = CODE): TrapRecord {
  m.cpu.priv = priv;
  const r = runToWfi(m, entry, { [a2]: -1, [a3]: -1, [a4]: -1, [a5]: -1, [a6]: -1, [a7]: -1, ...regs });
  return { r, mcause: r.x[a2]!, mepc: r.x[a3]! >>> 0, mtval: r.x[a4]! >>> 0, scause: r.x[a5]!, sepc: r.x[a6]! >>> 0, stval: r.x[a7]! >>> 0 };
}
