import type { HostPorts } from '../machine/host-ports.js';
import type { Machine } from '../machine/machine.js';

/**
 * What differs between `run`, `record` and `replay`: how host values reach the machine.
 * The session's slice loop is the same in every mode.
 */
export interface SessionMode {
  /** The ports the machine's devices pull host values through. */
  readonly ports: HostPorts;
  /** True while an interactive source is open: slices stay short so input latency is low. */
  readonly interactive: boolean;
  /** The highest icount the next slice may reach (replay: the next push event's icount). */
  limitFor(icount: number): number;
  /** A checkpoint between two slices: apply the push input that is due. */
  checkpoint(machine: Machine): void;
  /**
   * The hart idles in WFI with nothing pending. Resolves with the virtual ns to skip (0 to
   * look again after new input), or null when nothing can ever wake it.
   */
  idle(machine: Machine): Promise<number | null>;
  /** A reason when the host asked the run to end (Ctrl-C, Ctrl-A X), else null. */
  shutdownRequested(): string | null;
}
