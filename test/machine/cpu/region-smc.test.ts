// Self-modifying code inside a region: a loop, compiled whole into a region once its header is
// hot, stores a new instruction over one of its own instructions at iteration P. The region
// must leave after that store (it covers the patched code), and from then on the new
// instruction runs: in the same iteration when it comes after the store, in the next one
// when it comes before (or is the loop's header itself).
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../../src/machine/machine.js';
import * as A from './asm.js';
import { BASE, HEAT_THRESHOLD, loadMore, makeMachine, openPmp } from './harness.js';

const { a0, a1, s0, s1, t0, t1, t2, s11 } = A.Reg;
/** Iterations of every loop. */
const TRIPS = 80;

interface Case {
  name: string;
  /** The loop, from its header; `t0` holds the patched address, `t1` the new instruction, and the store happens when a1 (the iteration, from 1) equals t2. */
  loop: A.Insn[];
  /** Byte offset of the patched instruction from the header. */
  slot: number;
  /** The instruction stored there. */
  patch: number;
  /** Instructions an iteration runs before the patch (the store skipped). */
  perIteration: number;
  /** a0 at the end when the store happens in iteration p. */
  expected: (p: number) => number;
}

const cases: Case[] = [
  {
    name: 'an instruction after the store runs patched in the same iteration',
    // H: a1 += 1; bne a1, t2, +8; sw t1, 0(t0); SLOT: a0 += 1; s11 -= 1; bne s11, x0, H; wfi
    loop: [A.addi(a1, a1, 1), A.bne(a1, t2, 8), A.sw(t1, t0, 0), A.addi(a0, a0, 1), A.addi(s11, s11, -1), A.bne(s11, 0, -20), A.wfi()],
    perIteration: 5,
    slot: 12,
    patch: A.addi(a0, a0, 100),
    expected: (p) => (p - 1) * 1 + (TRIPS - p + 1) * 100,
  },
  {
    // The store leaves compiled code before it counts; the run loop moves past it by its length.
    name: 'after a compressed store, the next instruction runs patched in the same iteration',
    // H: s0 = t0; s1 = t1; a1 += 1; bne a1, t2, +6; c.sw s1, 0(s0); c.nop; SLOT: a0 += 1; s11 -= 1; bne s11, x0, H; wfi
    loop: [A.addi(s0, t0, 0), A.addi(s1, t1, 0), A.addi(a1, a1, 1), A.bne(a1, t2, 6), A.c_sw(s1, s0, 0), A.c_addi(0, 0), A.addi(a0, a0, 1), A.addi(s11, s11, -1), A.bne(s11, 0, -28), A.wfi()],
    perIteration: 8,
    slot: 20,
    patch: A.addi(a0, a0, 100),
    expected: (p) => (p - 1) * 1 + (TRIPS - p + 1) * 100,
  },
  {
    name: 'the header instruction, before the store, runs patched from the next iteration on',
    // H: SLOT: a0 += 1; a1 += 1; bne a1, t2, +8; sw t1, 0(t0); s11 -= 1; bne s11, x0, H; wfi
    loop: [A.addi(a0, a0, 1), A.addi(a1, a1, 1), A.bne(a1, t2, 8), A.sw(t1, t0, 0), A.addi(s11, s11, -1), A.bne(s11, 0, -20), A.wfi()],
    perIteration: 5,
    slot: 0,
    patch: A.addi(a0, a0, 100),
    expected: (p) => p * 1 + (TRIPS - p) * 100,
  },
  {
    name: 'an instruction in the middle of the loop, before the store, runs patched from the next iteration on',
    // H: a1 += 1; SLOT: a0 += 1; bne a1, t2, +8; sw t1, 0(t0); s11 -= 1; bne s11, x0, H; wfi
    loop: [A.addi(a1, a1, 1), A.addi(a0, a0, 1), A.bne(a1, t2, 8), A.sw(t1, t0, 0), A.addi(s11, s11, -1), A.bne(s11, 0, -20), A.wfi()],
    perIteration: 5,
    slot: 4,
    patch: A.addi(a0, a0, 100),
    expected: (p) => p * 1 + (TRIPS - p) * 100,
  },
  {
    name: 'a jump patched into a no-op changes the loop’s control flow from then on',
    // H: a1 += 1; bne a1, t2, +8; sw t1, 0(t0); a0 += 1; SLOT: j +8; a0 += 1000; s11 -= 1; bne s11, x0, H; wfi
    loop: [A.addi(a1, a1, 1), A.bne(a1, t2, 8), A.sw(t1, t0, 0), A.addi(a0, a0, 1), A.jal(0, 8), A.addi(a0, a0, 1000), A.addi(s11, s11, -1), A.bne(s11, 0, -28), A.wfi()],
    perIteration: 6,
    slot: 16,
    patch: A.addi(0, 0, 0),
    expected: (p) => (p - 1) * 1 + (TRIPS - p + 1) * 1001,
  },
  {
    name: 'a no-op patched into a branch back to the header makes an inner loop that skips the rest',
    // H: a1 += 1; bne a1, t2, +8; sw t1, 0(t0); s11 -= 1; SLOT: nop (→ beq a1, t2, H); a0 += 1; bne s11, x0, H; wfi
    // After the patch (in iteration p, before SLOT) the branch is taken only while a1 = p: once, in iteration p.
    loop: [A.addi(a1, a1, 1), A.bne(a1, t2, 8), A.sw(t1, t0, 0), A.addi(s11, s11, -1), A.addi(0, 0, 0), A.addi(a0, a0, 1), A.bne(s11, 0, -24), A.wfi()],
    perIteration: 6,
    slot: 16,
    patch: A.beq(a1, t2, -16),
    expected: () => TRIPS - 1,
  },
];

/** Where the loop is placed: in one 64-byte chunk, or across a chunk boundary. */
const PLACES = [
  ['within one chunk', BASE + 0x100],
  ['across a chunk boundary', BASE + 0x134],
] as const;

/** A machine with `loop` at `at` and the pc there, registers set for a patch in iteration `p`. */
function machineFor(c: Case, at: number, p: number): Machine {
  const m = makeMachine();
  loadMore(m, c.loop, at);
  openPmp(m);
  m.cpu.x.fill(0);
  m.cpu.x[t0] = at + c.slot;
  m.cpu.x[t1] = c.patch | 0;
  m.cpu.x[t2] = p;
  m.cpu.x[s11] = TRIPS;
  m.cpu.pc = at | 0;
  return m;
}

/** Runs until the WFI, at most `slice` instructions per run; returns the registers and the icount. */
function runToEnd(m: Machine, slice: number): { x: number[]; icount: number } {
  for (let i = 0; !m.cpu.waiting; i++) {
    if (i > 100_000) throw new Error('no WFI reached');
    m.run(m.icount + slice);
  }
  return { x: Array.from(m.cpu.x.subarray(0, 32)), icount: m.icount };
}

describe('self-modifying code in a region', () => {
  for (const c of cases) {
    for (const [where, at] of PLACES) {
      // The header's back edge makes it hot when iteration HEAT_THRESHOLD + 1 starts: a region runs from there on.
      for (const p of [HEAT_THRESHOLD + 2, 40, TRIPS - 1]) {
        it(`${c.name} (${where}, patched in iteration ${p})`, () => {
          const whole = runToEnd(machineFor(c, at, p), 1_000_000);
          expect(whole.x[a0]).toBe(c.expected(p));
          expect(whole.x[s11]).toBe(0);

          // Stopped at the start of iteration p, the loop is a region, which then runs the store.
          const m = machineFor(c, at, p);
          m.run((p - 1) * c.perIteration);
          expect(m.cpu.pc >>> 0).toBe(at);
          expect(m.cpu.hasRegionAt(at), 'a region before the patch').toBe(true);
          expect(runToEnd(m, 1_000_000)).toEqual(whole);

          // The interpreter (one instruction per run: nothing is compiled) agrees, icount included.
          expect(runToEnd(machineFor(c, at, p), 1)).toEqual(whole);
        });
      }
    }
  }

  it('a loop whose header was patched is compiled into a region again', () => {
    const c = cases[1]!;
    const at = BASE + 0x100;
    const m = machineFor(c, at, 40);
    m.run(39 * c.perIteration);
    expect(m.cpu.hasRegionAt(at), 'a region before the patch').toBe(true);
    // Iteration 40 patches the header: the region is dropped with the code it covers.
    m.run(m.icount + c.perIteration + 1);
    expect(m.cpu.x[a1]).toBe(40);
    expect(m.cpu.hasCompiledBlockAt(at), 'nothing compiled at the patched header').toBe(false);
    // 40 more iterations make the loop hot again. The new region may be entered elsewhere than
    // at the header: the bne's target (where the dropped region handed back, and as hot as the
    // header) heads the same loop rotated.
    expect(runToEnd(m, 1_000_000).x[a0]).toBe(c.expected(40));
    const loopBytes = A.assemble(c.loop).length;
    const regions = Array.from({ length: loopBytes / 2 }, (_, i) => at + 2 * i).filter((a) => m.cpu.hasRegionAt(a));
    expect(regions.length, 'a region after the patch').toBeGreaterThan(0);
  });
});
