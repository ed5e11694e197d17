import type { Observable, Subscription } from 'rxjs';
import type { Icount, RrEvent } from '../../src/core/event.js';
import type { ExecTapStreams } from '../exec-streams.js';

/** A frame transmitted by virtio-net `netdev` at `icount`. */
export interface NetTxFrame {
  icount: Icount;
  netdev: number;
  frame: Uint8Array;
}

/** What a tap sees of a run (DESIGN §8). */
export interface TapSession {
  /** The mode of the run. */
  readonly mode: 'run' | 'record' | 'replay';
  /** Every stamped event, in (icount, seq) order, in every mode; completes when the run ends. */
  readonly events$: Observable<RrEvent>;
  /** Guest console output as the machine produced it, tagged with the icount reached; completes when the run ends. */
  readonly console$: Observable<{ icount: Icount; bytes: Uint8Array }>;
  /** Frames the guest's virtio-net devices transmitted (output: not in the log), each once, tagged with the icount; completes when the run ends. */
  readonly netTx$: Observable<NetTxFrame>;
  /**
   * What the hart executes — instructions, basic blocks, RAM and device accesses, traps, pc
   * samples — in batches per slice (streams/exec-streams.ts). Free while nobody subscribes;
   * `insns$` and `memory$` slow the run down most (docs/taps.md has the costs).
   */
  readonly exec: ExecTapStreams;
  /** The guest ELF file (for symbols and line numbers), when the engine has it. */
  readonly elf?: Uint8Array;
  /** Options from the tap spec (`NAME=FILE,key=value` → `{ file: 'FILE', key: 'value' }`). */
  readonly options: Record<string, string>;
}

/**
 * A tap: called once, before the first event, to subscribe to what it wants. It may return
 * its Subscription (unsubscribed if the run is aborted), or a Promise that settles once its
 * output is complete after the streams end (the engine awaits it; a rejection fails the run).
 * Output must be complete when the streams complete (or the promise resolves).
 */
export type Tap = (session: TapSession) => Subscription | Promise<void> | void;
