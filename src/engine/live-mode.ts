import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { EventStream } from '../../streams/event-stream.js';
import type { ClockKind } from '../core/clock-kind.js';
import type { HostPorts } from '../machine/host-ports.js';
import { checkpointDigest } from './checkpoint-digest.js';
import { hostClockNs } from './host-clock.js';
import type { SerialQueue } from './serial-queue.js';
import type { SessionContext, SessionMode } from './session-mode.js';
import { shutdownText, type StopReason } from '../core/stop-reason.js';

/** How idle time (WFI with nothing pending) passes: skipped at once, or waited out in real time. */
export type IdlePolicy = 'skip' | 'realtime';

/** Options of a live session. */
export interface LiveModeOptions {
  idle: IdlePolicy;
  /** stdin is a terminal: keep slices short for low input latency. */
  interactive: boolean;
  /** Instructions between CHECKPOINT events; Infinity for none (plain `run`). */
  checkpointEvery: number;
}

/**
 * `run` and `record` mode: the ports talk to the host, and every value that reaches the guest
 * is stamped into the event stream as it is applied. Recording is a record sink subscribed to
 * that stream; a plain run has only taps (or nobody) listening.
 */
export class LiveMode implements SessionMode {
  readonly ports: HostPorts = { clock: (kind) => this.readClock(kind) };
  readonly interactive: boolean;
  private context!: SessionContext;
  private shutdownReason: string | null = null;
  private lastCheckpointIcount = 0;

  constructor(
    private readonly serialIn: SerialQueue,
    private readonly events: EventStream,
    private readonly options: LiveModeOptions,
  ) {
    this.interactive = options.interactive;
  }

  attach(context: SessionContext): void {
    this.context = context;
  }

  private readClock(kind: ClockKind): number {
    const value = hostClockNs();
    this.events.emit({ kind: 'CLOCK', clock: kind, value }, this.context.machine.icount);
    return value;
  }

  limitFor(icount: number): number {
    const every = this.options.checkpointEvery;
    return every === Infinity ? Infinity : (Math.floor(icount / every) + 1) * every;
  }

  checkpoint(): void {
    const { machine, output } = this.context;
    if (this.serialIn.pending) {
      const bytes = this.serialIn.deliver((chunk) => machine.deliverSerial(chunk));
      if (bytes !== null) this.events.emit({ kind: 'CHAR_READ', port: 0, bytes }, machine.icount);
    }
    const every = this.options.checkpointEvery;
    const icount = machine.icount;
    if (every !== Infinity && icount % every === 0 && icount > this.lastCheckpointIcount) {
      this.lastCheckpointIcount = icount;
      this.events.emit({ kind: 'CHECKPOINT', digest: checkpointDigest(machine, output) }, icount);
    }
  }

  async idle(): Promise<number | null> {
    const machine = this.context.machine;
    const untilDeadlineNs = machine.nsUntilDeadline();
    // Input still queued did not fit the UART at the checkpoint just before: only new input
    // (stdin still open) or a timer can wake the guest.
    if (untilDeadlineNs === Infinity && this.serialIn.closed) return null;
    let ns: number;
    if (this.options.idle === 'skip' && untilDeadlineNs !== Infinity) {
      ns = untilDeadlineNs;
    } else {
      // Wait in real time for the deadline or for host input, whichever comes first.
      const start = performance.now();
      const waits: Promise<unknown>[] = [];
      if (!this.serialIn.closed) waits.push(this.serialIn.whenChanged());
      if (untilDeadlineNs !== Infinity) waits.push(sleep(untilDeadlineNs / 1e6));
      await Promise.race(waits);
      ns = Math.min(Math.round((performance.now() - start) * 1e6), untilDeadlineNs);
    }
    if (ns > 0) this.events.emit({ kind: 'WARP', ns }, machine.icount);
    return ns;
  }

  /** Asks the session to end at the next checkpoint. */
  requestShutdown(reason: string): void {
    this.shutdownReason ??= reason;
    this.serialIn.close();
  }

  shutdownRequested(): StopReason | null {
    return this.shutdownReason === null ? null : { kind: 'shutdown', reason: this.shutdownReason };
  }

  /** Writes the closing events: SHUTDOWN (unless the guest halted), a final CHECKPOINT, END. */
  finish(stop: StopReason): StopReason {
    const { machine, output } = this.context;
    const icount = machine.icount;
    if (stop.kind !== 'halt') this.events.emit({ kind: 'SHUTDOWN', reason: shutdownText(stop) }, icount);
    this.events.emit({ kind: 'CHECKPOINT', digest: checkpointDigest(machine, output) }, icount);
    this.events.emit({ kind: 'END' }, icount);
    this.events.complete();
    return stop;
  }
}
