// The machine under observation (exec-runner.ts): RAM accesses as a tap sees them, and blocks,
// samples and accesses that do not depend on where the engine's slices end nor on what else is
// observed.
import { describe, expect, it } from 'vitest';
import type { ExecObserver, ExecWants } from '../../src/machine/exec-observer.js';
import type { Machine } from '../../src/machine/machine.js';
import { machineWith } from './cpu/harness.js';

/** Everything an observer heard, as plain rows. */
function recorder(): ExecObserver & { rows: Record<string, number[][]> } {
  const rows: Record<string, number[][]> = { insn: [], block: [], memory: [], sample: [], mmio: [], trap: [] };
  return {
    rows,
    insn: (icount, pc) => rows['insn']!.push([icount, pc]),
    block: (icount, pc, insns, bytes) => rows['block']!.push([icount, pc, insns, bytes]),
    memory: (icount, write, address, size, value) => rows['memory']!.push([icount, write ? 1 : 0, address, size, value]),
    sample: (icount, pc) => rows['sample']!.push([icount, pc]),
    mmio: (icount, write, _device, offset) => rows['mmio']!.push([icount, write ? 1 : 0, offset]),
    trap: (icount, cause) => rows['trap']!.push([icount, cause]),
  };
}

/** Runs `m` in slices of `slice` instructions until it idles (or 10 000 instructions). */
function runSliced(m: Machine, slice: number): void {
  for (let before = -1; m.icount !== before && m.icount < 10_000; ) {
    before = m.icount;
    m.run(Math.min(m.icount + slice, 10_000));
  }
  m.flushObservations();
}

// csrw mtvec to the final wfi; t0 = 50; loop { t0--; sw t0, 0(a1); lw t1, 0(a1); bne t0, loop }; ecall; wfi
const LOOP = [0x800003b7, 0x02838393, 0x30539073, 0x03200293, 0x800015b7, 0xfff28293, 0x0055a023, 0x0005a303, 0xfe029ae3, 0x00000073, 0x10500073];
const ALL: ExecWants = { insns: true, blocks: true, memory: true, samplePeriod: 7 };

/** What observing everything in LOOP, run in one slice, reports. */
function referenceRun(): ReturnType<typeof recorder> {
  const reference = recorder();
  const m = machineWith(LOOP);
  m.observe(reference, ALL);
  runSliced(m, 10_000);
  return reference;
}

describe('observed runs', () => {
  it('reports RAM loads, stores, AMOs and LR/SC with address, size and value; device accesses and failed SCs are not RAM accesses', () => {
    const m = machineWith([
      0x12300513, // addi a0, zero, 0x123
      0x800015b7, // lui a1, 0x80001
      { c: 0xc1c8 }, // c.sw a0, 4(a1)
      0x00458603, // lb a2, 4(a1)
      0x00a5a6af, // amoadd.w a3, a0, (a1)
      0x0045a003, // lw zero, 4(a1)
      0x18a5a72f, // sc.w a4, a0, (a1): no reservation, fails
      0x1005a7af, // lr.w a5, (a1)
      0x18a5a72f, // sc.w a4, a0, (a1): succeeds
      { c: 0xc588 }, // c.sw a0, 8(a1)
      0x100005b7, // lui a1, 0x10000 (the UART)
      0x00a58023, // sb a0, 0(a1)
    ]);
    const seen = recorder();
    m.observe(seen, { insns: false, blocks: false, memory: true, samplePeriod: 0 });
    m.run(12);
    const W = 1;
    const R = 0;
    expect(seen.rows['memory']).toEqual([
      [2, W, 0x80001004, 4, 0x123],
      [3, R, 0x80001004, 1, 0x23],
      [4, R, 0x80001000, 4, 0],
      [4, W, 0x80001000, 4, 0x123],
      [5, R, 0x80001004, 4, 0x123],
      [7, R, 0x80001000, 4, 0x123],
      [8, W, 0x80001000, 4, 0x123],
      [9, W, 0x80001008, 4, 0x123],
    ]);
    expect(seen.rows['mmio']).toEqual([[11, W, 0]]);
  });

  it('splits the run into basic blocks ending at jumps, branches, CSR and system instructions, and traps', () => {
    const m = machineWith(LOOP);
    const seen = recorder();
    m.observe(seen, { insns: false, blocks: true, memory: false, samplePeriod: 0 });
    runSliced(m, 10_000);
    const loop = Array.from({ length: 49 }, (_, k) => [9 + 4 * k, 0x80000014, 4, 16]);
    expect(seen.rows['block']).toEqual([[0, 0x80000000, 3, 12], [3, 0x8000000c, 6, 24], ...loop, [205, 0x80000024, 1, 4], [206, 0x80000028, 1, 4]]);
    expect(seen.rows['trap']).toEqual([[205, 11]]);
  });

  it('reports the same blocks, samples and accesses whatever the slice size and whatever else is observed', () => {
    const reference = referenceRun();
    expect(reference.rows['memory']).toHaveLength(100);
    expect(reference.rows['sample']!.map(([icount]) => icount)).toEqual(Array.from({ length: 30 }, (_, k) => 7 * k));
    for (const slice of [1, 2, 5, 13]) {
      for (const wants of [ALL, { ...ALL, insns: false, memory: false }]) {
        const m = machineWith(LOOP);
        const seen = recorder();
        m.observe(seen, wants);
        runSliced(m, slice);
        for (const kind of ['block', 'sample', 'trap', ...(wants.memory ? ['memory', 'insn'] : [])]) {
          expect(seen.rows[kind], `${kind}, slices of ${slice}`).toEqual(reference.rows[kind]);
        }
      }
    }
  });

  it('reports the same blocks when a breakpoint stops the run inside one and the run goes on from there', () => {
    const reference = referenceRun();
    const m = machineWith(LOOP);
    const seen = recorder();
    m.observe(seen, ALL);
    // The loop's store, in the middle of its block: stops before it on every trip.
    m.cpu.setBreakpoint(0x80000018);
    let stops = 0;
    for (let before = -1; m.icount !== before; ) {
      before = m.icount;
      // As a debugger resumes: one instruction with the breakpoint lifted, then on.
      m.cpu.stepOverBreakpoint(() => m.run(m.icount + 1));
      m.run(10_000);
      if (m.cpu.breakpointHit) stops++;
      m.cpu.breakpointHit = false;
    }
    m.flushObservations();
    expect(stops).toBe(50);
    for (const kind of ['block', 'insn', 'memory', 'trap']) expect(seen.rows[kind], kind).toEqual(reference.rows[kind]);
  });

  it('reports each block and sample once when what is observed changes at a slice boundary', () => {
    const reference = referenceRun();
    const m = machineWith(LOOP);
    const seen = recorder();
    const blocksOnly = { ...ALL, insns: false, memory: false };
    for (let before = -1, k = 0; m.icount !== before; k++) {
      before = m.icount;
      // A tap subscribing to and unsubscribing from the instruction stream every slice.
      m.observe(seen, k % 2 === 0 ? ALL : blocksOnly);
      m.run(m.icount + 7);
    }
    m.flushObservations();
    expect(seen.rows['block']).toEqual(reference.rows['block']);
    expect(seen.rows['sample']).toEqual(reference.rows['sample']);
  });
});
