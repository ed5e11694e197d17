import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToHost } from 'node:timers/promises';
import type { ElfImage } from '../machine/elf-image.js';
import { Machine, type MachineConfig } from '../machine/machine.js';
import { RunningHash } from './digest.js';
import type { SessionMode } from './session-mode.js';
import type { StopReason } from '../core/stop-reason.js';

/** Instructions per CPU call: short slices keep V8's dispatch loop fast (PERF-NOTES). */
export const SLICE_ICOUNT = 65_536;

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
}

/**
 * Drives a machine through slices: run to the next stop, flush console output, apply input
 * at the checkpoint, handle idling, and yield to the host event loop now and then.
 */
export class Session {
  readonly machine: Machine;
  /** Hash of every console byte so far. */
  readonly output = new RunningHash();

  constructor(
    image: ElfImage,
    private readonly mode: SessionMode,
    private readonly options: SessionOptions,
  ) {
    this.machine = new Machine(options.config, mode.ports);
    this.machine.load(image);
    mode.attach(this);
  }

  /** Runs until the guest halts, the bound is reached, the host or the log says stop, or the guest idles forever. */
  async run(): Promise<SessionResult> {
    const start = performance.now();
    const stop = await this.loop();
    this.flushConsole();
    const final = this.mode.finish(stop);
    return { stop: final, icount: this.machine.icount, hostMs: performance.now() - start };
  }

  private async loop(): Promise<StopReason> {
    const { machine, mode, options } = this;
    const slice = options.sliceIcount ?? SLICE_ICOUNT;
    let lastYield = performance.now();
    for (;;) {
      if (machine.halted !== null) return { kind: 'halt', halt: machine.halted };
      const shutdown = mode.shutdownRequested();
      if (shutdown !== null) return shutdown;
      const icount = machine.icount;
      if (icount >= options.maxInsns) return { kind: 'limit' };
      machine.run(Math.min(icount + slice, options.maxInsns, mode.limitFor(icount)));
      this.flushConsole();
      if (machine.halted !== null) continue;
      mode.checkpoint();
      // A stop applied at this checkpoint (replay's SHUTDOWN) ends the run before any idling.
      const stop = mode.shutdownRequested();
      if (stop !== null) return stop;
      const cpu = machine.cpu;
      if (cpu.waiting && (cpu.mip & cpu.mie) === 0) {
        const ns = await mode.idle();
        if (ns === null) return { kind: 'idle' };
        if (ns > 0) machine.warp(ns);
        // NB: a skipped idle resolves at once (a microtask): fall through, so a guest that
        // sleeps all the time still lets timers (log flushes) and signals (Ctrl-C) run.
      }
      const now = performance.now();
      if (now - lastYield >= (mode.interactive ? 1 : 20)) {
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
    this.options.onConsole(out, this.machine.icount);
  }
}
