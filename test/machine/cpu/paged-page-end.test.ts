// Translated mode: code compiled at a page's last halfword (offset 0xffe). The run loop never
// looks a block up there (a 32-bit instruction at 0xffe would straddle into the next page, so
// `fetchPageOffsetOf` answers "no page" for any pc at 0xffe) and calls the interpreter with
// `newPage`. The interpreter must then run the instruction itself: handing back to the block
// it found there made `run` spin forever (found by region-paged.prop.test.ts). The stall guard
// turns such a hang into an error.
import { expect, it } from 'vitest';
import type { Machine } from '../../../src/machine/machine.js';
import { Priv } from '../../../src/machine/cpu/trap-cause.js';
import * as A from './asm.js';
import { stallGuard } from './stall-guard.js';
import { pagedMachine, PHYS, RWXAD, VREGION } from './sv32.js';

const { a0, s11 } = A.Reg;
const RAM_BASE = 0x8000_0000;

/** S-mode, Sv32: `code` at virtual VREGION + `offset`, its first `split` bytes on PHYS(0) and the rest on the next virtual page, PHYS(1). */
function machineFor(code: readonly A.Insn[], offset: number) {
  const { m, pt } = pagedMachine([]);
  const bytes = A.assemble(code);
  const split = 0x1000 - offset;
  m.ram.load(PHYS(0) + offset - RAM_BASE, bytes.subarray(0, split));
  m.ram.load(PHYS(1) - RAM_BASE, bytes.subarray(split));
  pt.map(VREGION, PHYS(0), RWXAD);
  pt.map(VREGION + 0x1000, PHYS(1), RWXAD);
  m.cpu.priv = Priv.S;
  m.cpu.pc = (VREGION + offset) | 0;
  m.cpu.x[s11] = 50;
  stallGuard(m);
  return m;
}

/** What should happen: the 50 iterations run, each adding 1 to a0. */
function runsToEnd(m: Machine): void {
  m.run(10_000);
  expect(m.cpu.waiting).toBe(true);
  expect(m.cpu.x[a0]).toBe(50);
}

it('a hot loop whose header is a compressed instruction at page offset 0xffe runs to the end', () => {
  // H 0xffe: c.addi a0, 1; 0x1000: s11 -= 1; bne s11, x0, H; wfi
  runsToEnd(machineFor([A.c_addi(a0, 1), A.addi(s11, s11, -1), A.bne(s11, 0, -6), A.wfi()], 0xffe));
});

it('a hot jump target at page offset 0xffe (a compressed instruction) runs to the end', () => {
  // 0xff4: a0 = 0; H 0xff8: s11 -= 1; c.j 0xffe; 0xffe: c.addi a0, 1; 0x1000: bne s11, x0, H; wfi.
  // Only control-transfer targets heat: 0xffe (the c.j's target) is hot one iteration before
  // H, so its block is compiled first.
  runsToEnd(machineFor([A.addi(a0, 0, 0), A.addi(s11, s11, -1), A.c_j(2), A.c_addi(a0, 1), A.bne(s11, 0, -8), A.wfi()], 0xff4));
});

it('a 32-bit instruction straddling the page end at 0xffe in a hot loop runs (not compiled, so no stall)', () => {
  // H 0xffe: addi a0, a0, 1 (straddles); 0x1002: s11 -= 1; bne s11, x0, H; wfi
  runsToEnd(machineFor([A.addi(a0, a0, 1), A.addi(s11, s11, -1), A.bne(s11, 0, -8), A.wfi()], 0xffe));
});
