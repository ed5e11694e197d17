// Self-modifying code: a store over predecoded or compiled code must take effect before the
// patched instruction runs next (stores invalidate code by 64-byte chunk, DESIGN/ram.ts).
import { describe, expect, it } from 'vitest';
import * as A from './asm.js';
import { BASE, DATA, HEAT_THRESHOLD, HOT_RUNS, isCompiledAt, machineWith, runToWfi } from './harness.js';

const { a0, a1, s0, s1, s2, t0, t1 } = A.Reg;

/** Trips of the patched loop: past the loop threshold, so it is compiled. */
const TRIPS = HEAT_THRESHOLD + 12;

/**
 * A loop `loopAt: a0 += 1; s1 -= 1; bne s1, x0, loopAt` run TRIPS times (so it is compiled),
 * then patched by code at `patcherAt` (`sw t1, 0(t0)` with t0 = loopAt, t1 = `addi a0, a0, 100`),
 * then run TRIPS more times. Returns the machine ready to start at BASE.
 */
function patchProgram(loopAt: number, patcherAt: number) {
  // BASE: s1 = TRIPS; jal to loopAt.
  const m = machineWith([A.addi(s1, 0, TRIPS), A.jal(0, loopAt - (BASE + 4))]);
  // loop; after it: if s2 != 0 goto done (wfi), else jal to the patcher.
  const loop = [A.addi(a0, a0, 1), A.addi(s1, s1, -1), A.bne(s1, 0, -8), A.bne(s2, 0, 8), A.jal(0, patcherAt - (loopAt + 16)), A.wfi()];
  m.ram.load(loopAt - BASE, A.assemble(loop));
  // patcher: store, flag the second pass, jump back to BASE.
  const patcher = [A.sw(t1, t0, 0), A.addi(s2, 0, 1), A.jal(0, BASE - (patcherAt + 8))];
  m.ram.load(patcherAt - BASE, A.assemble(patcher));
  return m;
}

describe('self-modifying code', () => {
  for (const [where, loopAt, patcherAt] of [
    ['into the same 64-byte chunk as the storing code', BASE + 0x10, BASE + 0x30],
    ['into another chunk', BASE + 0x100, BASE + 0x40],
    ['into the chunk of a loop that starts right before a chunk boundary', BASE + 0x13c, BASE + 0x200],
  ] as const) {
    it(`a store ${where} over a hot compiled loop body runs the new instruction`, () => {
      const m = patchProgram(loopAt, patcherAt);
      const r = runToWfi(m, BASE, { [t0]: loopAt, [t1]: A.addi(a0, a0, 100) | 0 });
      expect(r.x[a0]).toBe(TRIPS + TRIPS * 100);
      expect(isCompiledAt(m, loopAt)).toBe(true);
    });
  }

  it('a hot block that patches an instruction later in itself runs the new version each pass', () => {
    // loop: sw t1, 8(t0) [t0 = loop]; t1 += 1 << 20 (imm + 1); slot: addi a0, a0, k; s1 -= 1; bne
    const m = machineWith([A.sw(t1, t0, 8), A.add(t1, t1, s0), A.addi(a0, a0, 0), A.addi(s1, s1, -1), A.bne(s1, 0, -16), A.wfi()]);
    const r = runToWfi(m, BASE, { [t0]: BASE, [t1]: A.addi(a0, a0, 1) | 0, [s0]: 1 << 20, [s1]: 50 });
    // Pass i stores `addi a0, a0, i + 1`.
    expect(r.x[a0]).toBe((50 * 51) / 2);
  });

  it('a hot block patched from outside, then re-entered, runs the new code even if recompiled', () => {
    // Run a two-instruction snippet hot, patch its second instruction from JS-driven guest code, run it hot again.
    const m = machineWith([A.addi(a0, 0, 1), A.addi(a1, 0, 1), A.wfi()]);
    loadPatcher(m, BASE + 0x400);
    for (let i = 0; i < HOT_RUNS; i++) expect(runToWfi(m, BASE).x[a1]).toBe(1);
    expect(isCompiledAt(m, BASE)).toBe(true);
    runToWfi(m, BASE + 0x400, { [t0]: BASE + 4, [t1]: A.addi(a1, 0, 2) | 0 });
    for (let i = 0; i < HOT_RUNS; i++) expect(runToWfi(m, BASE).x[a1]).toBe(2);
    runToWfi(m, BASE + 0x400, { [t0]: BASE + 4, [t1]: A.addi(a1, 0, 3) | 0 });
    for (let i = 0; i < HOT_RUNS; i++) expect(runToWfi(m, BASE).x[a1]).toBe(3);
  });

  it('patching half of a 32-bit instruction that straddles two chunks takes effect (low half, then high half)', () => {
    // A compressed nop at 0x3e would misalign; instead place a 32-bit addi at BASE + 0x3e.
    const m = machineWith([]);
    m.ram.load(0x3e, A.assemble([A.addi(a0, 0, 5), A.wfi()]));
    loadPatcher(m, BASE + 0x400, true);
    for (let i = 0; i < HOT_RUNS; i++) expect(runToWfi(m, BASE + 0x3e).x[a0]).toBe(5);
    // The high half (in the next chunk) holds imm[11:4]: patch it to make the immediate 0x7f5.
    const patched = A.addi(a0, 0, 0x7f5);
    runToWfi(m, BASE + 0x400, { [t0]: BASE + 0x40, [t1]: patched >>> 16 });
    for (let i = 0; i < HOT_RUNS; i++) expect(runToWfi(m, BASE + 0x3e).x[a0]).toBe(0x7f5);
    // And the low half (rd): make it write a1.
    const patched2 = A.addi(a1, 0, 0x7f5);
    runToWfi(m, BASE + 0x400, { [t0]: BASE + 0x3e, [t1]: patched2 & 0xffff });
    for (let i = 0; i < HOT_RUNS; i++) {
      const r = runToWfi(m, BASE + 0x3e);
      expect(r.x[a1]).toBe(0x7f5);
      expect(r.x[a0]).toBe(0);
    }
  });

  it('a misaligned store that straddles into a code chunk invalidates the code there', () => {
    const m = machineWith([]);
    m.ram.load(0x40, A.assemble([A.addi(a0, 0, 1), A.wfi()]));
    // Patcher: sw t1, 0(t0) with t0 = BASE + 0x3e: bytes 0x3e..0x41, the low half of the addi.
    m.ram.load(0x400, A.assemble([A.sw(t1, t0, 0), A.wfi()]));
    for (let i = 0; i < HOT_RUNS; i++) expect(runToWfi(m, BASE + 0x40).x[a0]).toBe(1);
    const patched = A.addi(a1, 0, 1);
    runToWfi(m, BASE + 0x400, { [t0]: BASE + 0x3e, [t1]: ((patched & 0xffff) << 16) | 0 });
    const r = runToWfi(m, BASE + 0x40);
    expect(r.x[a1]).toBe(1);
    expect(r.x[a0]).toBe(0);
  });

  it('an AMO over code invalidates it like a store', () => {
    const m = machineWith([A.addi(a0, 0, 1), A.wfi()]);
    m.ram.load(0x400, A.assemble([A.amoswap_w(0, t1, t0), A.wfi()]));
    for (let i = 0; i < HOT_RUNS; i++) expect(runToWfi(m, BASE).x[a0]).toBe(1);
    runToWfi(m, BASE + 0x400, { [t0]: BASE, [t1]: A.addi(a0, 0, 9) | 0 });
    expect(runToWfi(m, BASE).x[a0]).toBe(9);
  });

  it('a hot loop that stores into data next to its own code computes the right result', () => {
    // Data word at BASE + 0x20, in the same 64-byte chunk as the loop.
    // loop: lw t1, 0x20(x?) ... use t0 = BASE + 0x20: t1 = [t0]; t1 += s1; [t0] = t1; s1 -= 1; bne
    const m = machineWith([A.lw(t1, t0, 0), A.add(t1, t1, s1), A.sw(t1, t0, 0), A.addi(s1, s1, -1), A.bne(s1, 0, -16), A.wfi()]);
    const dataAt = BASE + 0x20;
    for (let run = 1; run <= 5; run++) {
      const r = runToWfi(m, BASE, { [t0]: dataAt, [s1]: 100 });
      expect(m.ram.i32[(dataAt - BASE) / 4]).toBe(run * 5050);
      expect(r.icount).toBe(100 * 5 + 1);
    }
    // The code itself is intact.
    expect(Array.from(m.ram.i32.subarray(0, 6)).map((v) => v >>> 0)).toEqual(
      [A.lw(t1, t0, 0), A.add(t1, t1, s1), A.sw(t1, t0, 0), A.addi(s1, s1, -1), A.bne(s1, 0, -16), A.wfi()],
    );
  });

  it('stores to a data area never mark it as code', () => {
    const m = machineWith([A.sw(a0, t0, 0), A.addi(t0, t0, 4), A.addi(s1, s1, -1), A.bne(s1, 0, -12), A.wfi()]);
    runToWfi(m, BASE, { [t0]: DATA, [s1]: 64, [a0]: 7 });
    expect(m.ram.chunkFlags[(DATA - BASE) >> 6]).toBe(0);
    expect(m.ram.i32[(DATA - BASE) / 4 + 63]).toBe(7);
  });
});

/** Loads `patcher: s? t1 -> 0(t0); wfi` at `at` (a halfword store when `half`). */
function loadPatcher(m: ReturnType<typeof machineWith>, at: number, half = false): void {
  m.ram.load(at - BASE, A.assemble([half ? A.sh(t1, t0, 0) : A.sw(t1, t0, 0), A.wfi()]));
}
