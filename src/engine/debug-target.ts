/** What a debugger can ask of a recording being replayed: the GDB stub's only view of rrvm. */

/** Kind of a data watchpoint, as gdb's Z2 (write), Z3 (read) and Z4 (access) packets name them. */
export type WatchKind = 'write' | 'read' | 'access';

/** How execution is resumed. */
export type ResumeAction = 'step' | 'continue' | 'reverse-step' | 'reverse-continue';

/** Why execution stopped after a resume. */
export type StopEvent =
  /** A single step (forward or reverse) finished. */
  | { reason: 'step' }
  /** Execution arrived at a breakpoint address (the instruction there has not run). */
  | { reason: 'breakpoint'; pc: number }
  /**
   * A watched location is accessed. gdb treats RISC-V watchpoints as non-steppable: going
   * forwards the stop comes before the accessing instruction (gdb steps over it and compares
   * values), going backwards just after it (gdb steps back over it).
   */
  | { reason: 'watchpoint'; kind: WatchKind; address: number }
  /** Forward execution reached the end of the recording (the guest halted or the log ends). */
  | { reason: 'end-of-log'; message: string }
  /** Reverse execution reached icount 0. */
  | { reason: 'start-of-log' }
  /** `interrupt()` was called (gdb sent Ctrl-C). */
  | { reason: 'interrupted' }
  /** Replay disagreed with the recording; the session cannot go further forward. */
  | { reason: 'divergence'; message: string };

/**
 * A replay that can be inspected and moved in both directions. Registers use gdb's riscv
 * numbering: 0..31 = x0..x31, 32 = pc, 65 + n = CSR n.
 */
export interface DebugTarget {
  /** Instructions executed so far at the current position. */
  readonly icount: number;
  /** The icount where the recording ends. */
  readonly endIcount: number;
  /** x0..x31 then pc (33 values, int32). */
  readRegisters(): Int32Array;
  /** One register by gdb number, or null when the number names no register. */
  readRegister(regnum: number): number | null;
  /** Guest physical memory; null if any byte of the range is not RAM (MMIO is never read). */
  readMemory(address: number, length: number): Uint8Array | null;
  setBreakpoint(address: number): void;
  removeBreakpoint(address: number): void;
  setWatchpoint(kind: WatchKind, address: number, length: number): void;
  removeWatchpoint(kind: WatchKind, address: number, length: number): void;
  /** Runs until a stop; the console output of stretches never executed before goes to the host. */
  resume(action: ResumeAction): Promise<StopEvent>;
  /** Asks a running `resume` to stop soon (gdb's Ctrl-C). */
  interrupt(): void;
  /** Moves to `icount` in either direction (bounded by 0 and endIcount). */
  seek(icount: number): Promise<StopEvent | null>;
  /** A line or two describing the session for `monitor info`. */
  describe(): string;
  /** Takes a snapshot at the current position now; returns a one-line description. */
  snapshot(): string;
}
