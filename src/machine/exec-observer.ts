/**
 * What the machine reports while an execution tap listens (DESIGN §8). Every call is
 * synchronous, from inside `Machine.run`, with the exact icount; none may change the machine.
 */
export interface ExecObserver {
  /**
   * An instruction retired (only while instructions are observed): the icount before it, its
   * pc, its raw bits (0 when they cannot be read from RAM at that pc), the register it wrote
   * (0: none) and its new value.
   */
  insn(icount: number, pc: number, bits: number, rd: number, value: number): void;
  /**
   * A basic block ran: `insns` instructions (`bytes` bytes of code) from `pc`, the first one at
   * `icount`. A block ends after a jump, branch, system instruction or CSR access, at a trap,
   * a halt, a page boundary, or after 64 instructions (a debugger stop does not end it).
   */
  block(icount: number, pc: number, insns: number, bytes: number): void;
  /** A load (`write` false) or store of RAM retired: effective address, size in bytes, value. */
  memory(icount: number, write: boolean, address: number, size: number, value: number): void;
  /** The pc of the instruction about to run when icount reached a multiple of the sample period. */
  sample(icount: number, pc: number): void;
  /** A load or store reached a device. `value` is what was read or written. */
  mmio(icount: number, write: boolean, device: string, offset: number, size: number, value: number): void;
  /** The hart entered a trap handler: an exception, or an interrupt (cause with bit 31 set). */
  trap(icount: number, cause: number, tval: number, epc: number): void;
}

/** Which reports an observer wants; the machine pays only for these. */
export interface ExecWants {
  /** Every instruction (hot code then runs instrumented, the rest one instruction at a time: see ExecRunner). */
  insns: boolean;
  /** Every basic block (run as for `insns`). */
  blocks: boolean;
  /** Every RAM load and store (run as for `insns`). */
  memory: boolean;
  /** Report the pc every this many instructions (0: never); costs a stop per sample. */
  samplePeriod: number;
}

/** No reports but device accesses and traps. */
export const WANT_EVENTS_ONLY: ExecWants = { insns: false, blocks: false, memory: false, samplePeriod: 0 };
