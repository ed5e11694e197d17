// Regions in translated mode (S-mode under Sv32): a random structured loop at a virtual
// address, its data on another virtual page, gives the same state in one run, stepped and in
// random slices. The loop may start near the end of its virtual page and go on into the next
// one, which is mapped to a physical page elsewhere: a paged region stays within its page, so
// the code on the next page runs outside it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../../src/machine/machine.js';
import { Priv } from '../../../src/machine/cpu/trap-cause.js';
import * as A from './asm.js';
import { HEAT_THRESHOLD, peek, poke } from './harness.js';
import { DATA_BYTES, instruction, layOut, MAX_ICOUNT, memory, registers, segmentsOf, type Item } from './loop-programs.js';
import { stallGuard } from './stall-guard.js';
import { pagedMachine, PHYS, RWXAD, VREGION } from './sv32.js';

const { a2, t6, s11 } = A.Reg;
/** The loop's two virtual pages (on PHYS(0) and PHYS(3): not adjacent) and its data page (on PHYS(2)). */
const CODE_VA = VREGION;
const DATA_VA = VREGION + 0x2000;
const PAGE = 0x1000;
const RAM_BASE = 0x8000_0000;

/** The physical address of virtual `va` on the loop's code pages. */
const codePhysical = (va: number): number => (va - CODE_VA < PAGE ? PHYS(0) + (va - CODE_VA) : PHYS(3) + (va - CODE_VA - PAGE));

/** A machine in S-mode with `code` at virtual CODE_VA + `offset` (split over the two code pages) and pc there. */
function machineFor(code: readonly A.Insn[], offset: number): Machine {
  const { m, pt } = pagedMachine([]);
  const bytes = A.assemble(code);
  const first = Math.min(bytes.length, PAGE - offset);
  m.ram.load(PHYS(0) + offset - RAM_BASE, bytes.subarray(0, first));
  m.ram.load(PHYS(3) - RAM_BASE, bytes.subarray(first));
  pt.map(CODE_VA, PHYS(0), RWXAD);
  pt.map(CODE_VA + PAGE, PHYS(3), RWXAD);
  pt.map(DATA_VA, PHYS(2), RWXAD);
  m.cpu.priv = Priv.S;
  // A block compiled at a page's last halfword stalls run() (see paged-page-end.test.ts): fail instead of hanging.
  stallGuard(m);
  return m;
}

interface State {
  x: number[];
  pc: number;
  memory: number[];
  icount: number;
  hart: Record<string, unknown>;
}

/** Runs from the loop's header to the WFI in slices of the given sizes (cycled), checking that each run stops exactly at its limit. */
function sliced(m: Machine, entry: number, regs: Record<number, number>, bytes: Uint8Array, sizes: number[]): State {
  poke(m, PHYS(2), bytes);
  m.cpu.x.fill(0);
  for (const [r, v] of Object.entries(regs)) m.cpu.x[Number(r)] = v;
  m.cpu.pc = entry | 0;
  m.cpu.waiting = false;
  const from = m.icount;
  for (let i = 0; !m.cpu.waiting; i++) {
    if (m.icount - from > MAX_ICOUNT) throw new Error(`no WFI reached within ${MAX_ICOUNT} instructions (pc 0x${(m.cpu.pc >>> 0).toString(16)})`);
    const limit = m.icount + sizes[i % sizes.length]!;
    m.run(limit);
    if (!m.cpu.waiting) expect(m.icount).toBe(limit);
  }
  const { x: _x, pc: _pc, icount: _icount, ...hart } = m.cpu.save();
  return { x: Array.from(m.cpu.x.subarray(0, 32)), pc: m.cpu.pc >>> 0, memory: peek(m, PHYS(2), DATA_BYTES), icount: m.icount - from, hart };
}

const plain = segmentsOf(instruction);
/** Where the header is on its page: at the start, or a few bytes before the end so the loop crosses into the next page. */
const headerOffset = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 64 }).map((h) => PAGE - 2 * h));

describe('regions in translated mode', () => {
  it('a random structured loop, maybe across a page boundary, gives the same state in one run, stepped, and in random slices', () => {
    fc.assert(
      fc.property(
        fc.array(plain.segment, { minLength: 1, maxLength: 6 }),
        registers,
        memory,
        fc.integer({ min: 40, max: 90 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
        headerOffset,
        (segments: Item[][], values, bytes, count, sizes, offset) => {
          const { code, loopBytes } = layOut(segments);
          const regs: Record<number, number> = {};
          values.forEach((v, r) => {
            if (r !== 0) regs[r] = v;
          });
          // a2 is the M handler's record of mcause: -1 unless something trapped.
          Object.assign(regs, { [t6]: DATA_VA, [s11]: count, [a2]: -1 });
          const entry = CODE_VA + offset;
          const wholeMachine = machineFor(code, offset);
          const whole = sliced(wholeMachine, entry, regs, bytes, [MAX_ICOUNT]);
          expect(whole.hart.priv, 'no trap to M').toBe(Priv.S);
          expect(sliced(machineFor(code, offset), entry, regs, bytes, [1]), 'stepped').toEqual(whole);
          expect(sliced(machineFor(code, offset), entry, regs, bytes, sizes), `slices ${sizes.join(',')}`).toEqual(whole);
          // A loop cut by its page's end is no region (its back edge is elsewhere); one within its page is.
          const iterations = count - whole.x[s11]!;
          if (iterations > HEAT_THRESHOLD + 8 && offset + loopBytes <= PAGE) {
            let regions = 0;
            for (let va = entry; va < entry + loopBytes; va += 2) if (wholeMachine.cpu.hasRegionAt(codePhysical(va), true)) regions++;
            expect(regions, 'a paged region is compiled in the loop').toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 60, seed: 1_234_567 },
    );
  });
});
