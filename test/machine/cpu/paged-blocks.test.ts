// Compiled blocks in translated mode (S-mode under Sv32): code compiled for the virtual
// address it runs at, loads and stores through the remembered data pages, and everything
// that must empty them (sfence.vma, a satp write) or bypass them (a store to a read-only
// page, a second virtual address of the same code).
import { describe, expect, it } from 'vitest';
import { Priv } from '../../../src/machine/cpu/trap-cause.js';
import { DATA_PAGE_SET_BITS } from '../../../src/machine/cpu/data-pages.js';
import * as A from './asm.js';
import { HOT_RUNS, peekWord, pokeWord } from './harness.js';
import { pagedMachine, PHYS, Pte, RWXAD, runAt, VREGION } from './sv32.js';

const { a0, a1, a3, s0, s1, s2, s3, t0, t1 } = A.Reg;

/** Virtual addresses: the code, its data page, a read-only page, a second mapping of the code. */
const CODE_VA = VREGION;
const DATA_VA = VREGION + 0x1000;
const READ_ONLY_VA = VREGION + 0x2000;
const ALIAS_VA = VREGION + 0x3000;
/** Iterations of the loop per run: past the heat threshold in the first run. */
const ITERATIONS = 50;

/**
 * Flushes the TLB, sums the word at DATA_VA ITERATIONS times into a0 (storing the running sum at DATA_VA + 4),
 * then points DATA_VA at another physical page (s2 = the new PTE, s3 = the PTE's address),
 * runs sfence.vma, loads the word at DATA_VA into a3, and records its own address with auipc.
 */
const PROGRAM: A.Insn[] = [
  A.sfence_vma(0, 0), // the test put DATA_VA's PTE back on PHYS(1)
  A.lw(t0, s0, 0), // loop:
  A.add(a0, a0, t0),
  A.sw(a0, s0, 4),
  A.addi(a1, a1, -1),
  A.bne(a1, 0, -16),
  A.sw(s2, s3, 0),
  A.sfence_vma(0, 0),
  A.lw(a3, s0, 0),
  A.auipc(t1, 0),
  A.wfi(),
];
const AUIPC_OFFSET = 36;

/** A machine with PROGRAM mapped at CODE_VA (and ALIAS_VA), DATA_VA on PHYS(1) holding `first`, PHYS(2) holding `second`. */
function machine(first: number, second: number) {
  const { m, pt } = pagedMachine([]);
  m.ram.load(PHYS(0) - 0x8000_0000, A.assemble(PROGRAM));
  pt.map(CODE_VA, PHYS(0), RWXAD);
  pt.map(ALIAS_VA, PHYS(0), RWXAD);
  pt.map(DATA_VA, PHYS(1), RWXAD);
  pt.map(READ_ONLY_VA, PHYS(3), Pte.V | Pte.R | Pte.A);
  pokeWord(m, PHYS(1), first);
  pokeWord(m, PHYS(2), second);
  const pteAddress = (): number => {
    pt.map(DATA_VA, PHYS(1), RWXAD);
    return pteOf(pt, DATA_VA);
  };
  const remapped = ((PHYS(2) >>> 12) << 10) | RWXAD;
  return { m, pt, pteAddress, remapped };
}

/** Physical address of the leaf PTE of `va` (found by writing a marker through the helper). */
function pteOf(pt: ReturnType<typeof pagedMachine>['pt'], va: number): number {
  const pte = pt.pte(va);
  for (let a = 0x8000_0000 + 0x4_0000; a < 0x8000_0000 + 0x8_0000; a += 4) {
    if (peekWord(pt.m, a) === pte && (a & 0xfff) >>> 2 === ((va >>> 12) & 0x3ff)) return a;
  }
  throw new Error('PTE not found');
}

describe('compiled blocks under Sv32', () => {
  it('code at a virtual address is compiled there and gives the interpreter\'s results, run after run', () => {
    const { m, pteAddress, remapped } = machine(3, 7);
    for (let run = 0; run < HOT_RUNS; run++) {
      pokeWord(m, PHYS(1), run);
      const t = runAt(m, Priv.S, { [a1]: ITERATIONS, [s0]: DATA_VA, [s2]: remapped, [s3]: pteAddress() }, CODE_VA);
      expect(t.mcause, `run ${run}: no trap`).toBe(-1);
      expect(t.r.x[a0], `run ${run}: the sum`).toBe(ITERATIONS * run);
      expect(peekWord(m, PHYS(1) + 4), `run ${run}: the stored sum`).toBe(ITERATIONS * run);
      // sfence.vma empties the remembered data pages: the load after it sees the new mapping.
      expect(t.r.x[a3], `run ${run}: the load after the remap`).toBe(7);
      expect(t.r.x[t1]! >>> 0, `run ${run}: auipc sees the virtual pc`).toBe(CODE_VA + AUIPC_OFFSET);
    }
    expect(m.cpu.hasCompiledBlockAt(PHYS(0) + 4, true), 'the loop was compiled as a paged block').toBe(true);
    expect(m.cpu.hasCompiledBlockAt(PHYS(0) + 4), 'and not as a bare one').toBe(false);
  });

  it('a second virtual address of the same code does not run the block compiled for the first', () => {
    const { m, pteAddress, remapped } = machine(2, 9);
    for (let run = 0; run < HOT_RUNS; run++) runAt(m, Priv.S, { [a1]: ITERATIONS, [s0]: DATA_VA, [s2]: remapped, [s3]: pteAddress() }, CODE_VA);
    const t = runAt(m, Priv.S, { [a1]: ITERATIONS, [s0]: DATA_VA, [s2]: remapped, [s3]: pteAddress() }, ALIAS_VA);
    expect(t.mcause).toBe(-1);
    expect(t.r.x[a0]).toBe(ITERATIONS * 2);
    expect(t.r.x[t1]! >>> 0).toBe(ALIAS_VA + AUIPC_OFFSET);
  });

  it('a store to a page that hot code only loaded from (read-only) faults with its address', () => {
    const program: A.Insn[] = [A.lw(t0, s0, 0), A.add(a0, a0, t0), A.addi(a1, a1, -1), A.bne(a1, 0, -12), A.sw(a0, s0, 0), A.wfi()];
    const { m, pt } = pagedMachine([]);
    m.ram.load(PHYS(0) - 0x8000_0000, A.assemble(program));
    pt.map(CODE_VA, PHYS(0), RWXAD);
    pt.map(READ_ONLY_VA, PHYS(3), Pte.V | Pte.R | Pte.A);
    pokeWord(m, PHYS(3), 5);
    for (let run = 0; run < HOT_RUNS; run++) {
      const t = runAt(m, Priv.S, { [a1]: ITERATIONS, [s0]: READ_ONLY_VA }, CODE_VA);
      expect(t.mcause, `run ${run}: store page fault`).toBe(15);
      expect(t.mtval, `run ${run}: stval`).toBe(READ_ONLY_VA);
      expect(t.mepc, `run ${run}: epc at the store`).toBe(CODE_VA + 16);
      expect(t.r.x[a0], `run ${run}: the loads before it`).toBe(ITERATIONS * 5);
      expect(peekWord(m, PHYS(3)), 'the page is unchanged').toBe(5);
    }
    expect(m.cpu.hasCompiledBlockAt(PHYS(0), true)).toBe(true);
  });

  // The other page in another set of the data-page tables, and in the same set (each fill then evicts the other page).
  const otherPages = [
    ['in another set', VREGION + 0x4000],
    ['in the same set', DATA_VA + (1 << (12 + DATA_PAGE_SET_BITS))],
  ] as const;
  it.each(otherPages)('a load and a store whose base alternates between two pages (%s) reach each page, before and after an sfence.vma', (_, otherDataVa) => {
    // Compiled code remembers each access's last page and delta: switching pages must look again.
    const program: A.Insn[] = [
      A.sfence_vma(0, 0), // the remembered data pages are empty: the first compiled accesses miss
      A.lw(t0, s0, 0), // loop:
      A.add(a0, a0, t0),
      A.sw(a0, s0, 4),
      A.xor(s0, s0, s1),
      A.addi(a1, a1, -1),
      A.bne(a1, 0, -20),
      A.wfi(),
    ];
    const { m, pt } = pagedMachine([]);
    m.ram.load(PHYS(0) - 0x8000_0000, A.assemble(program));
    pt.map(CODE_VA, PHYS(0), RWXAD);
    pt.map(DATA_VA, PHYS(1), RWXAD);
    pt.map(otherDataVa, PHYS(6), RWXAD); // not at the first page's distance: another delta
    for (let run = 0; run < HOT_RUNS; run++) {
      pokeWord(m, PHYS(1), run);
      pokeWord(m, PHYS(6), 1000);
      const t = runAt(m, Priv.S, { [a1]: ITERATIONS, [s0]: DATA_VA, [s1]: DATA_VA ^ otherDataVa }, CODE_VA);
      expect(t.mcause, `run ${run}: no trap`).toBe(-1);
      expect(t.r.x[a0], `run ${run}: the sum`).toBe((ITERATIONS / 2) * (run + 1000));
      // The last iteration (odd) stored on the other page, the one before it on the first.
      expect(peekWord(m, PHYS(6) + 4), `run ${run}: the last sum stored on the other page`).toBe((ITERATIONS / 2) * (run + 1000));
      expect(peekWord(m, PHYS(1) + 4), `run ${run}: the last sum stored on the first page`).toBe((ITERATIONS / 2) * (run + 1000) - 1000);
    }
    expect(m.cpu.hasCompiledBlockAt(PHYS(0) + 4, true), 'the loop was compiled as a paged block').toBe(true);
  });
});
