// A region with irreducible control flow is one function with several entries (its roots):
// run() enters it at each of them, the code gives the interpreter's results, and a store into
// any of its code drops every entry at once.
import { describe, expect, it } from 'vitest';
import * as A from './asm.js';
import { BASE, machineWith, runToWfi } from './harness.js';

const { a0, a1, a2, a3, t0, t1, t5, s11 } = A.Reg;
const TRIPS = 80;
/** Byte offsets of the outer header H, of TOP and of MID. */
const H = 0;
const TOP = 16;
const MID = 20;

/**
 * H: a0 += 1; a1 ^= 1; t5 = 1; beq a1, x0, MID; TOP: a2 += 1; MID: a3 += 1; t5 -= 1;
 * bne t5, x0, TOP; s11 -= 1; bne s11, x0, H; sw t1, 0(t0); wfi. The cycle TOP–MID is entered
 * at TOP on odd iterations and at MID on even ones: neither dominates the other. Its back edge
 * is never taken (one trip), so H is the first hot target and the region is compiled there.
 * At the end the loop stores t1 over MID.
 */
const program = [
  A.addi(a0, a0, 1),
  A.xori(a1, a1, 1),
  A.addi(t5, 0, 1),
  A.beq(a1, 0, MID - 12),
  A.addi(a2, a2, 1),
  A.addi(a3, a3, 1),
  A.addi(t5, t5, -1),
  A.bne(t5, 0, TOP - 28),
  A.addi(s11, s11, -1),
  A.bne(s11, 0, H - 36),
  A.sw(t1, t0, 0),
  A.wfi(),
];

describe('a region entered at several roots', () => {
  it('is compiled once, entered at its irreducible cycle too, and gives the interpreted results', () => {
    const m = machineWith(program);
    // t1 = MID's own instruction again: the final store changes nothing but the compiled code.
    const midWord = new DataView(A.assemble(program).buffer).getUint32(MID, true);
    const r = runToWfi(m, BASE, { [s11]: TRIPS, [t0]: BASE + MID, [t1]: midWord | 0 });
    expect(r.x[a0]).toBe(TRIPS);
    // Odd iterations enter at TOP, even ones at MID.
    expect(r.x[a2]).toBe(TRIPS / 2);
    expect(r.x[a3]).toBe(TRIPS);
    expect(r.icount).toBe(TRIPS * (4 + 4 + 2) - TRIPS / 2 + 2);
  });

  it('registers every root as an entry of the region, and a store into its code drops them all', () => {
    const m = machineWith(program);
    // Stop before the final store: every root is an entry of the region compiled at H.
    runToWfi(m, BASE, { [s11]: TRIPS, [t0]: BASE + 0x4000, [t1]: 0 });
    for (const at of [H, TOP, MID]) expect(m.cpu.hasRegionAt(BASE + at), `region entry at +${at}`).toBe(true);
    // Again, storing over MID at the end (the same word): all the region's entries go.
    const midWord = new DataView(A.assemble(program).buffer).getUint32(MID, true);
    runToWfi(m, BASE, { [s11]: 1, [t0]: BASE + MID, [t1]: midWord | 0 });
    for (const at of [H, TOP, MID]) expect(m.cpu.hasCompiledBlockAt(BASE + at), `nothing compiled at +${at}`).toBe(false);
  });
});

/**
 * A jump table's shape: H: a0 += 1; a1 = a0 & 1; beq a5, x0, EVEN; beq a5, x0, ODD (never
 * taken: a5 = 1, but they make both cases part of the loop); t0 = pc; t0 += a1 * 8;
 * jalr x0, 16(t0) → EVEN (a3 += 1; j END) or ODD (a4 += 1); END: s11 -= 1; bne s11, x0, H; wfi.
 */
const EVEN = 32;
const ODD = 40;
const jumpTable = [
  A.addi(a0, a0, 1),
  A.andi(a1, a0, 1),
  A.beq(A.Reg.a5, 0, EVEN - 8),
  A.beq(A.Reg.a5, 0, ODD - 12),
  A.auipc(t0, 0),
  A.slli(a2, a1, 3),
  A.add(t0, t0, a2),
  A.jalr(0, t0, 16),
  A.addi(a3, a3, 1),
  A.jal(0, 8),
  A.addi(A.Reg.a4, A.Reg.a4, 1),
  A.addi(s11, s11, -1),
  A.bne(s11, 0, -48),
  A.wfi(),
];

describe('a JALR in a region', () => {
  it('goes on inside the region once its targets are roots of it, with the interpreted results', () => {
    const trips = 400;
    const regs = { [s11]: trips, [A.Reg.a5]: 1 };
    const m = machineWith(jumpTable);
    const whole = runToWfi(m, BASE, regs);
    // Both cases were entered through the JALR often enough to become roots of the loop's region.
    expect(m.cpu.hasRegionAt(BASE + EVEN), 'EVEN is a region entry').toBe(true);
    expect(m.cpu.hasRegionAt(BASE + ODD), 'ODD is a region entry').toBe(true);
    // One instruction per run(): the interpreter only.
    const stepped = machineWith(jumpTable);
    stepped.cpu.x.fill(0);
    for (const [r, v] of Object.entries(regs)) stepped.cpu.x[Number(r)] = v;
    stepped.cpu.pc = BASE;
    while (!stepped.cpu.waiting) stepped.run(stepped.icount + 1);
    expect(whole.x).toEqual(Array.from(stepped.cpu.x.subarray(0, 32)));
    expect(whole.icount).toBe(stepped.icount);
    expect(whole.x[A.Reg.a3]).toBe(trips / 2);
    expect(whole.x[A.Reg.a4]).toBe(trips / 2);
  });
});
