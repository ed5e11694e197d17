// Machine-mode CSRs and the counters (privileged spec §2.1, §3.1; Zicsr, Zicntr).
import { describe, expect, it } from 'vitest';
import { Csr } from '../../../src/machine/cpu/csr-number.js';
import type { Machine } from '../../../src/machine/machine.js';
import * as A from './asm.js';
import { BASE, loadMore, machineWith, runToWfi, type RunResult } from './harness.js';

const { a0, a1, a2, a3, a4, a5, t0 } = A.Reg;
const MSTATUS_MPP = 3 << 11;

/** A handler that records mcause and mtval in a4/a5, skips the trapping instruction and returns. */
const HANDLER = BASE + 0x800;
const skipHandler = [
  A.csrr(a4, Csr.mcause), A.csrr(a5, Csr.mtval), A.csrr(t0, Csr.mepc), A.addi(t0, t0, 4), A.csrw(Csr.mepc, t0), A.mret(),
];

function run(program: A.Insn[], regs: Record<number, number> = {}): { m: Machine; r: RunResult } {
  const m = machineWith([...program, A.wfi()]);
  loadMore(m, skipHandler, HANDLER);
  m.cpu.mtvec = HANDLER;
  return { m, r: runToWfi(m, BASE, { [a4]: -1, [a5]: -1, ...regs }) };
}

/** Drops to U-mode, runs `user` there, ecalls back; the handler stops on the ecall (mcause 8). m- and scounteren get the same value. */
function runInUser(user: A.Insn[], mcounteren = 0): RunResult {
  const userAt = BASE + 0x400;
  const handler = BASE + 0x800;
  const m = machineWith([
    ...A.li(t0, mcounteren), A.csrw(Csr.mcounteren, t0), A.csrw(Csr.scounteren, t0),
    ...A.li(t0, MSTATUS_MPP), A.csrrc(0, Csr.mstatus, t0), ...A.li(t0, userAt), A.csrw(Csr.mepc, t0), A.mret(),
  ]);
  loadMore(m, [...user, A.ecall()], userAt);
  // mcause 8 (the final ecall) stops; anything else records mcause and skips the instruction.
  loadMore(m, [
    A.csrr(t0, Csr.mcause), A.addi(a3, 0, 8), A.bne(t0, a3, 8), A.wfi(),
    A.addi(a4, t0, 0), A.csrr(a5, Csr.mtval), A.csrr(t0, Csr.mepc), A.addi(t0, t0, 4), A.csrw(Csr.mepc, t0), A.mret(),
  ], handler);
  m.cpu.mtvec = handler;
  return runToWfi(m, BASE, { [a4]: -1, [a5]: -1 });
}

describe('identification CSRs', () => {
  it('misa says RV32 (MXL = 1) with I, M, A, C, S and U', () => {
    const { r } = run([A.csrr(a0, Csr.misa)]);
    const misa = r.x[a0]! >>> 0;
    expect(misa >>> 30).toBe(1);
    const letters = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((_, i) => (misa >>> i) & 1).join('');
    expect(letters).toBe('ACIMSU');
    expect(misa & 0x3c00_0000).toBe(0);
  });

  it('mhartid, mvendorid, marchid and mimpid read 0', () => {
    const { r } = run([A.addi(a0, 0, -1), A.csrr(a0, Csr.mhartid), A.csrr(a1, Csr.mvendorid), A.csrr(a2, Csr.marchid), A.csrr(a3, Csr.mimpid)]);
    expect([r.x[a0], r.x[a1], r.x[a2], r.x[a3], r.x[a4]]).toEqual([0, 0, 0, 0, -1]);
  });
});

describe('WARL fields', () => {
  for (const [mpp, read] of [[3, 3], [0, 0], [1, 1], [2, 0]] as const) {
    it(`mstatus.MPP written as ${mpp} reads ${read} (M, S and U exist; the reserved 2 keeps the old value)`, () => {
      const { r } = run([...A.li(t0, mpp << 11), A.csrw(Csr.mstatus, t0), A.csrr(a0, Csr.mstatus)]);
      expect((r.x[a0]! & MSTATUS_MPP) >>> 11).toBe(read);
    });
  }

  it('mstatus keeps the M and S interrupt-stack bits, MPRV, SUM, MXR, TVM, TW, TSR and drops bits of absent features', () => {
    const { r } = run([A.addi(t0, 0, -1), A.csrw(Csr.mstatus, t0), A.csrr(a0, Csr.mstatus)]);
    const sBits = (1 << 1) | (1 << 5) | (1 << 8) | (1 << 18) | (1 << 19) | (1 << 20) | (1 << 22);
    expect(r.x[a0]! >>> 0).toBe(((1 << 3) | (1 << 7) | (3 << 11) | (1 << 17) | (1 << 21) | sBits) >>> 0);
  });

  it('mtvec takes direct (0) and vectored (1) modes and ignores a write with a reserved mode', () => {
    const { r } = run([
      ...A.li(t0, BASE + 0x101), A.csrw(Csr.mtvec, t0), A.csrr(a0, Csr.mtvec),
      ...A.li(t0, BASE + 0x202), A.csrw(Csr.mtvec, t0), A.csrr(a1, Csr.mtvec),
      ...A.li(t0, BASE + 0x300), A.csrw(Csr.mtvec, t0), A.csrr(a2, Csr.mtvec),
      ...A.li(t0, HANDLER), A.csrw(Csr.mtvec, t0),
    ]);
    expect(r.x[a0]! >>> 0).toBe(BASE + 0x101);
    expect(r.x[a1]! >>> 0).toBe(BASE + 0x101);
    expect(r.x[a2]! >>> 0).toBe(BASE + 0x300);
  });

  it('mepc always reads with bit 0 clear', () => {
    const { r } = run([...A.li(t0, BASE + 0x123), A.csrw(Csr.mepc, t0), A.csrr(a0, Csr.mepc)]);
    expect(r.x[a0]! >>> 0).toBe(BASE + 0x122);
  });

  it('mie keeps only the M and S software, timer and external enables', () => {
    const { r } = run([A.addi(t0, 0, -1), A.csrw(Csr.mie, t0), A.csrr(a0, Csr.mie), A.csrw(Csr.mie, 0)]);
    expect(r.x[a0]).toBe((1 << 1) | (1 << 3) | (1 << 5) | (1 << 7) | (1 << 9) | (1 << 11));
  });

  it('mscratch, mcause and mtval hold what is written', () => {
    const { r } = run([
      ...A.li(t0, 0x1234_5678), A.csrw(Csr.mscratch, t0), A.csrr(a0, Csr.mscratch),
      A.csrrwi(a1, Csr.mscratch, 17), A.csrr(a2, Csr.mscratch),
    ]);
    expect(r.x[a0]).toBe(0x1234_5678);
    expect(r.x[a1]).toBe(0x1234_5678);
    expect(r.x[a2]).toBe(17);
  });
});

describe('Zicsr read-modify-write forms', () => {
  it('csrrs/csrrc set and clear bits and return the old value; the immediate forms use a 5-bit uimm', () => {
    const { r } = run([
      A.addi(t0, 0, 0xf0), A.csrw(Csr.mscratch, t0),
      A.addi(t0, 0, 0x0f), A.csrrs(a0, Csr.mscratch, t0),
      A.addi(t0, 0, 0x30), A.csrrc(a1, Csr.mscratch, t0),
      A.csrrsi(a2, Csr.mscratch, 0x10), A.csrrci(a3, Csr.mscratch, 0x1f), A.csrr(a4, Csr.mscratch),
    ]);
    expect(r.x[a0]).toBe(0xf0);
    expect(r.x[a1]).toBe(0xff);
    expect(r.x[a2]).toBe(0xcf);
    expect(r.x[a3]).toBe(0xdf);
    expect(r.x[a4]).toBe(0xc0);
  });

  it('csrrw with rd = rs1 swaps the register and the CSR', () => {
    const { r } = run([A.addi(a0, 0, 5), A.csrw(Csr.mscratch, a0), A.addi(a0, 0, 9), A.csrrw(a0, Csr.mscratch, a0), A.csrr(a1, Csr.mscratch)]);
    expect(r.x[a0]).toBe(5);
    expect(r.x[a1]).toBe(9);
  });
});

describe('counters', () => {
  it('minstret and mcycle advance by one per instruction', () => {
    const { r } = run([A.csrr(a0, Csr.minstret), A.addi(a3, 0, 0), A.csrr(a1, Csr.minstret), A.csrr(a2, Csr.mcycle)]);
    expect(r.x[a0]).toBe(0);
    expect(r.x[a1]).toBe(2);
    expect(r.x[a2]).toBe(3);
  });

  it('a write to minstret is what the next instruction reads, and counting goes on from there', () => {
    const { r } = run([...A.li(t0, 1000), A.csrw(Csr.minstret, t0), A.csrr(a0, Csr.minstret), A.csrr(a1, Csr.minstret), A.csrr(a2, Csr.minstreth)]);
    expect(r.x[a0]).toBe(1000);
    expect(r.x[a1]).toBe(1001);
    expect(r.x[a2]).toBe(0);
  });

  it('a write to mcycle is what the next instruction reads', () => {
    const { r } = run([A.addi(t0, 0, -1), A.csrw(Csr.mcycle, t0), A.csrr(a0, Csr.mcycle), A.csrr(a1, Csr.mcycleh), A.csrr(a2, Csr.mcycle)]);
    expect(r.x[a0]).toBe(-1);
    // mcycle wrapped into mcycleh between the two reads.
    expect(r.x[a1]).toBe(1);
    expect(r.x[a2]).toBe(1);
  });

  it('a write to minstreth replaces the high half only', () => {
    const { r } = run([A.addi(t0, 0, 7), A.csrw(Csr.minstreth, t0), A.csrr(a0, Csr.minstreth), A.csrr(a1, Csr.minstret)]);
    expect(r.x[a0]).toBe(7);
    // The write replaces the csrw's own increment (Zicsr: "the write is done instead of the
    // increment"): low was 1 at the csrw, stays 1 for the next instruction, 2 for the one after.
    expect(r.x[a1]).toBe(2);
  });

  it('cycle, time and instret mirror the machine counters and mtime in M-mode', () => {
    const { m, r } = run([A.csrr(a0, Csr.instret), A.csrr(a1, Csr.cycle), A.csrr(a2, Csr.time), A.csrr(a3, Csr.timeh)]);
    expect(r.x[a0]).toBe(0);
    expect(r.x[a1]).toBe(1);
    expect(r.x[a2]).toBe(Math.floor((2 * 8) / 100));
    expect(r.x[a3]).toBe(0);
    m.warp(12_345_600);
    const r2 = runToWfi(m, BASE + 8);
    expect(r2.x[a2]).toBe(Math.floor((m.icount - 3) * 8 / 100 + 123_456));
  });

  for (const [name, csr, bit] of [['cycle', Csr.cycle, 0], ['time', Csr.time, 1], ['instret', Csr.instret, 2], ['cycleh', Csr.cycleh, 0], ['timeh', Csr.timeh, 1], ['instreth', Csr.instreth, 2]] as const) {
    it(`${name} read from U-mode is illegal unless m- and scounteren bit ${bit} are set`, () => {
      const denied = runInUser([A.addi(a0, 0, -7), A.csrr(a0, csr)], 0);
      expect(denied.x[a4]).toBe(2);
      expect(denied.x[a5]! >>> 0).toBe(A.csrr(a0, csr));
      expect(denied.x[a0]).toBe(-7);
      const others = runInUser([A.addi(a0, 0, -7), A.csrr(a0, csr)], 7 & ~(1 << bit));
      expect(others.x[a4]).toBe(2);
      const allowed = runInUser([A.addi(a0, 0, -7), A.csrr(a0, csr)], 1 << bit);
      expect(allowed.x[a4]).toBe(-1);
      expect(allowed.x[a0]).not.toBe(-7);
    });
  }

  it('M-mode CSRs are illegal from U-mode', () => {
    for (const csr of [Csr.mstatus, Csr.mscratch, Csr.mcycle, Csr.mhartid]) {
      const r = runInUser([A.csrr(a0, csr)]);
      expect(r.x[a4], `csr 0x${csr.toString(16)}`).toBe(2);
    }
  });
});

describe('illegal CSR accesses', () => {
  for (const csr of [0x7c0, 0x5c0, 0x101, 0x3ff, 0xfff, 0x7b0]) {
    it(`an access to unknown CSR 0x${csr.toString(16)} is illegal with mtval = the instruction`, () => {
      const { r } = run([A.addi(a0, 0, 3), A.csrr(a0, csr)]);
      expect(r.x[a4]).toBe(2);
      expect(r.x[a5]! >>> 0).toBe(A.csrr(a0, csr));
      expect(r.x[a0]).toBe(3);
    });
  }

  for (const [name, csr] of [['cycle', Csr.cycle], ['time', Csr.time], ['instreth', Csr.instreth], ['mhartid', Csr.mhartid], ['mvendorid', Csr.mvendorid]] as const) {
    it(`a write to read-only ${name} is illegal and changes nothing; csrrs/csrrc with x0 and the uimm forms with 0 only read`, () => {
      const write = A.csrrw(a0, csr, a1);
      const { r } = run([A.addi(a0, 0, 3), write]);
      expect(r.x[a4]).toBe(2);
      expect(r.x[a5]! >>> 0).toBe(write);
      expect(r.x[a0]).toBe(3);
      // csrrs with a nonzero register attempts a write even if the register holds 0.
      const setWithZeroReg = run([A.addi(a1, 0, 0), A.csrrs(a0, csr, a1)]);
      expect(setWithZeroReg.r.x[a4]).toBe(2);
      const reads = run([A.csrrs(a0, csr, 0), A.csrrc(a1, csr, 0), A.csrrsi(a2, csr, 0), A.csrrci(a3, csr, 0)]);
      expect(reads.r.x[a4]).toBe(-1);
    });
  }
});
