import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { EventStream } from '../../streams/event-stream.js';
import type { UnstampedEvent } from '../core/event.js';
import type { HostPorts } from '../machine/host-ports.js';
import { checkpointDigest } from './checkpoint-digest.js';
import type { FamilyIo, HostInput } from './families/event-family.js';
import type { Machine } from '../machine/machine.js';
import { IDLE_FAMILY, PULL_FAMILIES, START_FAMILIES } from './families/registry.js';
import type { InputQueue } from './input-queue.js';
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
  readonly ports: HostPorts;
  private readonly interactive: boolean;
  private context!: SessionContext;
  private shutdownReason: string | null = null;
  private lastCheckpointIcount = 0;
  /** `input.arrivals` at the last checkpoint. */
  private arrivalsSeen = 0;
  /** While input is applied: the pull events made since the last push event applied (recorded after it). */
  private heldPulls: UnstampedEvent[] | null = null;

  constructor(
    private readonly input: InputQueue,
    private readonly events: EventStream,
    private readonly options: LiveModeOptions,
    /** Host I/O in flight (drives): started through the ports, completed by queued events. */
    private readonly io: FamilyIo,
  ) {
    this.interactive = options.interactive;
    // Every pull port asks the host, then records the request and its answer.
    const ports: Record<string, (...args: unknown[]) => unknown> = {};
    for (const family of PULL_FAMILIES) {
      ports[family.port] = (...args: unknown[]) => {
        const value = family.host(...args);
        const event = family.record(args, value);
        if (this.heldPulls !== null) this.heldPulls.push(event);
        else this.events.emit(event, this.context.machine.icount);
        return value;
      };
    }
    for (const family of START_FAMILIES) ports[family.port!] = (...args: unknown[]) => family.start!(io, args);
    this.ports = ports as unknown as HostPorts;
  }

  get lowLatency(): boolean {
    return this.interactive || this.hostWorkInFlight() > 0;
  }

  /** Block requests, BHs and running audio streams whose events the host has yet to push. */
  private hostWorkInFlight(): number {
    return (this.io.blocks?.inFlight ?? 0) + this.io.deferrals.inFlight + (this.io.audio?.inFlight ?? 0);
  }

  attach(context: SessionContext): void {
    this.context = context;
  }

  limitFor(icount: number): number {
    const every = this.options.checkpointEvery;
    return every === Infinity ? Infinity : (Math.floor(icount / every) + 1) * every;
  }

  checkpoint(): void {
    const { machine, output } = this.context;
    this.arrivalsSeen = this.input.arrivals;
    if (this.input.pending) this.deliverInput(machine);
    const every = this.options.checkpointEvery;
    const icount = machine.icount;
    if (every !== Infinity && icount % every === 0 && icount > this.lastCheckpointIcount) {
      this.lastCheckpointIcount = icount;
      this.events.emit({ kind: 'CHECKPOINT', digest: checkpointDigest(machine, output) }, icount);
    }
  }

  /**
   * Applies the queued input and records it in the order applied, each push event followed by
   * the pulls its device made while applying it (replay applies the event, then answers them).
   * Consecutive payloads of one family that made no pulls are merged where the family allows.
   */
  private deliverInput(machine: Machine): void {
    let last: HostInput | null = null;
    let lastPulls: UnstampedEvent[] = [];
    const flush = (): void => {
      if (last !== null) this.events.emit({ kind: last.family.kind, ...last.payload } as UnstampedEvent, machine.icount);
      for (const pull of lastPulls) this.events.emit(pull, machine.icount);
    };
    this.heldPulls = [];
    this.input.deliver(machine, this.io, (applied) => {
      const pulls = this.heldPulls!;
      this.heldPulls = [];
      const merged =
        last !== null && last.family === applied.family && lastPulls.length === 0 && pulls.length === 0
          ? applied.family.merge(last.payload as never, applied.payload as never)
          : null;
      if (merged !== null) {
        last = { family: applied.family, payload: merged };
        return;
      }
      flush();
      last = applied;
      lastPulls = pulls;
    });
    // A device that refused its input pulled nothing; anything held is recorded, never lost.
    lastPulls = lastPulls.concat(this.heldPulls);
    this.heldPulls = null;
    flush();
  }

  async idle(): Promise<number | null> {
    const machine = this.context.machine;
    const untilDeadlineNs = machine.nsUntilDeadline();
    // Input still queued did not fit the UART at the checkpoint just before: only new input
    // (stdin still open) or a timer can wake the guest.
    // Input that arrived after that checkpoint (a completion) is applied at the next one.
    if (this.input.arrivals !== this.arrivalsSeen) return 0;
    // Host I/O still running (or a BH still delayed) will push its event: wait for it, even after input ended.
    const inFlight = this.hostWorkInFlight();
    if (untilDeadlineNs === Infinity && this.input.closed && inFlight === 0) return null;
    let ns: number;
    if (this.options.idle === 'skip' && untilDeadlineNs !== Infinity) {
      ns = untilDeadlineNs;
    } else {
      // Wait in real time for the deadline or for host input, whichever comes first.
      const start = performance.now();
      const waits: Promise<unknown>[] = [];
      if (!this.input.closed) waits.push(this.input.whenChanged());
      if (inFlight > 0) waits.push(this.input.whenPushed());
      if (untilDeadlineNs !== Infinity) waits.push(sleep(untilDeadlineNs / 1e6));
      await Promise.race(waits);
      ns = Math.min(Math.round((performance.now() - start) * 1e6), untilDeadlineNs);
    }
    // The skipped time is applied by the session (it warps the machine) and recorded here.
    const skipped = IDLE_FAMILY.capture(ns);
    if (skipped !== null) this.events.emit({ kind: IDLE_FAMILY.kind, ...skipped.payload } as UnstampedEvent, machine.icount);
    return ns;
  }

  /** Asks the session to end at the next checkpoint. */
  requestShutdown(reason: string): void {
    this.shutdownReason ??= reason;
    this.input.close();
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
