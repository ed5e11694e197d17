// Sv32 translation (privileged spec §4.3): the page walk, permissions, faults with their
// tval, A/D bits, the TLB and its flushes, MPRV, and instruction fetch across pages.
import { describe, expect, it } from 'vitest';
import { Csr } from '../../../src/machine/cpu/csr-number.js';
import { Priv } from '../../../src/machine/cpu/trap-cause.js';
import * as A from './asm.js';
import { DATA, pokeWord } from './harness.js';
import { CODE, pagedMachine, PHYS, Pte, ROOT, runAt, SATP_SV32, VREGION } from './sv32.js';

const { a0, a1, s0, s1, t0 } = A.Reg;
const { V, R, W, X, U, A: ACC, D } = Pte;
const MSTATUS_SUM = 1 << 18;
const MSTATUS_MXR = 1 << 19;
const MSTATUS_MPRV = 1 << 17;
const MSTATUS_MPP_S = 1 << 11;

type Access = 'load' | 'store' | 'fetch' | 'amo' | 'lr';
/** One instruction performing `access` at the address in s0 (fetch: a jump there). */
const ACCESS: Record<Access, A.Insn> = {
  load: A.lw(a0, s0, 0),
  store: A.sw(a1, s0, 0),
  fetch: A.jalr(0, s0, 0),
  amo: A.amoadd_w(a0, a1, s0),
  lr: A.lr_w(a0, s0),
};

/** [what, privilege, leaf flags, access, extra mstatus bits, expected cause or 'ok']. */
const CASES: [string, number, number, Access, number, number | 'ok'][] = [
  ['S loads a readable page', Priv.S, V | R, 'load', 0, 'ok'],
  ['S stores to a writable page', Priv.S, V | R | W, 'store', 0, 'ok'],
  ['an invalid PTE', Priv.S, R | W, 'load', 0, 13],
  ['W without R is reserved', Priv.S, V | W, 'store', 0, 15],
  ['a store to a read-only page', Priv.S, V | R, 'store', 0, 15],
  ['an AMO on a read-only page faults as a store', Priv.S, V | R, 'amo', 0, 15],
  ['LR on an execute-only page faults as a load', Priv.S, V | X, 'lr', 0, 13],
  ['a fetch from a page without X', Priv.S, V | R | W, 'fetch', 0, 12],
  ['S loads a U page without SUM', Priv.S, V | R | U, 'load', 0, 13],
  ['S loads a U page with SUM', Priv.S, V | R | U, 'load', MSTATUS_SUM, 'ok'],
  ['S fetches from a U page even with SUM', Priv.S, V | R | X | U, 'fetch', MSTATUS_SUM, 12],
  ['U loads a page without U', Priv.U, V | R, 'load', 0, 13],
  ['U loads a U page', Priv.U, V | R | U, 'load', 0, 'ok'],
  ['a load from an execute-only page without MXR', Priv.S, V | X, 'load', 0, 13],
  ['a load from an execute-only page with MXR', Priv.S, V | X, 'load', MSTATUS_MXR, 'ok'],
];

describe('Sv32 permission checks and page faults (tval = the virtual address)', () => {
  for (const [what, priv, flags, access, mstatus, expected] of CASES) {
    it(`${what}: ${expected === 'ok' ? 'no fault' : `cause ${expected}`}`, () => {
      const code = [ACCESS[access], A.wfi()];
      const { m, pt } = pagedMachine(code);
      const target = VREGION + 0x3000 + 8;
      pt.map(target, DATA, flags | ACC | D);
      pokeWord(m, DATA + 8, 0x5a5a);
      // U-mode code runs from a U page that maps the same code.
      const entry = priv === Priv.U ? VREGION : CODE;
      if (priv === Priv.U) pt.map(VREGION, CODE, V | R | X | U | ACC);
      m.cpu.mstatus |= mstatus;
      const t = runAt(m, priv, { [s0]: target, [a1]: 7 }, entry);
      if (expected === 'ok') {
        // The snippet's own WFI (S) or, in U-mode, the illegal WFI after it (cause 2) ended the run.
        expect(t.mcause === -1 || t.mcause === 2, `mcause ${t.mcause}`).toBe(true);
        if (access === 'load') expect(t.r.x[a0]).toBe(0x5a5a);
      } else {
        expect(t.mcause).toBe(expected);
        expect(t.mtval).toBe(target);
        expect(t.mepc).toBe(access === 'fetch' ? target : entry);
      }
    });
  }

  it('a non-leaf entry at level 0 is a page fault', () => {
    const { m, pt } = pagedMachine([A.lw(a0, s0, 0), A.wfi()]);
    pt.map(VREGION, DATA, V);
    expect(runAt(m, Priv.S, { [s0]: VREGION }).mcause).toBe(13);
  });

  it('a misaligned superpage (PPN[0] != 0) is a page fault; an aligned one maps 4 MiB', () => {
    const { m, pt } = pagedMachine([A.lw(a0, s0, 0), A.wfi()]);
    pt.mapSuper(VREGION, 0x8000_1000, V | R | ACC);
    const t = runAt(m, Priv.S, { [s0]: VREGION + 0x10 });
    expect([t.mcause, t.mtval]).toEqual([13, VREGION + 0x10]);
    pt.mapSuper(VREGION, 0x8000_0000, V | R | ACC);
    pokeWord(m, DATA + 4, 99);
    m.cpu.tlb.flushAll();
    expect(runAt(m, Priv.S, { [s0]: VREGION + (DATA - 0x8000_0000) + 4 }).r.x[a0]).toBe(99);
  });

  it('a page table outside RAM is an access fault of the access kind', () => {
    const { m } = pagedMachine([A.lw(a0, s0, 0), A.wfi()]);
    pokeWord(m, ROOT + (VREGION >>> 22) * 4, ((0x1000_0000 >>> 12) << 10) | V);
    expect(runAt(m, Priv.S, { [s0]: VREGION }).mcause).toBe(5);
  });

  it('delegated page faults go to S-mode with scause/sepc/stval; M-mode CSRs are untouched', () => {
    const { m } = pagedMachine([A.lw(a0, s0, 0), A.wfi()]);
    m.cpu.medeleg = 1 << 13;
    const t = runAt(m, Priv.S, { [s0]: VREGION + 4 });
    expect([t.scause, t.sepc, t.stval, t.mcause]).toEqual([13, CODE, VREGION + 4, -1]);
    expect(m.cpu.mcause).toBe(0);
    expect(m.cpu.priv).toBe(Priv.S);
  });
});

describe('A and D bits, set by the hardware as QEMU does', () => {
  it('a load sets A, a store sets A and D', () => {
    const { m, pt } = pagedMachine([A.lw(a0, s0, 0), A.sw(a1, s1, 0), A.wfi()]);
    pt.map(VREGION, PHYS(1), V | R | W);
    pt.map(VREGION + 0x1000, PHYS(2), V | R | W);
    runAt(m, Priv.S, { [s0]: VREGION, [s1]: VREGION + 0x1000 });
    expect(pt.pte(VREGION) & (ACC | D)).toBe(ACC);
    expect(pt.pte(VREGION + 0x1000) & (ACC | D)).toBe(ACC | D);
  });

  it('a store through a TLB entry filled by a load still sets D', () => {
    const { m, pt } = pagedMachine([A.lw(a0, s0, 0), A.sw(a1, s0, 0), A.wfi()]);
    pt.map(VREGION, PHYS(1), V | R | W);
    runAt(m, Priv.S, { [s0]: VREGION });
    expect(pt.pte(VREGION) & (ACC | D)).toBe(ACC | D);
  });
});

describe('the TLB and its flushes', () => {
  /**
   * Loads VREGION in two runs of `flush` + load, with the PTE changed between them. The code
   * is mapped by a superpage, or with `pagesOnly` by a 4 KiB page.
   */
  function remapBetweenRuns(flush: A.Insn[], pagesOnly = false): number[] {
    const { m, pt } = pagedMachine([...flush, A.lw(a0, s0, 0), A.wfi()]);
    if (pagesOnly) pt.map(CODE, CODE, V | R | X | ACC);
    pokeWord(m, PHYS(1), 111);
    pokeWord(m, PHYS(2), 222);
    pt.map(VREGION, PHYS(1), V | R | ACC);
    const first = runAt(m, Priv.S, { [s0]: VREGION, [t0]: SATP_SV32 | (ROOT >>> 12) }).r.x[a0]!;
    pt.map(VREGION, PHYS(2), V | R | ACC);
    const second = runAt(m, Priv.S, { [s0]: VREGION, [t0]: SATP_SV32 | (ROOT >>> 12) }).r.x[a0]!;
    return [first, second];
  }

  it('without sfence.vma a changed PTE is not seen (the stale translation stays cached)', () => {
    expect(remapBetweenRuns([A.addi(0, 0, 0)])).toEqual([111, 111]);
  });
  it('sfence.vma with the address makes the new PTE take effect', () => {
    expect(remapBetweenRuns([A.sfence_vma(s0, 0)])).toEqual([111, 222]);
  });
  it('sfence.vma with x0, x0 flushes everything', () => {
    expect(remapBetweenRuns([A.sfence_vma(0, 0)])).toEqual([111, 222]);
  });
  it('sfence.vma with an ASID flushes (conservatively) too', () => {
    expect(remapBetweenRuns([A.addi(a1, 0, 5), A.sfence_vma(0, a1)])).toEqual([111, 222]);
  });
  it('a satp write flushes the TLB', () => {
    expect(remapBetweenRuns([A.csrw(Csr.satp, t0)])).toEqual([111, 222]);
  });
  it('sfence.vma of another page keeps this one cached', () => {
    expect(remapBetweenRuns([A.lui(a1, 0x40005), A.sfence_vma(a1, 0)], true)).toEqual([111, 111]);
  });
  it('sfence.vma of another page flushes everything while a superpage translation is cached (conservative)', () => {
    expect(remapBetweenRuns([A.lui(a1, 0x40005), A.sfence_vma(a1, 0)])).toEqual([111, 222]);
  });
});

describe('the remembered fetch page', () => {
  it('code that remaps its own page and runs sfence.vma goes on from the new physical page', () => {
    const { m, pt } = pagedMachine([A.jalr(0, s0, 0)]);
    const { t1, t2 } = A.Reg;
    const code = A.assemble([A.sw(t2, t1, 0), A.sfence_vma(0, 0), A.addi(a0, 0, 1), A.wfi()]);
    m.ram.u8.set(code, PHYS(4) - 0x8000_0000);
    m.ram.u8.set(A.assemble([A.addi(a0, 0, 2), A.wfi()]), PHYS(5) + 8 - 0x8000_0000);
    pt.map(VREGION, PHYS(4), V | R | X | ACC);
    const pteAddress = ROOT + 0x1000 + ((VREGION >>> 12) & 0x3ff) * 4;
    const t = runAt(m, Priv.S, { [s0]: VREGION, [t1]: pteAddress, [t2]: ((PHYS(5) >>> 12) << 10) | V | R | X | ACC });
    expect([t.mcause, t.r.x[a0]]).toEqual([-1, 2]);
  });
});

describe('MPRV: M-mode loads and stores translated as MPP', () => {
  it('with MPRV and MPP = S a load goes through the page tables; fetches stay physical', () => {
    const { m, pt } = pagedMachine([A.lw(a0, s0, 0), A.wfi()]);
    pokeWord(m, PHYS(3), 0x77);
    pt.map(VREGION, PHYS(3), V | R | ACC);
    m.cpu.mstatus |= MSTATUS_MPRV | MSTATUS_MPP_S;
    expect(runAt(m, Priv.M, { [s0]: VREGION }).r.x[a0]).toBe(0x77);
    m.cpu.mstatus &= ~MSTATUS_MPRV;
    const t = runAt(m, Priv.M, { [s0]: VREGION });
    expect(t.mcause).toBe(5); // physical 0x40000000 is nothing
  });
});

describe('instruction fetch across a page boundary', () => {
  it('a 32-bit instruction straddling two virtual pages mapped to non-adjacent physical pages runs correctly', () => {
    const { m, pt } = pagedMachine([A.jalr(0, s0, 0)]);
    // VREGION page 0 -> PHYS(4), page 1 -> PHYS(6); an addi split across them at VA 0xffe.
    const addi = A.addi(a0, 0, 0x123);
    m.ram.u16[(PHYS(4) + 0xffc - 0x8000_0000) >>> 1] = A.c_li(a1, 5).c;
    m.ram.u16[(PHYS(4) + 0xffe - 0x8000_0000) >>> 1] = addi & 0xffff;
    m.ram.u16[(PHYS(6) - 0x8000_0000) >>> 1] = addi >>> 16;
    pokeWord(m, PHYS(6) + 2, A.wfi());
    pt.map(VREGION, PHYS(4), V | R | X | ACC);
    pt.map(VREGION + 0x1000, PHYS(6), V | R | X | ACC);
    // PHYS(5), the physically next page, holds something else.
    pokeWord(m, PHYS(5), A.addi(a0, 0, 0x666));
    const t = runAt(m, Priv.S, { [s0]: VREGION + 0xffc });
    expect([t.mcause, t.r.x[a1], t.r.x[a0]]).toEqual([-1, 5, 0x123]);
  });

  it('when the second page is unmapped, the fetch faults with cause 12, epc at the instruction and tval at the second page', () => {
    const { m, pt } = pagedMachine([A.jalr(0, s0, 0)]);
    const addi = A.addi(a0, 0, 1);
    m.ram.u16[(PHYS(4) + 0xffe - 0x8000_0000) >>> 1] = addi & 0xffff;
    pt.map(VREGION, PHYS(4), V | R | X | ACC);
    const t = runAt(m, Priv.S, { [s0]: VREGION + 0xffe });
    expect([t.mcause, t.mepc, t.mtval]).toEqual([12, VREGION + 0xffe, VREGION + 0x1000]);
  });

  it('a compressed instruction in the last halfword of a page needs only that page', () => {
    const { m, pt } = pagedMachine([A.jalr(0, s0, 0)]);
    m.ram.u16[(PHYS(4) + 0xffe - 0x8000_0000) >>> 1] = A.c_li(a0, 9).c;
    pt.map(VREGION, PHYS(4), V | R | X | ACC);
    const t = runAt(m, Priv.S, { [s0]: VREGION + 0xffe });
    expect([t.r.x[a0], t.mcause, t.mtval]).toEqual([9, 12, VREGION + 0x1000]);
  });
});
