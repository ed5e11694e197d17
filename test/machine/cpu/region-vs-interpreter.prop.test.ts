// The region compiler must be an invisible optimisation: a random structured loop (straight
// code, if-then and if-then-else diamonds, a counted inner loop, early exits) gives the same
// registers, memory and icount whether it runs in one slice (compiled into a region once its
// header is hot), stepped one instruction at a time (interpreted: no region ever fits a budget
// of 1) or in random slices; and run(limit) stops exactly at every limit, including limits
// that fall inside a running region.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../../src/machine/machine.js';
import * as A from './asm.js';
import { BASE, DATA, HEAT_THRESHOLD, machineWith, peek, runToWfi } from './harness.js';
import { DATA_BYTES, inputs, instruction, layOut, loopMachine, MAX_ICOUNT, memory, registers, segmentsOf, slowPath, startLoop, type Item } from './loop-programs.js';

const { a0, a1, a2, a3, a4, a5, a6, a7, t5, t6, s11 } = A.Reg;
const trips = fc.integer({ min: 40, max: 90 });
const slices = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 });
interface State {
  x: number[];
  pc: number;
  memory: number[];
  /** Instructions since the start. */
  icount: number;
  /** The rest of the hart's state (CSRs: a trap sets mepc, mcause, mtval). */
  hart: Record<string, unknown>;
}

function stateOf(m: Machine, from: number): State {
  const { x: _x, pc: _pc, icount: _icount, ...hart } = m.cpu.save();
  return { x: Array.from(m.cpu.x.subarray(0, 32)), pc: m.cpu.pc >>> 0, memory: peek(m, DATA, DATA_BYTES), icount: m.icount - from, hart };
}

/** Runs to the WFI in slices of the given sizes (cycled), checking that each run stops exactly at its limit unless the WFI ended it. */
function sliced(m: Machine, regs: Record<number, number>, bytes: Uint8Array, sizes: number[]): State {
  const from = startLoop(m, regs, bytes);
  for (let i = 0; !m.cpu.waiting; i++) {
    if (m.icount - from > MAX_ICOUNT) throw new Error(`no WFI reached within ${MAX_ICOUNT} instructions (pc 0x${(m.cpu.pc >>> 0).toString(16)})`);
    const limit = m.icount + sizes[i % sizes.length]!;
    m.run(limit);
    if (!m.cpu.waiting) expect(m.icount).toBe(limit);
  }
  return stateOf(m, from);
}

/** True when a region is compiled at some halfword of `[from, to)`. */
function regionWithin(m: Machine, from: number, to: number): boolean {
  for (let a = from; a < to; a += 2) if (m.cpu.hasRegionAt(a)) return true;
  return false;
}

/**
 * The property: one run, one instruction per run, and random slices end in the same state;
 * and once the loop has gone round well past the heat threshold a region ran it (at its
 * header, or at another branch target in the loop, which heats as fast and heads the same
 * loop rotated).
 */
function sameInEverySlicing(segments: Item[][], values: number[], bytes: Uint8Array, count: number, sizes: number[], icountShift: number): void {
  const { code, loopBytes } = layOut(segments);
  const regs = inputs(values, count);
  const wholeMachine = loopMachine(code, icountShift);
  const whole = sliced(wholeMachine, regs, bytes, [MAX_ICOUNT]);
  expect(sliced(loopMachine(code, icountShift), regs, bytes, [1]), 'stepped').toEqual(whole);
  expect(sliced(loopMachine(code, icountShift), regs, bytes, sizes), `slices ${sizes.join(',')}`).toEqual(whole);
  // Iterations completed: s11 is decremented once per iteration and nothing else writes it.
  const iterations = count - whole.x[s11]!;
  if (iterations > HEAT_THRESHOLD + 8) expect(regionWithin(wholeMachine, BASE, BASE + loopBytes), 'a region is compiled in the loop').toBe(true);
}

describe('region compiler vs interpreter', () => {
  const plain = segmentsOf(instruction);
  const slow = segmentsOf(fc.oneof({ weight: 4, arbitrary: instruction }, { weight: 1, arbitrary: slowPath }));

  it('a random structured loop gives the same state in one run, stepped, and in random slices', () => {
    fc.assert(
      fc.property(fc.array(plain.segment, { minLength: 1, maxLength: 6 }), registers, memory, trips, slices, (segments, values, bytes, count, sizes) =>
        sameInEverySlicing(segments, values, bytes, count, sizes, 3),
      ),
      { numRuns: 100, seed: 20250117 },
    );
  });

  it('so does one with MMIO loads and stores and faulting accesses (slow paths, traps) at exact icounts', () => {
    fc.assert(
      fc.property(fc.array(slow.segment, { minLength: 1, maxLength: 6 }), registers, memory, trips, slices, (segments, values, bytes, count, sizes) =>
        sameInEverySlicing(segments, values, bytes, count, sizes, 7),
      ),
      { numRuns: 60, seed: 8675309 },
    );
  });

  it('a straight-line loop body is compiled as a region at its header', () => {
    fc.assert(
      fc.property(fc.array(plain.straight, { minLength: 1, maxLength: 4 }), registers, memory, trips, (segments, values, bytes, count) => {
        const { code } = layOut(segments);
        const m = loopMachine(code);
        const r = sliced(m, inputs(values, count), bytes, [MAX_ICOUNT]);
        expect(r.x[s11]).toBe(0);
        expect(m.cpu.hasRegionAt(BASE)).toBe(true);
      }),
      { numRuns: 20, seed: 4242 },
    );
  });
});

describe('run(limit) inside a region', () => {
  // H: a2 = s11 & 3; beq a2, x0, ELSE; a0 += s11; a0 ^= 0x55; j END
  // ELSE: a0 -= s11; a0 <<= 1
  // END: t5 = a5; IN: a3 = a0 * t5; a1 += a3; sw a1, 0(t6); lw a6, 4(t6); a1 += a6; t5 -= 1; bne t5, x0, IN
  // a4 = a1 & 7; bne a4, x0, SKIP; a7 += 1; SKIP: sw a7, 4(t6); s11 -= 1; bne s11, x0, H; wfi
  const program = [
    A.andi(a2, s11, 3),
    A.beq(a2, 0, 16),
    A.add(a0, a0, s11),
    A.xori(a0, a0, 0x55),
    A.jal(0, 12),
    A.sub(a0, a0, s11),
    A.slli(a0, a0, 1),
    A.addi(t5, a5, 0),
    A.mul(a3, a0, t5),
    A.add(a1, a1, a3),
    A.sw(a1, t6, 0),
    A.lw(a6, t6, 4),
    A.add(a1, a1, a6),
    A.addi(t5, t5, -1),
    A.bne(t5, 0, -24),
    A.andi(a4, a1, 7),
    A.bne(a4, 0, 8),
    A.addi(a7, a7, 1),
    A.sw(a7, t6, 4),
    A.addi(s11, s11, -1),
    A.bne(s11, 0, -80),
    A.wfi(),
  ];
  const regs = { [a0]: 0x1234, [a1]: 7, [a5]: 3, [s11]: 30, [t6]: DATA };
  const zeros = new Uint8Array(DATA_BYTES);

  /** A machine whose region at the header is compiled: runs started there heat it (one trip, one inner trip: the inner loop stays cold). */
  function warmMachine(): Machine {
    const m = machineWith(program);
    for (let run = 0; run < HEAT_THRESHOLD; run++) runToWfi(m, BASE, { [t6]: DATA, [s11]: 1, [a5]: 1 });
    expect(m.cpu.hasRegionAt(BASE), 'a region at the header').toBe(true);
    expect(m.cpu.hasCompiledBlockAt(BASE + 32), 'nothing compiled at the inner header').toBe(false);
    return m;
  }

  it('stops exactly at every limit from 1 to 300 in the state the interpreter reaches there, and resumes to the same final state', () => {
    // The reference: the interpreter, one instruction per run, its state after each.
    const ref = machineWith(program);
    const from = startLoop(ref, regs, zeros);
    const states: State[] = [stateOf(ref, from)];
    while (!ref.cpu.waiting) {
      ref.run(ref.icount + 1);
      states.push(stateOf(ref, from));
    }
    const final = states[states.length - 1]!;
    expect(final.icount).toBeGreaterThan(300);

    const m = warmMachine();
    expect(sliced(m, regs, zeros, [MAX_ICOUNT])).toEqual(final);
    for (let limit = 1; limit <= 300; limit++) {
      const at = startLoop(m, regs, zeros);
      m.run(at + limit);
      expect(m.icount - at, `stopped at ${limit}`).toBe(limit);
      expect(stateOf(m, at), `state after ${limit}`).toEqual(states[limit]);
      m.run(at + MAX_ICOUNT);
      expect(m.cpu.waiting).toBe(true);
      expect(stateOf(m, at), `final state after stopping at ${limit}`).toEqual(final);
    }
    expect(m.cpu.hasRegionAt(BASE)).toBe(true);
  });

  it('gives the same state in every slice size from 1 to 300 with the region compiled', () => {
    const final = sliced(machineWith(program), regs, zeros, [1]);
    const m = warmMachine();
    for (let size = 1; size <= 300; size++) expect(sliced(m, regs, zeros, [size]), `slices of ${size}`).toEqual(final);
    expect(m.cpu.hasRegionAt(BASE)).toBe(true);
  });
});
