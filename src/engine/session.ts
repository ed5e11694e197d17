import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToHost } from 'node:timers/promises';
import type { ElfImage } from '../machine/elf-image.js';
import { Machine, type MachineConfig, type SavedMachine } from '../machine/machine.js';
import { RunningHash } from '../machine/running-hash.js';
import type { SessionMode } from './session-mode.js';
import type { ExecStreams } from '../../streams/exec-streams.js';
import type { StopReason } from '../core/stop-reason.js';

/**
 * Instructions per CPU call when nothing ends the slice sooner: every slice costs the engine
 * some work (console, input, taps) and ends compiled loops at an arbitrary point, so slices are
 * long; at interpreter speed one still takes only a few milliseconds, which keeps gdb's Ctrl-C
 * and live input prompt. (They were 2^16 while V8's on-stack replacement made long ones slow;
 * OSR is off now, see PERF-NOTES.)
 */
export const SLICE_ICOUNT = 524_288;

/** The outcome of a session. */
export interface SessionResult {
  stop: StopReason;
  icount: number;
  hostMs: number;
}

/** Options common to every mode. */
export interface SessionOptions {
  config: MachineConfig;
  /** Stop after this many instructions (Infinity for no bound). */
  maxInsns: number;
  /** Receives console output with the icount at which it was flushed, once per slice. */
  onConsole: (bytes: Uint8Array, icount: number) => void;
  /** Instructions per slice (tests vary it; the result must not depend on it). */
  sliceIcount?: number;
  /** Called with the icount whenever the session yields to the host (every ~20 ms of work). */
  onProgress?: (icount: number) => void;
  /** The execution taps' streams: given the machine, flushed after every slice, completed at the end. */
  exec?: ExecStreams;
}

/** What one slice ended with: a stop, `idle` (the hart sleeps with nothing pending), or null to go on. */
export type SliceOutcome = StopReason | 'idle' | null;

/** The session's part of a snapshot: the machine, the console hash and byte count. */
export interface SavedSession {
  machine: SavedMachine;
  output: [number, number];
  consoleBytes: number;
}

/**
 * Drives a machine through slices: run to the next stop, flush console output, apply input
 * at the checkpoint, handle idling, and yield to the host event loop now and then.
 */
export class Session {
  readonly machine: Machine;
  /** Hash of every console byte so far. */
  readonly output = new RunningHash();
  /** Console bytes produced so far (part of the state). */
  private consoleBytes = 0;
  /**
   * Console bytes already handed to `onConsole` (the high-water mark): after going back in
   * time, output produced again is not shown again.
   */
  private consoleShown = 0;

  constructor(
    image: ElfImage,
    readonly mode: SessionMode,
    private readonly options: SessionOptions,
  ) {
    this.machine = new Machine(options.config, mode.ports);
    this.machine.load(image);
    options.exec?.attach(this.machine);
    mode.attach(this);
  }

  /** Runs until the guest halts, the bound is reached, the host or the log says stop, or the guest idles forever. */
  async run(): Promise<SessionResult> {
    const start = performance.now();
    let stop: StopReason;
    try {
      stop = await this.loop();
    } catch (err) {
      this.options.exec?.error(err);
      throw err;
    }
    this.flushConsole();
    this.options.exec?.complete();
    const final = this.mode.finish(stop);
    return { stop: final, icount: this.machine.icount, hostMs: performance.now() - start };
  }

  /**
   * One slice towards `limitIcount`: run the CPU (it may stop earlier at the mode's next
   * event, a breakpoint or a watchpoint), flush the console, apply the input due at the
   * checkpoint. Synchronous; a divergence throws.
   */
  runSlice(limitIcount: number): SliceOutcome {
    const { machine, mode } = this;
    if (machine.halted !== null) return { kind: 'halt', halt: machine.halted };
    const shutdown = mode.shutdownRequested();
    if (shutdown !== null) return shutdown;
    machine.run(Math.min(limitIcount, mode.limitFor(machine.icount)));
    this.options.exec?.flush();
    this.flushConsole();
    if (machine.halted !== null) return { kind: 'halt', halt: machine.halted };
    mode.checkpoint();
    // A stop applied at this checkpoint (replay's SHUTDOWN) ends the run before any idling.
    const stop = mode.shutdownRequested();
    if (stop !== null) return stop;
    const cpu = machine.cpu;
    return cpu.waiting && (cpu.mip & cpu.mie) === 0 ? 'idle' : null;
  }

  /** The session's state (the mode's position is saved by the mode). */
  save(): SavedSession {
    return { machine: this.machine.save(), output: this.output.save(), consoleBytes: this.consoleBytes };
  }

  /** Returns to a saved state; console output before the high-water mark is not shown again. */
  restore(saved: SavedSession): void {
    this.machine.restore(saved.machine);
    this.output.restore(saved.output);
    this.consoleBytes = saved.consoleBytes;
  }

  /** Treats console output up to the current point as already shown (a replay started from a snapshot). */
  markConsoleShown(): void {
    this.consoleShown = Math.max(this.consoleShown, this.consoleBytes);
  }

  private async loop(): Promise<StopReason> {
    const { machine, mode, options } = this;
    const slice = options.sliceIcount ?? SLICE_ICOUNT;
    let lastYield = performance.now();
    for (;;) {
      if (machine.icount >= options.maxInsns && machine.halted === null && mode.shutdownRequested() === null) return { kind: 'limit' };
      const outcome = this.runSlice(Math.min(machine.icount + slice, options.maxInsns));
      if (outcome === 'idle') {
        const ns = await mode.idle();
        if (ns === null) return { kind: 'idle' };
        if (ns > 0) machine.warp(ns);
        // NB: a skipped idle resolves at once (a microtask): fall through, so a guest that
        // sleeps all the time still lets timers (log flushes) and signals (Ctrl-C) run.
      } else if (outcome !== null) {
        return outcome;
      }
      const now = performance.now();
      if (now - lastYield >= (mode.lowLatency ? 1 : 20)) {
        options.onProgress?.(machine.icount);
        await yieldToHost();
        lastYield = performance.now();
      }
    }
  }

  private flushConsole(): void {
    const out = this.machine.takeConsoleOutput();
    if (out.length === 0) return;
    this.output.bytes(out);
    const start = this.consoleBytes;
    this.consoleBytes += out.length;
    if (this.consoleBytes <= this.consoleShown) return;
    const fresh = start >= this.consoleShown ? out : out.subarray(this.consoleShown - start);
    this.consoleShown = this.consoleBytes;
    this.options.onConsole(fresh, this.machine.icount);
  }
}
