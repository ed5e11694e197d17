// Shared helpers for the CPU tests: build a machine, load assembled code, run a snippet from
// JS until it reaches its terminating WFI, and run a snippet hot so that the block compiler
// (which compiles a loop after LOOP_HEAT_THRESHOLD entries, other code after
// TRACE_HEAT_THRESHOLD executions) takes over from the interpreter.
import { expect } from 'vitest';
import { LOOP_HEAT_THRESHOLD, TRACE_HEAT_THRESHOLD } from '../../../src/machine/cpu/block-cache.js';
import { Machine } from '../../../src/machine/machine.js';
import { assemble, type Insn } from './asm.js';

/** Start of RAM, where code is loaded. */
export const BASE = 0x8000_0000;
/** A data area far from the code (its own 64-byte chunks, never flagged as code). */
export const DATA = 0x8000_8000;
/** Entries into a loop header needed before the loop runs compiled. */
export const HEAT_THRESHOLD = LOOP_HEAT_THRESHOLD;
/** Executions needed before other code runs compiled (as a trace). */
export const TRACE_THRESHOLD = TRACE_HEAT_THRESHOLD;
/** Executions per hot test: past the threshold of straight code (a trace). */
export const HOT_RUNS = TRACE_HEAT_THRESHOLD + 12;

/** A machine with 1 MiB of RAM, shift 3, and a fixed host clock. */
export function makeMachine(): Machine {
  return new Machine({ ramBytes: 1 << 20, icountShift: 3 }, { clock: () => 1_700_000_000_000_000_000, random: (n) => new Uint8Array(n), blockIo: () => {}, defer: () => 0, netTx: () => {}, audioStream: () => {} });
}

/**
 * A machine with `program` loaded at `at` (default: the start of RAM) and the pc at its first
 * instruction. PMP entry 0 opens all memory to S and U (NAPOT, RWX), as firmware does: with no
 * matching entry their accesses fail, as in QEMU.
 */
export function machineWith(program: readonly (Insn | readonly Insn[])[], at = BASE): Machine {
  const m = makeMachine();
  m.load({ entry: at, segments: [{ address: at, data: assemble(program) }] });
  openPmp(m);
  return m;
}

/** Sets PMP entry 0 to NAPOT over the whole address space with R, W and X. */
export function openPmp(m: Machine): void {
  m.cpu.pmp.writeAddr(0, -1);
  m.cpu.pmp.writeCfg(0, 0x1f);
}

/** Adds more code to a loaded machine (before it ran: RAM loading does not invalidate predecoded code). */
export function loadMore(m: Machine, program: readonly (Insn | readonly Insn[])[], at: number): void {
  m.ram.load(at - BASE, assemble(program));
}

/** Register state after a run: x0..x31 (x0 included so tests see it stays 0). */
export interface RunResult {
  x: number[];
  pc: number;
  /** Instructions executed by this run, including the terminating WFI. */
  icount: number;
}

/**
 * Runs from `entry` with all registers zero except `regs` until the hart executes a WFI
 * (with no interrupt enabled, WFI ends the run). Fails if no WFI is reached within
 * `maxIcount` instructions.
 */
export function runToWfi(m: Machine, entry: number, regs: Readonly<Record<number, number>> = {}, maxIcount = 100_000): RunResult {
  const cpu = m.cpu;
  cpu.x.fill(0);
  for (const [r, v] of Object.entries(regs)) cpu.x[Number(r)] = v;
  cpu.pc = entry | 0;
  cpu.waiting = false;
  const start = m.icount;
  m.run(start + maxIcount);
  if (!cpu.waiting) throw new Error(`no WFI reached within ${maxIcount} instructions (pc=0x${(cpu.pc >>> 0).toString(16)}, halted=${JSON.stringify(m.halted)})`);
  return { x: Array.from(cpu.x.subarray(0, 32)), pc: cpu.pc >>> 0, icount: m.icount - start };
}

/** True when a compiled block starts at `addr`. */
export function isCompiledAt(m: Machine, addr: number): boolean {
  return m.cpu.hasCompiledBlockAt(addr);
}

/** True for the runs of a hot loop whose results a test checks: the first interpreted ones, the last ones before compiling, and every compiled one. */
export const isCheckedRun = (run: number): boolean => run < 16 || run >= TRACE_HEAT_THRESHOLD - 4;

/**
 * Runs the code at `entry` HOT_RUNS times with `inputs(i)` as registers and `check` after
 * the checked runs (isCheckedRun): the first runs are interpreted, the later ones compiled.
 * Asserts that a block was compiled at `entry` (unless `compiled` is false: the entry is a
 * cold op or runs too rarely).
 */
export function runHot(
  m: Machine,
  entry: number,
  inputs: (run: number) => Readonly<Record<number, number>>,
  check: (result: RunResult, run: number) => void,
  options: { compiled?: boolean; before?: (run: number) => void } = {},
): void {
  for (let run = 0; run < HOT_RUNS; run++) {
    options.before?.(run);
    const result = runToWfi(m, entry, inputs(run));
    if (!isCheckedRun(run)) continue;
    expect(result.x[0], 'x0').toBe(0);
    check(result, run);
  }
  if (options.compiled !== false) expect(isCompiledAt(m, entry), 'a block was compiled at the entry').toBe(true);
}

/** Signed 32-bit view of a number. */
export const s32 = (v: number): number => v | 0;
/** Unsigned 32-bit view of a number. */
export const u32 = (v: number): number => v >>> 0;

/** Writes bytes into RAM directly (no store hooks: for data areas only). */
export function poke(m: Machine, addr: number, bytes: ArrayLike<number>): void {
  m.ram.u8.set(bytes, addr - BASE);
}

/** Reads `n` bytes of RAM. */
export function peek(m: Machine, addr: number, n: number): number[] {
  return Array.from(m.ram.u8.subarray(addr - BASE, addr - BASE + n));
}

/** Reads a little-endian word of RAM (as int32). */
export function peekWord(m: Machine, addr: number): number {
  const off = addr - BASE;
  return m.ram.u8[off]! | (m.ram.u8[off + 1]! << 8) | (m.ram.u8[off + 2]! << 16) | (m.ram.u8[off + 3]! << 24);
}

/** Writes a little-endian word into RAM directly (no store hooks). */
export function pokeWord(m: Machine, addr: number, value: number): void {
  poke(m, addr, [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff]);
}
