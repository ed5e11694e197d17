// Exceptions, interrupts and their CSRs (privileged spec §3.1.6-3.1.20, §3.3).
import { describe, expect, it } from 'vitest';
import { Csr } from '../../../src/machine/cpu/csr-number.js';
import type { Machine } from '../../../src/machine/machine.js';
import * as A from './asm.js';
import { BASE, DATA, HOT_RUNS, isCompiledAt, loadMore, machineWith, runHot, runToWfi } from './harness.js';

const { a0, a1, a2, a3, a4, s0, s1, t0, t1 } = A.Reg;
const INTERRUPT = 0x8000_0000;
const MSTATUS_MIE = 1 << 3;
const MSTATUS_MPIE = 1 << 7;
const MSTATUS_MPP = 3 << 11;
const MTIE = 1 << 7;
const MSIE = 1 << 3;
const CLINT = 0x0200_0000;
const MTIMECMP = CLINT + 0x4000;

/** A trap handler that records mcause, mepc, mtval in a2..a4 and waits. */
const HANDLER = BASE + 0x200;
const recordingHandler = [A.csrr(a2, Csr.mcause), A.csrr(a3, Csr.mepc), A.csrr(a4, Csr.mtval), A.wfi()];

function withHandler(program: A.Insn[]): Machine {
  const m = machineWith(program);
  loadMore(m, recordingHandler, HANDLER);
  m.cpu.mtvec = HANDLER;
  return m;
}

/** Code that drops to U-mode at `userCode` (mstatus.MPP = U, mepc = userCode, mret). */
const enterUser = (userCode: number): A.Insn[] => [
  A.li(t0, MSTATUS_MPP), A.csrrc(0, Csr.mstatus, t0), A.li(t0, userCode), A.csrw(Csr.mepc, t0), A.mret(),
].flat();

describe('synchronous exceptions', () => {
  it('ecall from M-mode traps with mcause 11, mepc at the ecall, mtval 0, and counts as an instruction', () => {
    const m = withHandler([A.addi(a0, 0, 1), A.ecall(), A.wfi()]);
    runHot(m, BASE, () => ({ [a4]: 99 }), (r) => {
      expect(r.x[a2]).toBe(11);
      expect(r.x[a3] >>> 0).toBe(BASE + 4);
      expect(r.x[a4]).toBe(0);
      expect(r.pc).toBe(HANDLER + 16);
      expect(r.icount).toBe(2 + 4);
      expect(m.cpu.priv).toBe(3);
    });
  });

  it('ecall from U-mode traps with mcause 8 and records MPP = U', () => {
    const user = BASE + 0x100;
    const m = withHandler(enterUser(user));
    loadMore(m, [A.addi(a0, 0, 5), A.ecall()], user);
    for (let run = 0; run < HOT_RUNS; run++) {
      m.cpu.priv = 3;
      const r = runToWfi(m, BASE);
      expect(r.x[a0]).toBe(5);
      expect(r.x[a2]).toBe(8);
      expect(r.x[a3] >>> 0).toBe(user + 4);
      expect(m.cpu.priv).toBe(3);
      expect(m.cpu.mstatus & MSTATUS_MPP).toBe(0);
    }
  });

  it('ebreak traps with mcause 3 and mepc at the ebreak; c.ebreak too', () => {
    for (const insn of [A.ebreak(), A.c_ebreak()]) {
      const m = withHandler([A.addi(a0, 0, 1), insn]);
      runHot(m, BASE, () => ({}), (r) => {
        expect(r.x[a2]).toBe(3);
        expect(r.x[a3] >>> 0).toBe(BASE + 4);
      });
    }
  });

  it('an illegal instruction traps with mcause 2 and mtval = the instruction bits', () => {
    const cases: A.Insn[] = [0xffff_ffff, 0x0000_007f, A.csrr(a0, 0x7c0), { c: 0x0000 }, { c: 0x6002 } /* c.flwsp: no F */];
    for (const insn of cases) {
      const m = withHandler([A.addi(a0, 0, 1), insn, A.addi(a0, 0, 2), A.wfi()]);
      const bits = typeof insn === 'number' ? insn : insn.c;
      runHot(m, BASE, () => ({}), (r) => {
        expect(r.x[a2], `mcause for ${bits.toString(16)}`).toBe(2);
        expect(r.x[a3] >>> 0).toBe(BASE + 4);
        expect(r.x[a4] >>> 0, `mtval for ${bits.toString(16)}`).toBe(bits >>> 0);
        expect(r.x[a0]).toBe(1);
      });
    }
  });

  it('reserved and RV64-only encodings are illegal instructions with mtval = their bits', () => {
    const encodings: [string, A.Insn][] = [
      ['slli with shamt[5] set (RV64)', A.slli(a0, a1, 1) | (1 << 25)],
      ['srai with a wrong funct7', A.srai(a0, a1, 1) | (1 << 26)],
      ['add with funct7 = 2', A.add(a0, a1, a1) | (2 << 25)],
      ['ld (RV64 load)', A.lw(a0, a1, 0) | (1 << 12)],
      ['sd (RV64 store)', A.sw(a0, a1, 0) | (1 << 12)],
      ['a branch with funct3 = 2', A.beq(a0, a1, 8) | (2 << 12)],
      ['jalr with funct3 = 1', A.jalr(a0, a1, 0) | (1 << 12)],
      ['amoadd.d (RV64)', A.amoadd_w(a0, a1, a2) | (1 << 12)],
      ['lr.w with rs2 != 0', A.lr_w(a0, a1) | (1 << 20)],
      ['an unknown AMO funct5', A.amoadd_w(a0, a1, a2) | (0x1e << 27)],
      ['CSR funct3 = 4', A.csrr(a0, Csr.mscratch) & ~(7 << 12) | (4 << 12)],
      ['uret', 0x0020_0073],
      ['c.addi4spn with imm 0', { c: 0x0000 | (1 << 2) }],
      ['c.lui with imm 0', { c: 0x6501 }],
      ['c.addi16sp with imm 0', { c: 0x6101 }],
      ['c.slli with shamt[5] set (RV64)', { c: A.c_slli(a0, 1).c | (1 << 12) }],
      ['c.srli with shamt[5] set', { c: A.c_srli(a0, 1).c | (1 << 12) }],
      ['c.jr x0', { c: 0x8002 }],
      ['c.lwsp with rd = x0', { c: 0x4002 }],
      ['c.subw (RV64)', { c: A.c_sub(a0, a1).c | (1 << 12) }],
      ['c.fld (no D)', { c: 0x2000 }],
    ];
    for (const [what, insn] of encodings) {
      const m = withHandler([insn, A.wfi()]);
      const r = runToWfi(m, BASE);
      const bits = typeof insn === 'number' ? insn : insn.c;
      expect(r.x[a2], what).toBe(2);
      expect(r.x[a4] >>> 0, `${what}: mtval`).toBe(bits >>> 0);
      expect(r.x[a3] >>> 0, `${what}: mepc`).toBe(BASE);
    }
  });

  it('wfi in U-mode is illegal whatever mstatus.TW says (S-mode exists, as QEMU)', () => {
    const user = BASE + 0x100;
    const denied = withHandler(enterUser(user));
    loadMore(denied, [A.wfi()], user);
    const d = runToWfi(denied, BASE);
    expect(d.x[a2]).toBe(2);
    expect(d.x[a3] >>> 0).toBe(user);
    const trapped = withHandler([...A.li(t1, 1 << 21), A.csrrs(0, Csr.mstatus, t1), ...enterUser(user)]);
    loadMore(trapped, [A.wfi()], user);
    const r = runToWfi(trapped, BASE);
    expect(r.x[a2]).toBe(2);
    expect(r.x[a4] >>> 0).toBe(A.wfi());
  });

  for (const [what, insn, cause] of [
    ['lw', A.lw(a0, s0, 0), 5],
    ['lbu', A.lbu(a0, s0, 0), 5],
    ['lh', A.lh(a0, s0, 0), 5],
    ['sw', A.sw(a1, s0, 0), 7],
    ['sb', A.sb(a1, s0, 0), 7],
    ['sh', A.sh(a1, s0, 0), 7],
  ] as const) {
    it(`${what} at an unmapped address traps with mcause ${cause}, mtval = the address, earlier results kept`, () => {
      const m = withHandler([A.addi(a0, 0, 7), A.addi(a1, a1, 1), insn, A.addi(a0, 0, 8), A.wfi()]);
      for (const addr of [0x0, 0x40, 0x2000_0000]) {
        runHot(m, BASE, () => ({ [s0]: addr, [a1]: 10 }), (r) => {
          expect(r.x[a2]).toBe(cause);
          expect(r.x[a3] >>> 0).toBe(BASE + 8);
          expect(r.x[a4] >>> 0).toBe(addr);
          expect(r.x[a0]).toBe(7);
          expect(r.x[a1]).toBe(11);
          expect(r.icount).toBe(3 + 4);
        });
      }
    });
  }

  it('a misaligned word load from an MMIO device is an access fault (mcause 5)', () => {
    const m = withHandler([A.lw(a0, s0, 2), A.wfi()]);
    runHot(m, BASE, () => ({ [s0]: CLINT + 0xbff8 }), (r) => {
      expect(r.x[a2]).toBe(5);
      expect(r.x[a4] >>> 0).toBe(CLINT + 0xbffa);
    });
  });

  it('jumping to unmapped memory is an instruction access fault (mcause 1) with mepc = mtval = the target', () => {
    for (const target of [0x0, 0x1000, 0x7fff_fffc]) {
      const m = withHandler([A.addi(a0, 0, 1), A.jalr(a1, s1, 0)]);
      runHot(m, BASE, () => ({ [s1]: target }), (r) => {
        expect(r.x[a2]).toBe(1);
        expect(r.x[a4] >>> 0, 'mtval').toBe(target);
        expect(r.x[a3] >>> 0, 'mepc').toBe(target);
        expect(r.x[a1] >>> 0).toBe(BASE + 8);
        expect(r.icount).toBe(3 + 4);
      });
    }
  });

  it('running off the end of RAM is an instruction access fault at the first address past it', () => {
    const end = BASE + (1 << 20);
    const m = withHandler([]);
    // A 32-bit instruction whose second half would lie past the end of RAM.
    m.ram.load((1 << 20) - 2, new Uint8Array([0x13, 0x05]));
    const r = runToWfi(m, end - 2);
    expect(r.x[a2]).toBe(1);
    expect(r.x[a3] >>> 0).toBe(end - 2);
    const m2 = withHandler([]);
    m2.ram.load((1 << 20) - 4, A.assemble([A.addi(a0, 0, 3)]));
    const r2 = runToWfi(m2, end - 4);
    expect(r2.x[a0]).toBe(3);
    expect(r2.x[a2]).toBe(1);
    expect(r2.x[a3] >>> 0).toBe(end);
    expect(r2.x[a4] >>> 0).toBe(end);
  });
});

describe('trap entry and mret', () => {
  it('trap entry saves MIE into MPIE, clears MIE and records the previous privilege in MPP', () => {
    const m = withHandler([A.csrrsi(0, Csr.mstatus, 8), A.ecall()]);
    runToWfi(m, BASE);
    expect(m.cpu.mstatus & MSTATUS_MIE).toBe(0);
    expect(m.cpu.mstatus & MSTATUS_MPIE).toBe(MSTATUS_MPIE);
    expect(m.cpu.mstatus & MSTATUS_MPP).toBe(MSTATUS_MPP);
  });

  it('mret restores MIE from MPIE, privilege from MPP, sets MPIE and MPP = U, and jumps to mepc', () => {
    const user = BASE + 0x100;
    // mstatus: MPIE = 1, MPP = U, MIE = 0; mepc = user; mret.
    const m = withHandler([
      A.li(t0, MSTATUS_MPP | MSTATUS_MIE), A.csrrc(0, Csr.mstatus, t0), A.li(t0, MSTATUS_MPIE), A.csrrs(0, Csr.mstatus, t0),
      A.li(t0, user), A.csrw(Csr.mepc, t0), A.mret(),
    ].flat());
    // In U-mode, reading mstatus is illegal: the handler sees mcause 2 from user code.
    loadMore(m, [A.addi(a0, 0, 1), A.csrr(a1, Csr.mstatus)], user);
    const r = runToWfi(m, BASE);
    expect(r.x[a0]).toBe(1);
    expect(r.x[a2]).toBe(2);
    expect(r.x[a3] >>> 0).toBe(user + 4);
    // The trap from U saved the state mret had produced: MIE was 1 (now in MPIE), priv U (now in MPP).
    expect(m.cpu.mstatus & MSTATUS_MPIE).toBe(MSTATUS_MPIE);
    expect(m.cpu.mstatus & MSTATUS_MPP).toBe(0);
  });

  it('mret from M to M with MPIE = 0 leaves MIE clear and MPP = U', () => {
    const target = BASE + 0x100;
    const m = withHandler([
      A.li(t0, MSTATUS_MPP), A.csrrs(0, Csr.mstatus, t0), A.li(t0, MSTATUS_MPIE | MSTATUS_MIE), A.csrrc(0, Csr.mstatus, t0),
      A.li(t0, target), A.csrw(Csr.mepc, t0), A.mret(),
    ].flat());
    loadMore(m, [A.csrr(a0, Csr.mstatus), A.wfi()], target);
    const r = runToWfi(m, BASE);
    expect(m.cpu.priv).toBe(3);
    expect(r.x[a0] & MSTATUS_MIE).toBe(0);
    expect(r.x[a0] & MSTATUS_MPIE).toBe(MSTATUS_MPIE);
    expect(r.x[a0] & MSTATUS_MPP).toBe(0);
  });

  it('mret in U-mode is illegal', () => {
    const user = BASE + 0x100;
    const m = withHandler(enterUser(user));
    loadMore(m, [A.mret()], user);
    const r = runToWfi(m, BASE);
    expect(r.x[a2]).toBe(2);
    expect(r.x[a3] >>> 0).toBe(user);
    expect(r.x[a4] >>> 0).toBe(A.mret());
  });

  it('a handler that returns with mret resumes after the trapping instruction when it advances mepc', () => {
    // handler: mepc += 4; count in s1; mret
    const handler = BASE + 0x300;
    const m = machineWith([A.ecall(), A.addi(a0, a0, 1), A.ecall(), A.addi(a0, a0, 1), A.wfi()]);
    loadMore(m, [A.csrr(t1, Csr.mepc), A.addi(t1, t1, 4), A.csrw(Csr.mepc, t1), A.addi(s1, s1, 1), A.mret()], handler);
    m.cpu.mtvec = handler;
    runHot(m, BASE, () => ({}), (r) => {
      expect(r.x[a0]).toBe(2);
      expect(r.x[s1]).toBe(2);
      expect(r.icount).toBe(5 + 2 * 5);
    }, { compiled: false });
  });
});

describe('trap storms', () => {
  it('a fetch fault whose handler address is unmapped too (mtvec = 0) halts with trap-storm instead of looping', () => {
    const m = machineWith([A.jalr(0, 0, 0)]);
    m.cpu.mtvec = 0;
    m.run(1e12);
    expect(m.halted).toEqual({ kind: 'trap-storm', pc: 0, mcause: 1 });
    expect(m.icount).toBeLessThan(10);
  });

  it('a fetch fault whose handler is the code that jumped away is handled, not taken for a trap storm', () => {
    // ecall enters the handler H; its first pass jumps to unmapped 0x1000, whose fault enters
    // H again; the second pass (s2 = 2) stops.
    const handler = BASE + 0x100;
    const m = machineWith([A.ecall()]);
    loadMore(m, [A.addi(A.Reg.s2, A.Reg.s2, 1), A.addi(t0, 0, 2), A.beq(A.Reg.s2, t0, 8), A.jalr(0, s1, 0), A.wfi()], handler);
    m.cpu.mtvec = handler;
    m.cpu.x[s1] = 0x1000;
    m.run(1000);
    expect(m.halted).toBe(null);
    expect(m.cpu.waiting).toBe(true);
    expect(m.cpu.x[A.Reg.s2]).toBe(2);
    expect(m.cpu.mcause).toBe(1);
    expect(m.cpu.mepc >>> 0).toBe(0x1000);
  });

  it('U-mode code that runs into the M-mode handler address is handled in M-mode, not taken for a trap storm', () => {
    // The handler's first instruction reads mcause: illegal in U-mode, legal once the trap has
    // switched to M-mode, so the second attempt makes progress.
    const m = withHandler(enterUser(HANDLER));
    const r = runToWfi(m, BASE);
    expect(m.halted).toBe(null);
    expect(r.x[a2]).toBe(2);
    expect(r.x[a3] >>> 0).toBe(HANDLER);
    expect(m.cpu.priv).toBe(3);
  });

  it('an illegal instruction at the trap vector halts with trap-storm', () => {
    const m = machineWith([A.ecall()]);
    loadMore(m, [0xffff_ffff], BASE + 0x100);
    m.cpu.mtvec = BASE + 0x100;
    m.run(1e12);
    expect(m.halted).toEqual({ kind: 'trap-storm', pc: BASE + 0x100, mcause: 2 });
    expect(m.icount).toBeLessThan(10);
  });
});

describe('WFI', () => {
  it('sets cpu.waiting when no enabled interrupt is pending and ends the run', () => {
    const m = machineWith([A.addi(a0, 0, 1), A.wfi(), A.addi(a0, 0, 2)]);
    m.run(1000);
    expect(m.cpu.waiting).toBe(true);
    expect(m.icount).toBe(2);
    expect(m.cpu.x[a0]).toBe(1);
    m.run(1000);
    expect(m.icount).toBe(2);
  });

  it('does not wait when an enabled interrupt is pending, even with mstatus.MIE clear', () => {
    const m = machineWith([...A.li(t0, MSIE), A.csrw(Csr.mie, t0), ...A.li(t1, CLINT), A.addi(t0, 0, 1), A.sw(t0, t1, 0), A.wfi(), A.addi(a0, 0, 2), A.sw(0, t1, 0), A.wfi()]);
    m.cpu.mtvec = BASE + 0x400;
    m.run(1000);
    expect(m.cpu.x[a0]).toBe(2);
    expect(m.cpu.mcause).toBe(0);
  });

  it('wakes on the timer after the engine warps to the deadline, and takes the interrupt', () => {
    const handler = BASE + 0x200;
    const m = machineWith([
      ...A.li(t0, MTIMECMP), A.sw(0, t0, 4), A.addi(t1, 0, 500), A.sw(t1, t0, 0),
      ...A.li(t0, MTIE), A.csrw(Csr.mie, t0), A.csrrsi(0, Csr.mstatus, 8),
      A.wfi(), A.addi(a0, 0, 1), A.wfi(),
    ]);
    loadMore(m, [A.csrr(a2, Csr.mcause), A.csrw(Csr.mie, 0), A.mret()], handler);
    m.cpu.mtvec = handler;
    m.run(1_000_000);
    expect(m.cpu.waiting).toBe(true);
    const idleAt = m.icount;
    const ns = m.nsUntilDeadline();
    expect(ns).toBeGreaterThan(0);
    m.warp(ns);
    m.run(1_000_000);
    expect(m.cpu.x[a2] >>> 0).toBe((INTERRUPT | 7) >>> 0);
    expect(m.cpu.x[a0]).toBe(1);
    // mtime reached 500 ticks = 50000 ns by icount * 8 + warp.
    expect(idleAt * 8 + ns).toBeGreaterThanOrEqual(500 * 100);
  });
});

/** mtimecmp = cmp; vectored or direct mtvec; MTIE + MIE on; count in s0 forever; the handler records. */
function timerProgram(cmp: number, vectored: boolean): Machine {
  const table = BASE + 0x400;
  const m = machineWith([
    ...A.li(t0, MTIMECMP), A.sw(0, t0, 4), ...A.li(t1, cmp), A.sw(t1, t0, 0),
    ...A.li(t0, table + (vectored ? 1 : 0)), A.csrw(Csr.mtvec, t0),
    ...A.li(t0, MTIE), A.csrw(Csr.mie, t0), A.csrrsi(0, Csr.mstatus, 8),
    // loop: s0 += 1; a1 = s0 * 3; bne s0, x0, loop
    A.addi(s0, s0, 1), A.add(a1, s0, s0), A.add(a1, a1, s0), A.bne(s0, 0, -12),
  ]);
  const handler = [A.csrr(a0, Csr.minstret), A.csrr(a2, Csr.mcause), A.csrr(a3, Csr.mepc), A.csrw(Csr.mie, 0), A.wfi()];
  // Direct: everything lands at the base. Vectored: exceptions at the base, the timer at base + 4*7.
  loadMore(m, vectored ? [A.jal(0, 0x40)] : handler, table);
  if (vectored) loadMore(m, [A.jal(0, 0x80 - 28)], table + 28);
  if (vectored) loadMore(m, handler, table + 0x80);
  return m;
}

interface TimerOutcome {
  entryIcount: number;
  mcause: number;
  mepc: number;
  s0: number;
  a1: number;
  icount: number;
}

function runTimer(m: Machine, step: number): TimerOutcome {
  for (let guard = 0; !m.cpu.waiting; guard++) {
    if (guard > 1_000_000) throw new Error('the timer interrupt never arrived');
    m.run(m.icount + step);
  }
  const x = m.cpu.x;
  return { entryIcount: x[a0]!, mcause: x[a2]! >>> 0, mepc: x[a3]! >>> 0, s0: x[s0]!, a1: x[a1]!, icount: m.icount };
}

describe('timer interrupt', () => {
  // shift 3: mtime = floor(icount * 8 / 100), so mtime reaches cmp at icount ceil(cmp * 100 / 8).
  for (const cmp of [1000, 1003, 4321]) {
    it(`is taken at exactly the icount where mtime reaches mtimecmp (${cmp})`, () => {
      const m = timerProgram(cmp, false);
      const out = runTimer(m, 1_000_000);
      const deadline = Math.ceil((cmp * 100) / 8);
      expect(out.entryIcount).toBe(deadline);
      expect(out.mcause).toBe((INTERRUPT | 7) >>> 0);
      // Interrupted in the loop, after a whole number of instructions: a1 lags s0 only mid-iteration.
      expect(out.mepc).toBeGreaterThanOrEqual(BASE);
      expect(isCompiledAt(m, out.mepc) || out.mepc !== BASE).toBe(true);
    });
  }

  it('does not depend on the run() limit granularity (1, 7, 1000 and 1e6 instructions)', () => {
    const outcomes = [1, 7, 1000, 1_000_000].map((step) => {
      const m = timerProgram(1003, false);
      return runTimer(m, step);
    });
    for (const out of outcomes) expect(out).toEqual(outcomes[0]);
    expect(outcomes[0]!.entryIcount).toBe(Math.ceil(100_300 / 8));
  });

  it('in vectored mode goes to mtvec base + 4 * 7, and exceptions still go to the base', () => {
    const m = timerProgram(1000, true);
    const out = runTimer(m, 1000);
    // Taken at icount 12500; the jal at base + 28 runs before the handler reads minstret.
    expect(out.entryIcount).toBe(12_500 + 1);
    expect(out.mcause).toBe((INTERRUPT | 7) >>> 0);
    expect(out.icount).toBe(12_500 + 1 + 5);

    const e = machineWith([...A.li(t0, BASE + 0x400 + 1), A.csrw(Csr.mtvec, t0), A.ecall()]);
    loadMore(e, [A.addi(a0, 0, 1), A.wfi()], BASE + 0x400);
    loadMore(e, [A.addi(a0, 0, 2), A.wfi()], BASE + 0x400 + 4 * 11);
    e.run(1000);
    expect(e.cpu.x[a0]).toBe(1);
    expect(e.cpu.mcause).toBe(11);
  });

  it('a software interrupt raised by a store to msip is taken before the next instruction, whatever the slice size', () => {
    const handler = BASE + 0x400;
    const program = [
      ...A.li(t0, MSIE), A.csrw(Csr.mie, t0), A.csrrsi(0, Csr.mstatus, 8), ...A.li(t1, CLINT),
      A.addi(t0, 0, 1), A.sw(t0, t1, 0), A.addi(a1, 0, 1), A.wfi(),
    ];
    const afterStore = program.indexOf(A.sw(t0, t1, 0)) + 1;
    const results = [1, 3, 1000].map((step) => {
      const m = machineWith(program);
      loadMore(m, [A.csrr(a0, Csr.minstret), A.csrr(a3, Csr.mepc), A.sw(0, t1, 0), A.wfi()], handler);
      m.cpu.mtvec = handler;
      while (!m.cpu.waiting) m.run(m.icount + step);
      return { a0: m.cpu.x[a0], a1: m.cpu.x[a1], mepc: m.cpu.x[a3]! >>> 0, mcause: m.cpu.mcause >>> 0 };
    });
    for (const r of results) expect(r).toEqual(results[0]);
    expect(results[0]!.a1).toBe(0);
    expect(results[0]!.mcause).toBe((INTERRUPT | 3) >>> 0);
    expect(results[0]!.a0).toBe(afterStore);
    expect(results[0]!.mepc).toBe(BASE + 4 * afterStore);
  });

  it('mtime read by a hot loop equals floor(icount * 8 / 100) at each load, interpreted or compiled', () => {
    // loop: lw a0, mtime; sw a0, 0(s0); addi s0, s0, 4; addi s1, s1, -1; bne s1, x0, loop
    const m = machineWith([A.lw(a0, t0, 0), A.sw(a0, s0, 0), A.addi(s0, s0, 4), A.addi(s1, s1, -1), A.bne(s1, 0, -16), A.wfi()]);
    const r = runToWfi(m, BASE, { [t0]: CLINT + 0xbff8, [s0]: DATA, [s1]: 200 });
    expect(r.icount).toBe(200 * 5 + 1);
    for (let k = 0; k < 200; k++) {
      const word = m.ram.i32[(DATA - BASE) / 4 + k]!;
      expect(word, `iteration ${k}`).toBe(Math.floor(((k * 5) * 8) / 100));
    }
    expect(isCompiledAt(m, BASE)).toBe(true);
  });
});

describe('interrupt state', () => {
  it('an interrupt is not taken in M-mode while mstatus.MIE is clear, and is taken once it is set', () => {
    const handler = BASE + 0x400;
    const m = machineWith([
      ...A.li(t0, MSIE), A.csrw(Csr.mie, t0), ...A.li(t1, CLINT), A.addi(t0, 0, 1), A.sw(t0, t1, 0),
      A.addi(a1, 0, 1), A.addi(a1, a1, 1), A.csrrsi(0, Csr.mstatus, 8), A.addi(a1, a1, 100), A.wfi(),
    ]);
    loadMore(m, [A.csrr(a3, Csr.mepc), A.sw(0, t1, 0), A.wfi()], handler);
    m.cpu.mtvec = handler;
    m.run(1000);
    expect(m.cpu.x[a1]).toBe(2);
    expect(m.cpu.mcause >>> 0).toBe((INTERRUPT | 3) >>> 0);
    // Taken right after the csrrsi (the 8th instruction) that set MIE.
    expect(m.cpu.x[a3]! >>> 0).toBe(BASE + 4 * 8);
  });

  it('mip shows MSIP and MTIP; with both pending the software interrupt is taken first', () => {
    const handler = BASE + 0x400;
    const m = machineWith([
      ...A.li(t0, MTIMECMP), A.sw(0, t0, 4), A.sw(0, t0, 0), ...A.li(t1, CLINT), A.addi(t0, 0, 1), A.sw(t0, t1, 0),
      A.csrr(a1, Csr.mip), ...A.li(t0, MSIE | MTIE), A.csrw(Csr.mie, t0), A.csrrsi(0, Csr.mstatus, 8), A.wfi(),
    ]);
    loadMore(m, [A.csrr(a2, Csr.mcause), A.csrw(Csr.mie, 0), A.wfi()], handler);
    m.cpu.mtvec = handler;
    m.run(1000);
    expect(m.cpu.x[a1]! & (MSIE | MTIE)).toBe(MSIE | MTIE);
    expect(m.cpu.x[a2]! >>> 0).toBe((INTERRUPT | 3) >>> 0);
  });

  it('in U-mode an enabled interrupt is taken even with mstatus.MIE clear', () => {
    const handler = BASE + 0x400;
    const user = BASE + 0x100;
    const m = machineWith([
      ...A.li(t0, MSIE), A.csrw(Csr.mie, t0), ...A.li(t1, CLINT), ...enterUser(user),
    ]);
    loadMore(m, [A.addi(a1, 0, 1), A.addi(a2, 0, 1), A.sw(a2, t1, 0), A.addi(a1, 0, 2), A.wfi()], user);
    loadMore(m, [A.csrr(a3, Csr.mepc), A.sw(0, t1, 0), A.wfi()], handler);
    m.cpu.mtvec = handler;
    m.run(1000);
    expect(m.cpu.mcause >>> 0).toBe((INTERRUPT | 3) >>> 0);
    expect(m.cpu.x[a1]).toBe(1);
    expect(m.cpu.x[a3]! >>> 0).toBe(user + 12);
    expect(m.cpu.mstatus & MSTATUS_MPP).toBe(0);
  });
});

describe('traps inside hot code', () => {
  it('a load fault in the middle of a compiled block keeps the writes before it and resumes correctly via mret', () => {
    // a0 += 1; a1 = lw 0(s0) (faults when s0 = 0); a0 += 10; wfi. Handler: a1 = -1, skip the load.
    const handler = BASE + 0x300;
    const m = machineWith([A.addi(a0, a0, 1), A.lw(a1, s0, 0), A.addi(a0, a0, 10), A.wfi()]);
    loadMore(m, [A.addi(a1, 0, -1), A.csrr(t1, Csr.mepc), A.addi(t1, t1, 4), A.csrw(Csr.mepc, t1), A.mret()], handler);
    m.cpu.mtvec = handler;
    m.ram.i32[(DATA - BASE) / 4] = 1234;
    runHot(m, BASE, (run) => ({ [s0]: run % 2 === 0 ? 0 : DATA, [a0]: run }), (r, run) => {
      expect(r.x[a0]).toBe(run + 11);
      expect(r.x[a1]).toBe(run % 2 === 0 ? -1 : 1234);
      expect(r.icount).toBe(run % 2 === 0 ? 4 + 5 : 4);
    });
  });
});
