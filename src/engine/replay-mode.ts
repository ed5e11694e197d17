import type { EventStream } from '../../streams/event-stream.js';
import type { HostPorts } from '../machine/host-ports.js';
import type { AnyPullFamily, FamilyIo } from './families/event-family.js';
import { pushFamilyOf, PULL_FAMILIES, START_FAMILIES } from './families/registry.js';
import { checkpointMismatch } from './checkpoint-digest.js';
import { DivergenceError, describeEvent } from './divergence.js';
import type { CheckpointEvent, RrEvent } from '../core/event.js';
import { EventLookahead } from './event-lookahead.js';
import { replayIo } from './replay-io.js';
import type { SessionContext, SessionMode } from './session-mode.js';
import { stopFromShutdown, type StopReason } from '../core/stop-reason.js';

/** Pull events are answered when the guest asks; all others are applied at checkpoints. */
const PULL_KINDS = new Set(PULL_FAMILIES.map((f) => f.kind));
const isPull = (e: RrEvent): boolean => PULL_KINDS.has(e.kind);
/** How far `limitFor` looks past pull events for the next push event. */
const LOOKAHEAD = 1024;
/** How many applied events a divergence report lists. */
const RECENT_EVENTS = 8;

/** Where a replay stands in its log: what a snapshot saves of the replay mode. */
export interface ReplayPosition {
  /** Seq of the next event to apply. */
  seq: number;
  /** A stop the log already ordered (an applied SHUTDOWN), or null. */
  stop: StopReason | null;
}

/** Where the log ends: at END (a complete log) or at its last complete chunk (a cut one). */
export interface ReplayEnd {
  icount: number;
  complete: boolean;
}

/**
 * `replay` mode, the gate: runs the CPU exactly to the icount of the next push event, applies
 * it, answers pull events from the log, and turns every mismatch into a DivergenceError.
 * The host is never touched.
 */
export class ReplayMode implements SessionMode {
  readonly ports: HostPorts;
  readonly lowLatency = false;
  private context!: SessionContext;
  private ahead: EventLookahead;
  /** Seq of the next event to apply. */
  private nextSeq = 0;
  /**
   * Seq of the first event never emitted to the event stream (the high-water mark): after a
   * seek backwards, events applied again are not emitted again.
   */
  private emittedSeq = 0;
  /** How far ahead `limitFor` last found the next push event (a hint; rescanned from there). */
  private nextPushAhead = 0;
  /** The last RECENT_EVENTS applied events, as a ring indexed by `applied`. */
  private readonly recent: RrEvent[] = [];
  private applied = 0;
  private stop: StopReason | null = null;

  constructor(
    /** The log's events from a sequence number on, a chunk at a time (LogReader.eventChunksFromSeq). */
    private readonly openLog: (fromSeq: number) => Iterator<RrEvent[]>,
    private readonly events: EventStream,
    private readonly end: ReplayEnd,
    /** Host I/O in flight (drives, BHs); in replay block I/O is redone from the images, BHs run from the log. */
    readonly io: FamilyIo = replayIo([]),
  ) {
    this.ahead = new EventLookahead(openLog(0));
    // Every pull port is answered from the log; the request must match the recorded one.
    const ports: Record<string, (...args: unknown[]) => unknown> = {};
    for (const family of PULL_FAMILIES) ports[family.port] = (...args: unknown[]) => this.pull(family, args);
    for (const family of START_FAMILIES) ports[family.port!] = (...args: unknown[]) => family.start!(io, args);
    this.ports = ports as unknown as HostPorts;
  }

  /** The replay's own state: the position in the log (the seq of the next event) and a stop already applied. */
  save(): ReplayPosition {
    return { seq: this.nextSeq, stop: this.stop };
  }

  /** Goes back (or forward) to a saved position; events before the high-water mark are not emitted again. */
  restore(position: ReplayPosition): void {
    this.ahead = new EventLookahead(this.openLog(position.seq));
    while (this.ahead.peek() !== undefined && this.ahead.peek()!.seq < position.seq) this.ahead.shift();
    this.nextSeq = position.seq;
    this.nextPushAhead = 0;
    this.stop = position.stop;
    // The events a divergence report lists are those applied since.
    this.applied = 0;
  }

  /** The next event of the log, not yet applied (undefined at the end). */
  peekEvent(): RrEvent | undefined {
    return this.ahead.peek();
  }

  attach(context: SessionContext): void {
    this.context = context;
  }

  /** Consumes the next event, re-emits it on the event stream for taps, remembers it for reports. */
  private apply(e: RrEvent): void {
    this.ahead.shift();
    if (this.nextPushAhead > 0) this.nextPushAhead--;
    this.nextSeq = e.seq + 1;
    if (e.seq < this.emittedSeq) return;
    this.emittedSeq = e.seq + 1;
    // Re-stamped in place: the stream numbers events exactly as the log does (seq has no gaps).
    this.events.emit(e, e.icount);
    this.recent[this.applied++ % RECENT_EVENTS] = e;
  }

  private diverge(expected: RrEvent | undefined | string, actual: string): never {
    const machine = this.context.machine;
    const what = expected === undefined ? `end of log at icount ${this.end.icount}` : typeof expected === 'string' ? expected : describeEvent(expected);
    const recent: RrEvent[] = [];
    for (let i = Math.max(0, this.applied - RECENT_EVENTS); i < this.applied; i++) recent.push(this.recent[i % RECENT_EVENTS]!);
    throw new DivergenceError({ icount: machine.icount, pc: machine.cpu.pc, expected: what, actual, recent });
  }

  private pull(family: AnyPullFamily, args: unknown[]): unknown {
    const icount = this.context.machine.icount;
    const e = this.ahead.peek();
    const answer = e !== undefined && e.kind === family.kind && e.icount === icount ? family.answer(e, args) : null;
    if (answer === null) this.diverge(e, `the guest ${family.request(args)} at icount ${icount}`);
    this.apply(e!);
    return answer;
  }

  limitFor(icount: number): number {
    // The next push event bounds the slice; pulls in between are answered as the guest asks.
    // Its position is remembered, so a long run of pulls is scanned once, not once per slice.
    // The scan looks at most LOOKAHEAD events ahead: stopping at a pull's icount is harmless.
    // A push due now was applied at the checkpoint unless a pull stands before it (a log no
    // recorder writes): run one instruction anyway, so the checkpoint reports it, never spins.
    for (let n = this.nextPushAhead; ; n++) {
      const e = this.ahead.peek(n);
      if (e === undefined) return this.end.icount;
      if (!isPull(e) || n >= LOOKAHEAD) {
        this.nextPushAhead = n;
        return Math.max(e.icount, icount + 1);
      }
    }
  }

  checkpoint(): void {
    const machine = this.context.machine;
    const icount = machine.icount;
    for (;;) {
      const e = this.ahead.peek();
      if (e !== undefined && e.icount < icount) {
        this.diverge(e, `the guest ran past icount ${e.icount} to ${icount} without ${isPull(e) ? 'asking for it' : 'reaching it'}`);
      }
      if (e === undefined || e.icount > icount || isPull(e)) {
        // A cut log (recorder killed) ends here: what remains, if anything, is a pull that the
        // next instruction would ask for, and its answer may be all the log still holds.
        if (!this.end.complete && icount >= this.end.icount) this.stop = { kind: 'log-end' };
        return;
      }
      switch (e.kind) {
        case 'CHECKPOINT':
          this.verify(e);
          break;
        case 'SHUTDOWN':
          this.apply(e);
          this.stop = stopFromShutdown(e.reason);
          return;
        case 'SNAPSHOT':
          break;
        case 'END':
          return this.diverge(e, 'the guest is still running (the recording ended here)');
        default: {
          const family = pushFamilyOf(e.kind);
          if (family === undefined) return this.diverge(e, `this machine has no device for ${e.kind} events`);
          // Consumed first: pulls its device makes while applying it follow it in the log.
          this.apply(e);
          // The event itself serves as its payload (the extra kind and stamp fields are ignored).
          const taken = family.apply(machine, e as never, this.io);
          if (taken === null || family.rest(e as never, taken) !== null) this.diverge(e, family.shortfall(e as never, taken));
          continue;
        }
      }
      this.apply(e);
    }
  }

  private verify(e: CheckpointEvent): void {
    const mismatch = checkpointMismatch(e.digest, this.context.machine, this.context.output);
    if (mismatch !== null) this.diverge(`CHECKPOINT @${e.icount} #${e.seq}: the recorded state`, `the state differs: ${mismatch}`);
  }

  async idle(): Promise<number | null> {
    return this.idleDivergence();
  }

  /** The hart sleeps with nothing pending and the log has nothing due to wake it: always a divergence. */
  idleDivergence(): never {
    const icount = this.context.machine.icount;
    return this.diverge(this.ahead.peek(), `the guest waits in WFI at icount ${icount} with nothing pending`);
  }

  shutdownRequested(): StopReason | null {
    return this.stop;
  }

  /**
   * Checks the closing events: a halt or a recorded SHUTDOWN must be followed by the final
   * CHECKPOINT and END at the same icount (a SHUTDOWN written when the log could not be written
   * further is followed by END alone). A user stop (`--until`) or a cut log checks nothing.
   */
  finish(stop: StopReason): StopReason {
    // Only a user's stop (--until) or a cut log skips the checks; a recorded max-insns stop does not.
    if (!(stop.kind === 'log-end' || (stop.kind === 'limit' && this.stop === null))) {
      const icount = this.context.machine.icount;
      const describe = stop.kind === 'halt' ? `the guest halted (${stop.halt.kind}) at icount ${icount}` : `the run stopped at icount ${icount}`;
      const checkpoint = this.ahead.peek();
      // A log its recorder could not write to the end (LogWriter.salvage) has no final state.
      const salvaged = stop.kind === 'shutdown' && checkpoint?.kind === 'END' && checkpoint.icount === icount;
      if (!salvaged) {
        if (checkpoint?.kind !== 'CHECKPOINT' || checkpoint.icount !== icount) this.diverge(checkpoint, describe);
        this.verify(checkpoint);
        this.apply(checkpoint);
      }
      const end = this.ahead.peek();
      if (end?.kind !== 'END' || end.icount !== icount) this.diverge(end, describe);
      this.apply(end);
    }
    // On a divergence the caller errors the stream instead, so taps see the failure.
    this.events.complete();
    return stop;
  }
}
