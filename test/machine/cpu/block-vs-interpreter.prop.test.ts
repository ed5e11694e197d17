// The block compiler must be an invisible optimisation: random straight-line code over random
// registers and memory gives the same registers and memory whether it runs interpreted (once)
// or compiled (hot), and a random loop gives the same state whatever the run() slice size.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../../src/machine/machine.js';
import * as A from './asm.js';
import { DATA_BYTES, instruction, memory, registers } from './loop-programs.js';
import { BASE, DATA, isCompiledAt, machineWith, peek, poke, runToWfi, TRACE_THRESHOLD, type RunResult } from './harness.js';

/** t6 holds the data pointer and is never written; s11 is the loop counter (both reserved by loop-programs). */
const BASE_REG = A.Reg.t6;
const COUNTER = A.Reg.s11;

function inputs(values: number[]): Record<number, number> {
  const regs: Record<number, number> = {};
  values.forEach((v, r) => {
    if (r !== 0) regs[r] = v;
  });
  regs[BASE_REG] = DATA;
  return regs;
}

interface State {
  x: number[];
  memory: number[];
  icount: number;
}

function runOnce(m: Machine, regs: Record<number, number>, bytes: Uint8Array, entry = BASE): State {
  poke(m, DATA, bytes);
  const r: RunResult = runToWfi(m, entry, regs);
  return { x: r.x, memory: peek(m, DATA, DATA_BYTES), icount: r.icount };
}

describe('block compiler vs interpreter', () => {
  it('random straight-line code gives identical registers and memory interpreted (cold) and compiled (hot)', () => {
    fc.assert(
      fc.property(fc.array(instruction, { minLength: 1, maxLength: 40 }), registers, memory, (body, values, bytes) => {
        const program = [...body, A.wfi()];
        const regs = inputs(values);
        const cold = runOnce(machineWith(program), regs, bytes);
        const hot = machineWith(program);
        // Interpreted until the threshold (every run's end state is compared only at a few of
        // them: the first, the last interpreted ones), then compiled.
        for (let run = 0; run < TRACE_THRESHOLD + 2; run++) {
          const checked = run < 2 || run >= TRACE_THRESHOLD - 2;
          const state = checked ? runOnce(hot, regs, bytes) : runToWfi(hot, BASE, regs);
          if (checked) expect(state, `run ${run}`).toEqual(cold);
        }
        expect(isCompiledAt(hot, BASE)).toBe(true);
        expect(cold.x[0]).toBe(0);
        expect(cold.icount).toBe(body.length + 1);
      }),
      { numRuns: 100, seed: 20240611 },
    );
  });

  it('a random loop body gives the same state stepped one instruction at a time, in one run, and in random slices', () => {
    fc.assert(
      fc.property(
        fc.array(instruction, { minLength: 1, maxLength: 12 }),
        registers,
        memory,
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }),
        (body, values, bytes, trips, slices) => {
          const bodyBytes = A.assemble(body).length;
          // loop: body; s11 -= 1; bne s11, x0, loop; wfi
          const program = [...body, A.addi(COUNTER, COUNTER, -1), A.bne(COUNTER, 0, -(bodyBytes + 4)), A.wfi()];
          const regs = { ...inputs(values), [COUNTER]: trips };
          const whole = runOnce(machineWith(program), regs, bytes);
          expect(whole.icount).toBe(trips * (body.length + 2) + 1);

          const stepped = sliced(machineWith(program), regs, bytes, [1]);
          const random = sliced(machineWith(program), regs, bytes, slices);
          expect(stepped).toEqual(whole);
          expect(random).toEqual(whole);
        },
      ),
      { numRuns: 100, seed: 777 },
    );
  });
});

/** Runs to the WFI in slices of the given sizes (cycled). */
function sliced(m: Machine, regs: Record<number, number>, bytes: Uint8Array, sizes: number[]): State {
  poke(m, DATA, bytes);
  m.cpu.x.fill(0);
  for (const [r, v] of Object.entries(regs)) m.cpu.x[Number(r)] = v;
  m.cpu.pc = BASE | 0;
  for (let i = 0; !m.cpu.waiting; i++) {
    if (i > 1_000_000) throw new Error('no WFI reached');
    const before = m.icount;
    const limit = before + sizes[i % sizes.length]!;
    m.run(limit);
    // run() stops exactly at the limit unless the WFI ended it.
    if (!m.cpu.waiting) expect(m.icount).toBe(limit);
  }
  return { x: Array.from(m.cpu.x.subarray(0, 32)), memory: peek(m, DATA, DATA_BYTES), icount: m.icount };
}
