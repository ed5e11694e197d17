import type { StateRecord } from './state.js';

/** Reads the machine's instruction count; kept as a function so devices never hold the CPU. */
export type IcountSource = () => number;

/**
 * The virtual clock of DESIGN §2: `virtualNs = icount * 2^shift + biasNs`.
 * `biasNs` changes only when the engine skips idle time (a WARP).
 */
export class VirtualClock {
  /** Nanoseconds per instruction, as a power of two. */
  readonly nsPerInsn: number;
  /** Virtual ns added by idle skips so far. */
  biasNs = 0;

  constructor(
    private readonly icount: IcountSource,
    readonly shift: number,
  ) {
    this.nsPerInsn = 2 ** shift;
  }

  /** Current virtual time in ns. */
  nowNs(): number {
    return this.icount() * this.nsPerInsn + this.biasNs;
  }

  /** The first icount at which virtual time reaches `ns` (never less than now). */
  icountAtNs(ns: number): number {
    const now = this.icount();
    const at = Math.ceil((ns - this.biasNs) / this.nsPerInsn);
    return at > now ? at : now;
  }

  /** The clock's state: the idle-skip bias (the icount belongs to the CPU). */
  save(): StateRecord {
    return { biasNs: this.biasNs };
  }

  /** Copies back what `save` returned. */
  restore(s: StateRecord): void {
    this.biasNs = s.biasNs as number;
  }
}
