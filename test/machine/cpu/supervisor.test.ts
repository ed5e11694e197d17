// Supervisor mode (privileged spec chapter 4, §3.1.6-3.1.9): S CSRs and their views of the
// M ones, delegation, trap entry into S, sret, ecall causes, TSR/TVM/TW, interrupt priority.
import { describe, expect, it } from 'vitest';
import { Csr } from '../../../src/machine/cpu/csr-number.js';
import { Priv } from '../../../src/machine/cpu/trap-cause.js';
import * as A from './asm.js';
import { runToWfi } from './harness.js';
import { CODE, pagedMachine, runAt } from './sv32.js';

const { a0, a1, t0 } = A.Reg;
const INTERRUPT = 0x8000_0000;
const SSIP = 1 << 1;
const MSIP = 1 << 3;
const STIP = 1 << 5;
const MTIP = 1 << 7;
const SEIP = 1 << 9;
const MEIP = 1 << 11;
const MSTATUS = { SIE: 1 << 1, MIE: 1 << 3, SPIE: 1 << 5, MPIE: 1 << 7, SPP: 1 << 8, TVM: 1 << 20, TW: 1 << 21, TSR: 1 << 22 };

/** Writes `value` to `csr` and reads it back, in M-mode with Sv32 off. */
function writeRead(csr: number, value: number, setup: (m: ReturnType<typeof pagedMachine>['m']) => void = () => {}): number {
  const { m } = pagedMachine([...A.li(t0, value), A.csrw(csr, t0), A.csrr(a0, csr), A.wfi()]);
  m.cpu.satp = 0;
  setup(m);
  return runAt(m, Priv.M).r.x[a0]! >>> 0;
}

describe('supervisor CSRs (written -1 in M-mode, read back)', () => {
  const table: [string, number, number][] = [
    ['sstatus shows SIE, SPIE, SPP, SUM, MXR', Csr.sstatus, (1 << 1) | (1 << 5) | (1 << 8) | (1 << 18) | (1 << 19)],
    ['sscratch', Csr.sscratch, 0xffff_ffff],
    ['sepc drops bit 0', Csr.sepc, 0xffff_fffe],
    ['scause', Csr.scause, 0xffff_ffff],
    ['stval', Csr.stval, 0xffff_ffff],
    ['satp (MODE, ASID and PPN)', Csr.satp, 0xffff_ffff],
    ['scounteren keeps CY, TM, IR', Csr.scounteren, 7],
    ['mcounteren keeps CY, TM, IR', Csr.mcounteren, 7],
    ['medeleg keeps the delegable exceptions (not ecall from M)', Csr.medeleg, 0xb3ff],
    ['mideleg keeps SSIP, STIP, SEIP', Csr.mideleg, SSIP | STIP | SEIP],
    ['sie without delegation keeps nothing', Csr.sie, 0],
    ['sip without delegation keeps nothing', Csr.sip, 0],
    ['senvcfg reads 0', Csr.senvcfg, 0],
    ['tselect reads 0 (no triggers)', Csr.tselect, 0],
    ['tdata1 reads 0', Csr.tdata1, 0],
    ['tdata2 reads 0', Csr.tdata2, 0],
    ['tdata3 reads 0', Csr.tdata3, 0],
    ['tinfo reads 0', Csr.tinfo, 0],
  ];
  for (const [what, csr, expected] of table) {
    it(`${what}: 0x${expected.toString(16)}`, () => {
      expect(writeRead(csr, -1)).toBe(expected >>> 0);
    });
  }

  it('stvec keeps a vectored base', () => {
    expect(writeRead(Csr.stvec, 0x8000_0101)).toBe(0x8000_0101);
  });

  it('stvec ignores a write with a reserved mode', () => {
    expect(writeRead(Csr.stvec, 0x8000_0102, (m) => (m.cpu.stvec = 0x8000_0400))).toBe(0x8000_0400);
  });

  it('sie and sip are mie and mip masked by mideleg; only SSIP is writable through sip', () => {
    const all = SSIP | STIP | SEIP;
    expect(writeRead(Csr.sie, -1, (m) => (m.cpu.mideleg = all))).toBe(all);
    expect(writeRead(Csr.sip, -1, (m) => (m.cpu.mideleg = all))).toBe(SSIP);
    expect(writeRead(Csr.sie, -1, (m) => (m.cpu.mideleg = STIP))).toBe(STIP);
  });

  it('an sstatus write leaves the M-only mstatus bits alone', () => {
    const { m } = pagedMachine([A.csrw(Csr.sstatus, 0), A.wfi()]);
    m.cpu.satp = 0;
    m.cpu.mstatus = MSTATUS.MIE | MSTATUS.MPIE | MSTATUS.SIE | MSTATUS.TW;
    runAt(m, Priv.M);
    expect(m.cpu.mstatus).toBe(MSTATUS.MIE | MSTATUS.MPIE | MSTATUS.TW);
  });

  it('mip lets M-mode software set SSIP, STIP and SEIP only', () => {
    expect(writeRead(Csr.mip, -1, (m) => (m.cpu.mie = 0))).toBe(SSIP | STIP | SEIP);
  });
});

describe('privilege checks on CSRs and system instructions (mtval/stval = the instruction, as QEMU)', () => {
  const cases: [string, number, A.Insn, number][] = [
    ['an M CSR from S', Priv.S, A.csrr(a0, Csr.mstatus), 2],
    ['an S CSR from U', Priv.U, A.csrr(a0, Csr.sstatus), 2],
    ['satp from S with TVM', Priv.S, A.csrr(a0, Csr.satp), MSTATUS.TVM],
    ['sfence.vma from S with TVM', Priv.S, A.sfence_vma(0, 0), MSTATUS.TVM],
    ['sfence.vma from U', Priv.U, A.sfence_vma(0, 0), 0],
    ['sret from S with TSR', Priv.S, A.sret(), MSTATUS.TSR],
    ['sret from U', Priv.U, A.sret(), 0],
    ['mret from S', Priv.S, A.mret(), 0],
    ['wfi from S with TW', Priv.S, A.wfi(), MSTATUS.TW],
    ['wfi from U', Priv.U, A.wfi(), 0],
  ];
  for (const [what, priv, insn, mstatus] of cases) {
    it(`${what} is illegal`, () => {
      const { m } = pagedMachine([insn, A.wfi()]);
      m.cpu.satp = 0;
      m.cpu.mstatus |= mstatus;
      const t = runAt(m, priv);
      expect([t.mcause, t.mepc, t.mtval]).toEqual([2, CODE, insn as number >>> 0]);
    });
  }

  it('the same instructions are legal without the trap bits (satp read, sfence.vma, sret, wfi in S)', () => {
    const { m } = pagedMachine([A.csrr(a0, Csr.satp), A.sfence_vma(0, 0), A.wfi()]);
    m.cpu.satp = 0;
    expect(runAt(m, Priv.S).mcause).toBe(-1);
  });

  for (const [name, csr, bit] of [['cycle', Csr.cycle, 0], ['time', Csr.time, 1], ['instret', Csr.instret, 2]] as const) {
    it(`${name}: S needs mcounteren bit ${bit}; U needs it and scounteren bit ${bit}`, () => {
      const outcome = (priv: number, mcounteren: number, scounteren: number): number => {
        const { m } = pagedMachine([A.csrr(a0, csr), A.ecall()]);
        m.cpu.satp = 0;
        m.cpu.mcounteren = mcounteren;
        m.cpu.scounteren = scounteren;
        return runAt(m, priv).mcause;
      };
      const ecall = (priv: number): number => (priv === Priv.S ? 9 : 8);
      expect(outcome(Priv.S, 0, 7)).toBe(2);
      expect(outcome(Priv.S, 1 << bit, 0)).toBe(ecall(Priv.S));
      expect(outcome(Priv.U, 1 << bit, 0)).toBe(2);
      expect(outcome(Priv.U, 0, 1 << bit)).toBe(2);
      expect(outcome(Priv.U, 1 << bit, 1 << bit)).toBe(ecall(Priv.U));
    });
  }

  it('time reads mtime (the virtual clock / 100 ns)', () => {
    const { m } = pagedMachine([A.csrr(a0, Csr.time), A.wfi()]);
    m.cpu.satp = 0;
    m.cpu.mcounteren = 2;
    m.warp(1_000_000);
    expect(runAt(m, Priv.S).r.x[a0]).toBe(Math.floor((m.clock.nowNs() - 8) / 100));
  });
});

describe('ecall, delegation and sret', () => {
  for (const [priv, cause] of [[Priv.U, 8], [Priv.S, 9], [Priv.M, 11]] as const) {
    it(`ecall from privilege ${priv} has cause ${cause}`, () => {
      const { m } = pagedMachine([A.ecall()]);
      m.cpu.satp = 0;
      expect(runAt(m, priv).mcause).toBe(cause);
    });
  }

  it('a delegated exception from U enters S: sepc, scause, stval, SPP = U, SPIE = SIE, SIE = 0', () => {
    const { m } = pagedMachine([A.ecall()]);
    m.cpu.satp = 0;
    m.cpu.medeleg = 1 << 8;
    m.cpu.mstatus = MSTATUS.SIE;
    const t = runAt(m, Priv.U);
    expect([t.scause, t.sepc, t.stval, t.mcause]).toEqual([8, CODE, 0, -1]);
    expect(m.cpu.mstatus & (MSTATUS.SIE | MSTATUS.SPIE | MSTATUS.SPP)).toBe(MSTATUS.SPIE);
    expect(m.cpu.priv).toBe(Priv.S);
  });

  it('a delegated exception from S records SPP = S; one from M-mode is never delegated', () => {
    const { m } = pagedMachine([A.ebreak()]);
    m.cpu.satp = 0;
    m.cpu.medeleg = 1 << 3;
    const s = runAt(m, Priv.S);
    expect([s.scause, s.mcause]).toEqual([3, -1]);
    expect(m.cpu.mstatus & MSTATUS.SPP).toBe(MSTATUS.SPP);
    const mm = runAt(m, Priv.M);
    expect([mm.scause, mm.mcause]).toEqual([-1, 3]);
  });

  it('sret returns to SPP at sepc, SIE = SPIE, SPIE = 1, SPP = U', () => {
    const { m } = pagedMachine([A.sret()]);
    m.cpu.satp = 0;
    m.cpu.sepc = CODE + 0x100;
    m.cpu.mstatus = MSTATUS.SPIE | MSTATUS.SPP;
    const after = CODE + 0x100;
    m.ram.i32[(after - 0x8000_0000) >> 2] = A.ecall();
    const t = runAt(m, Priv.S);
    expect(t.mcause).toBe(9); // back in S (SPP was S), at sepc
    expect(t.mepc).toBe(after);
    expect(m.cpu.mstatus & (MSTATUS.SIE | MSTATUS.SPIE | MSTATUS.SPP)).toBe(MSTATUS.SIE | MSTATUS.SPIE);
  });

  it('sret from S with SPP = U drops to U', () => {
    const { m } = pagedMachine([A.sret()]);
    m.cpu.satp = 0;
    m.cpu.sepc = CODE + 0x100;
    m.ram.i32[(CODE + 0x100 - 0x8000_0000) >> 2] = A.ecall();
    expect(runAt(m, Priv.S).mcause).toBe(8);
  });

  it('an S trap handler at a faulting address halts with trap-storm instead of looping', () => {
    const { m } = pagedMachine([A.ecall()]);
    m.cpu.satp = 0;
    m.cpu.medeleg = (1 << 9) | (1 << 2);
    m.cpu.stvec = CODE + 0x200; // holds 0: an illegal instruction, delegated to S again
    m.cpu.priv = Priv.S;
    m.cpu.pc = CODE;
    m.run(100);
    expect(m.halted).toEqual({ kind: 'trap-storm', pc: CODE + 0x200, mcause: 2 });
  });
});

describe('interrupts with delegation (privileged spec §3.1.9)', () => {
  /**
   * Runs a few instructions at `priv` with the given pending/enable/delegation bits; returns
   * mcause and scause afterwards (-1 when no trap wrote them).
   */
  function taken(priv: number, mip: number, mie: number, mideleg: number, mstatus: number): { m: number; s: number } {
    const { m } = pagedMachine([A.addi(a1, a1, 1), A.wfi()]);
    const cpu = m.cpu;
    cpu.satp = 0;
    cpu.mip = mip;
    cpu.mie = mie;
    cpu.mideleg = mideleg;
    cpu.mstatus = mstatus;
    cpu.mcause = -1;
    cpu.scause = -1;
    cpu.priv = priv;
    cpu.pc = CODE;
    m.run(2);
    return { m: cpu.mcause >>> 0, s: cpu.scause >>> 0 };
  }
  const none = 0xffff_ffff;
  const cases: [string, number, number, number, number, number, { m: number; s: number }][] = [
    ['M interrupts are taken in S whatever MIE says', Priv.S, MTIP, MTIP, 0, 0, { m: INTERRUPT + 7, s: none }],
    ['M interrupts are masked in M without MIE', Priv.M, MTIP, MTIP, 0, 0, { m: none, s: none }],
    ['M interrupts come before S ones', Priv.S, MTIP | SEIP, MTIP | SEIP, SEIP, MSTATUS.SIE, { m: INTERRUPT + 7, s: none }],
    ['MEI before MSI before MTI', Priv.U, MTIP | MSIP | MEIP, MTIP | MSIP | MEIP, 0, 0, { m: INTERRUPT + 11, s: none }],
    ['SEI before SSI before STI', Priv.U, STIP | SSIP | SEIP, STIP | SSIP | SEIP, SSIP | STIP | SEIP, 0, { m: none, s: INTERRUPT + 9 }],
    ['a delegated interrupt in S needs SIE', Priv.S, STIP, STIP, STIP, 0, { m: none, s: none }],
    ['a delegated interrupt in S with SIE goes to S', Priv.S, STIP, STIP, STIP, MSTATUS.SIE, { m: none, s: INTERRUPT + 5 }],
    ['a delegated interrupt is taken in U whatever SIE says', Priv.U, SSIP, SSIP, SSIP, 0, { m: none, s: INTERRUPT + 1 }],
    ['a delegated interrupt is never taken in M', Priv.M, SSIP, SSIP, SSIP, MSTATUS.MIE | MSTATUS.SIE, { m: none, s: none }],
    ['an undelegated S interrupt goes to M', Priv.S, STIP, STIP, 0, 0, { m: INTERRUPT + 5, s: none }],
  ];
  for (const [what, priv, mip, mie, mideleg, mstatus, expected] of cases) {
    it(what, () => {
      // The U-mode run ends in an illegal WFI (cause 2) when no interrupt is taken.
      const got = taken(priv, mip, mie, mideleg, mstatus);
      if (priv === Priv.U && expected.m === none && expected.s === none) expect(got).toEqual({ m: 2, s: none });
      else expect(got).toEqual(expected);
    });
  }

  it('a pending interrupt wakes WFI in S-mode', () => {
    const { m } = pagedMachine([A.wfi(), A.addi(a0, 0, 1), A.wfi()]);
    m.cpu.satp = 0;
    m.cpu.priv = Priv.S;
    runToWfi(m, CODE);
    m.cpu.mie = SSIP;
    m.cpu.mideleg = SSIP;
    m.cpu.mstatus = MSTATUS.SIE;
    m.cpu.setPin(1, true);
    m.run(m.icount + 10);
    expect(m.cpu.scause >>> 0).toBe((INTERRUPT | 1) >>> 0);
  });
});
