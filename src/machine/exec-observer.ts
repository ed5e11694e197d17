/**
 * What the machine reports while an execution tap listens (DESIGN §8). Every call is
 * synchronous, from inside `Machine.run`, with the exact icount; none may change the machine.
 */
export interface ExecObserver {
  /**
   * An instruction retired (only while instructions are observed: the machine then runs one
   * instruction at a time): the icount before it, its pc, its raw bits (0 when they cannot be
   * read from RAM at that pc: under Sv32), the register it wrote (0: none) and its new value.
   */
  insn(icount: number, pc: number, bits: number, rd: number, value: number): void;
  /** A load or store reached a device. `value` is what was read or written. */
  mmio(icount: number, write: boolean, device: string, offset: number, size: number, value: number): void;
  /** The hart entered a trap handler: an exception, or an interrupt (cause with bit 31 set). */
  trap(icount: number, cause: number, tval: number, epc: number): void;
}
