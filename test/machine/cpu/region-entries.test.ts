// Entries of compiled regions. An irreducible cycle inside a loop (entered at two points) runs
// with the interpreter's results. A JALR's targets inside a region (a jump table's cases)
// become roots of it: one function entered at each, where the JALR goes on inside, and a
// store into any of its code drops every entry at once.
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../../src/machine/machine.js';
import * as A from './asm.js';
import { BASE, DATA, machineWith, runToWfi, type RunResult } from './harness.js';

const { a0, a1, a2, a3, a4, a5, t0, t1, t5, s11 } = A.Reg;

/** Runs `program` from BASE with `regs` one instruction per run() call (the interpreter only). */
function stepped(program: readonly A.Insn[], regs: Record<number, number>): RunResult {
  const m = machineWith(program);
  for (const [r, v] of Object.entries(regs)) m.cpu.x[Number(r)] = v;
  m.cpu.pc = BASE;
  while (!m.cpu.waiting) m.run(m.icount + 1);
  return { x: Array.from(m.cpu.x.subarray(0, 32)), pc: m.cpu.pc >>> 0, icount: m.icount };
}

/**
 * H: a0 += 1; a1 ^= 1; t5 = 3; beq a1, x0, MID; TOP: a2 += 1; MID: a3 += 1; t5 -= 1;
 * bne t5, x0, TOP; s11 -= 1; bne s11, x0, H; wfi. The cycle TOP–MID is entered at TOP on odd
 * iterations and at MID on even ones: neither dominates the other.
 */
const MID = 20;
const irreducible = [
  A.addi(a0, a0, 1),
  A.xori(a1, a1, 1),
  A.addi(t5, 0, 3),
  A.beq(a1, 0, MID - 12),
  A.addi(a2, a2, 1),
  A.addi(a3, a3, 1),
  A.addi(t5, t5, -1),
  A.bne(t5, 0, -12),
  A.addi(s11, s11, -1),
  A.bne(s11, 0, -36),
  A.wfi(),
];

/**
 * A jump table's shape: H: a0 += 1; a1 = a0 & 1; beq a5, x0, EVEN; beq a5, x0, ODD (never
 * taken: a5 is an address, but they make both cases part of the loop); t0 = pc; t0 += a1 * 8;
 * jalr x0, 16(t0) → EVEN (a3 += 1; j END) or ODD (a4 += 1); END: s11 -= 1; bne s11, x0, H;
 * sw t1, 0(a5); wfi.
 */
const EVEN = 32;
const ODD = 40;
const jumpTable = [
  A.addi(a0, a0, 1),
  A.andi(a1, a0, 1),
  A.beq(a5, 0, EVEN - 8),
  A.beq(a5, 0, ODD - 12),
  A.auipc(t0, 0),
  A.slli(a2, a1, 3),
  A.add(t0, t0, a2),
  A.jalr(0, t0, 16),
  A.addi(a3, a3, 1),
  A.jal(0, 8),
  A.addi(a4, a4, 1),
  A.addi(s11, s11, -1),
  A.bne(s11, 0, -48),
  A.sw(t1, a5, 0),
  A.wfi(),
];

/** The word of `program` at byte offset `at`. */
const wordAt = (program: readonly A.Insn[], at: number): number => new DataView(A.assemble(program).buffer).getInt32(at, true);

/** True when a region is compiled at each offset. */
const entries = (m: Machine, offsets: number[]): boolean[] => offsets.map((at) => m.cpu.hasRegionAt(BASE + at));

describe('region entries', () => {
  it('an irreducible cycle inside a loop gives the interpreted results', () => {
    const trips = 80;
    const m = machineWith(irreducible);
    const r = runToWfi(m, BASE, { [s11]: trips });
    expect(entries(m, [0, 4, 8, 12, 16, 20, 24, 28, 32, 36]).includes(true), 'a region in the loop').toBe(true);
    // Odd iterations enter at TOP (3 trips through both), even ones at MID (TOP skipped once).
    expect(r.x[a2]).toBe(trips * 3 - trips / 2);
    expect(r.x[a3]).toBe(trips * 3);
    const s = stepped(irreducible, { [s11]: trips });
    expect(r.x).toEqual(s.x);
    expect(r.icount).toBe(s.icount);
  });

  it("a JALR's targets in a region become its roots, and the JALR goes on inside it with the interpreted results", () => {
    const trips = 400;
    const regs = { [s11]: trips, [a5]: DATA };
    const m = machineWith(jumpTable);
    const whole = runToWfi(m, BASE, regs);
    // Both cases were entered through the JALR often enough to become roots of the loop's region.
    expect(entries(m, [EVEN, ODD]), 'EVEN and ODD are region entries').toEqual([true, true]);
    const s = stepped(jumpTable, regs);
    expect(whole.x).toEqual(s.x);
    expect(whole.icount).toBe(s.icount);
    expect(whole.x[a3]).toBe(trips / 2);
    expect(whole.x[a4]).toBe(trips / 2);
  });

  it("a store into a region's code drops all its entries", () => {
    const m = machineWith(jumpTable);
    // The final store writes ODD's own word over it: the code is the same, the compiled entries go.
    runToWfi(m, BASE, { [s11]: 400, [a5]: BASE + ODD, [t1]: wordAt(jumpTable, ODD) });
    expect(entries(m, [EVEN, ODD]), 'nothing compiled at EVEN, ODD').toEqual([false, false]);
  });
});
