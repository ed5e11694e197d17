import type { HostPorts } from '../machine/host-ports.js';
import type { Machine } from '../machine/machine.js';
import type { RunningHash } from '../machine/running-hash.js';
import type { StopReason } from '../core/stop-reason.js';

/** What a mode sees of the session it drives. */
export interface SessionContext {
  readonly machine: Machine;
  /** Hash of all console output so far (part of CHECKPOINT digests). */
  readonly output: RunningHash;
}

/**
 * What differs between `run`, `record` and `replay`: how host values reach the machine and
 * what is written down. The session's slice loop is the same in every mode.
 */
export interface SessionMode {
  /** The ports the machine's devices pull host values through. */
  readonly ports: HostPorts;
  /**
   * True while host input may come any moment and the guest may be waiting for it (a terminal
   * on stdin, host I/O in flight): the session then yields to the host every millisecond
   * instead of every 20, so input and completions reach the guest with low latency.
   */
  readonly lowLatency: boolean;
  /** Called once the machine exists, before it runs. */
  attach(context: SessionContext): void;
  /** The highest icount the next slice may reach (a checkpoint, or replay's next push event). */
  limitFor(icount: number): number;
  /** A checkpoint between two slices: apply the push input that is due. */
  checkpoint(): void;
  /**
   * The hart idles in WFI with nothing pending. Resolves with the virtual ns to skip (0 to
   * look again after new input), or null when nothing can ever wake it.
   */
  idle(): Promise<number | null>;
  /** A stop reason when the host (or the log) says the run ends here, else null. */
  shutdownRequested(): StopReason | null;
  /** The run ended with `stop`: write or check the closing events; returns the final reason. */
  finish(stop: StopReason): StopReason;
}
