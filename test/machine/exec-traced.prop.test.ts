// Instrumented compiled code (the variant that runs hot code while a tap wants instructions,
// blocks or memory accesses, see ExecTrace) must report exactly what stepping one instruction
// at a time reports: random structured loops, with slow paths (MMIO, CSR reads, faulting
// accesses and their traps) or without, bare in M-mode or in S-mode under Sv32, in random
// slices, give the same instructions (pc, bits, register written and its value), RAM accesses,
// blocks, device accesses and traps either way; and the instrumented code did run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExecObserver, ExecWants } from '../../src/machine/exec-observer.js';
import type { Machine } from '../../src/machine/machine.js';
import { Priv } from '../../src/machine/cpu/trap-cause.js';
import * as A from './cpu/asm.js';
import { inputs, instruction, layOut, loopMachine, MAX_ICOUNT, memory, registers, segmentsOf, slowPath, startLoop, type Item } from './cpu/loop-programs.js';
import { CODE, pagedMachine } from './cpu/sv32.js';

const ALL: ExecWants = { insns: true, blocks: true, memory: true, samplePeriod: 0 };
const trips = fc.integer({ min: 40, max: 90 });
const slices = fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 6 });

/** Everything an observer heard, as plain rows. */
function recorder(): ExecObserver & { rows: Record<string, unknown[][]> } {
  const rows: Record<string, unknown[][]> = { insn: [], block: [], memory: [], mmio: [], trap: [] };
  return {
    rows,
    insn: (...a) => rows['insn']!.push(a),
    block: (...a) => rows['block']!.push(a),
    memory: (...a) => rows['memory']!.push(a),
    sample: () => {},
    mmio: (...a) => rows['mmio']!.push(a),
    trap: (...a) => rows['trap']!.push(a),
  };
}

/** Instructions `m` ran in instrumented compiled code (counted as they run). */
function countTraced(m: Machine): { insns: number } {
  const count = { insns: 0 };
  const runTraced = m.runTraced.bind(m);
  m.runTraced = (limit, jumped, byJalr) => {
    const n = runTraced(limit, jumped, byJalr);
    count.insns += n;
    return n;
  };
  return count;
}

/** Runs `m` observed in slices of `sizes` (cycled) until it waits in WFI; returns what was heard. */
function observed(m: Machine, sizes: number[]): Record<string, unknown[][]> {
  const seen = recorder();
  m.observe(seen, ALL);
  for (let i = 0; !m.cpu.waiting && m.halted === null; i++) {
    if (m.icount > MAX_ICOUNT) throw new Error(`no WFI within ${MAX_ICOUNT} instructions`);
    m.run(m.icount + sizes[i % sizes.length]!);
  }
  m.flushObservations();
  return seen.rows;
}

/** A fresh machine for the loop, started (bare: M-mode at BASE; paged: S-mode at CODE under Sv32, RAM mapped by an identity superpage). */
type Build = (code: readonly A.Insn[], regs: Record<number, number>, bytes: Uint8Array) => Machine;

const bare: Build = (code, regs, bytes) => {
  const m = loopMachine(code, 7);
  startLoop(m, regs, bytes);
  return m;
};

const paged: Build = (code, regs, bytes) => {
  const { m } = pagedMachine(code);
  startLoop(m, regs, bytes);
  m.cpu.pc = CODE | 0;
  m.cpu.priv = Priv.S;
  return m;
};

/** The property: the same reports with instrumented code and stepping only; returns the instructions the instrumented code ran. */
function sameReports(build: Build, segments: Item[][], values: number[], bytes: Uint8Array, count: number, sizes: number[]): number {
  const { code } = layOut(segments);
  const regs = inputs(values, count);
  const stepping = build(code, regs, bytes);
  stepping.runTraced = () => 0;
  const reference = observed(stepping, sizes);
  const m = build(code, regs, bytes);
  const traced = countTraced(m);
  const seen = observed(m, sizes);
  for (const kind of Object.keys(reference)) expect(seen[kind], kind).toEqual(reference[kind]);
  expect(m.icount).toBe(stepping.icount);
  return traced.insns;
}

describe('instrumented compiled code vs stepping', () => {
  const plain = segmentsOf(instruction);
  const slow = segmentsOf(fc.oneof({ weight: 4, arbitrary: instruction }, { weight: 1, arbitrary: slowPath }));

  const kinds = [
    { what: 'a random structured loop', segment: plain.segment, numRuns: 40, seed: 20261203, minTraced: 5000 },
    { what: 'one with slow paths and traps', segment: slow.segment, numRuns: 30, seed: 4242, minTraced: 1 },
  ];
  for (const [name, build] of [['bare', bare], ['under Sv32', paged]] as const) {
    for (const { what, segment, numRuns, seed, minTraced } of kinds) {
      it(`reports the same for ${what}, ${name}`, () => {
        let traced = 0;
        fc.assert(
          fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), registers, memory, trips, slices, (segments, values, bytes, count, sizes) => {
            traced += sameReports(build, segments, values, bytes, count, sizes);
          }),
          { numRuns, seed },
        );
        expect(traced, 'instructions run by instrumented code').toBeGreaterThanOrEqual(minTraced);
      });
    }
  }

  it('stops at a write watchpoint inside instrumented code after the store, as stepping does', () => {
    const { s11, t6, t0 } = A.Reg;
    const code = [A.addi(t0, t0, 1), A.sw(t0, t6, 0), A.addi(s11, s11, -1), A.bne(s11, 0, -12), A.wfi()];
    const rows = (stepOnly: boolean): { rows: Record<string, unknown[][]>; icount: number } => {
      const m = loopMachine(code);
      startLoop(m, { [t6]: 0x8000_8000, [s11]: 100 }, new Uint8Array(8));
      if (stepOnly) m.runTraced = () => 0;
      const traced = countTraced(m);
      const seen = recorder();
      m.observe(seen, ALL);
      m.run(300);
      m.addWriteWatch(0x8000_8000, 4);
      m.run(MAX_ICOUNT);
      m.flushObservations();
      expect(m.watchHit).toBe(0x8000_8000);
      if (!stepOnly) expect(traced.insns, 'instructions run by instrumented code').toBeGreaterThan(0);
      return { rows: seen.rows, icount: m.icount };
    };
    expect(rows(false)).toEqual(rows(true));
  });
});
