import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToHost } from 'node:timers/promises';
import { decodeSnapshot, type LogReader } from '../../codecs/index.js';
import { EventStream } from '../../streams/event-stream.js';
import type { ExecStreams } from '../../streams/exec-streams.js';
import type { StopReason } from '../core/stop-reason.js';
import { peekCsr } from '../machine/cpu/csr-file.js';
import type { ElfImage } from '../machine/elf-image.js';
import { MemoryMap } from '../machine/memory-map.js';
import type { DebugTarget, ResumeAction, StopEvent, WatchKind } from './debug-target.js';
import { DivergenceError } from './divergence.js';
import { RrvmError } from '../core/rrvm-error.js';
import { memoryAccessAt } from './memory-access.js';
import { replayMachineConfig } from './replay-config.js';
import type { Drive } from './block-io.js';
import { replayIo, restoreIo, saveIo } from './replay-io.js';
import { ReplayMode } from './replay-mode.js';
import { Session, SLICE_ICOUNT } from './session.js';
import type { Snapshot } from './snapshot.js';
import { SnapshotStore } from './snapshot-store.js';
import { logStartSnapshot } from './log-start.js';
import { restoreSnapshotRecord } from './snapshot-file.js';

/** Default instructions between automatic snapshots. */
export const SNAPSHOT_EVERY = 1 << 24;
/** A seek that runs further than this from its snapshot leaves one more snapshot this close to its target. */
const FINE_SNAPSHOT_EVERY = 1 << 18;
/** Host time a resume runs before it yields to the event loop (gdb's Ctrl-C, the socket). */
const RUN_CHUNK_MS = 20;

/** Everything a time-travel session is built from. */
export interface TimeTravelOptions {
  image: ElfImage;
  reader: LogReader;
  /** Console output, each byte once: only when execution first passes it. */
  onConsole: (bytes: Uint8Array) => void;
  /** Memory cap of the automatic snapshots (default: 4 × guest RAM, 512 MiB for 128 MiB). */
  snapshotMemBytes?: number;
  /** Instructions between automatic snapshots (default 2^24). */
  snapshotEvery?: number;
  /** The stream taps subscribe to; events are emitted once, as execution first passes them. */
  events?: EventStream;
  /** The recorded drives, opened again (read-only bases, writes in memory), by drive index. */
  drives?: readonly Drive[];
  /** Frames the guest transmits, each once: only when execution first passes it (nothing is sent anywhere). */
  onNetTx?: (netdev: number, frame: Uint8Array, icount: number) => void;
  /** The execution taps' streams: they report each instruction once, when execution first passes it. */
  exec?: ExecStreams;
}

/** Where a forward run stopped. */
type RunStop =
  | { kind: 'target' }
  | { kind: 'paused' }
  | { kind: 'breakpoint' }
  /** `before`: stopped before the accessing instruction (read path), else just after it (write path). */
  | { kind: 'watch'; watch: Watch; address: number; before: boolean }
  | { kind: 'end'; stop: StopReason }
  | { kind: 'divergence'; message: string };

interface Watch {
  kind: WatchKind;
  address: number;
  length: number;
}

/**
 * A replay that moves in both directions (DESIGN §7): automatic snapshots under a memory cap,
 * `seek` = restore the nearest earlier snapshot and run forward exactly to the target,
 * breakpoints and watchpoints, reverse step and reverse continue. Console output and events
 * are emitted only past the furthest point reached (Session and ReplayMode keep the marks).
 */
export class TimeTravelSession implements DebugTarget {
  readonly session: Session;
  readonly mode: ReplayMode;
  readonly snapshots: SnapshotStore;
  readonly endIcount: number;
  /** Where the log starts: 0, or the icount a cut log (`rrvm cut`) starts from. */
  readonly startIcount: number;
  private readonly snapshotEvery: number;
  private readonly breakpoints = new Set<number>();
  private readonly watches: Watch[] = [];
  /** True while breakpoints and write watches are in the machine (they are lifted during seeks). */
  private armed = true;
  private interruptRequested = false;
  /** Where the replay disagreed with the log; nothing runs past it. */
  private diverged: { icount: number; message: string } | null = null;
  /** The closing events were checked at the current end position (reset by any restore). */
  private finished = false;
  /** The furthest icount execution reached: execution taps are suspended below it. */
  private furthest: number;

  constructor(options: TimeTravelOptions) {
    const { reader } = options;
    const drives = options.drives ?? [];
    if (drives.length !== reader.header.disks.length) {
      throw new RrvmError('gdb.disks', `${reader.name}: the recording has ${reader.header.disks.length} drive(s), ${drives.length} were opened`);
    }
    const events = options.events ?? new EventStream();
    this.endIcount = reader.footer?.endIcount ?? reader.truncatedAt?.icount ?? 0;
    const end = { icount: this.endIcount, complete: reader.footer !== null };
    const io = replayIo(drives, (netdev, frame) => options.onNetTx?.(netdev, frame, this.session.machine.icount));
    this.mode = new ReplayMode((seq) => reader.eventChunksFromSeq(seq), events, end, io);
    this.session = new Session(options.image, this.mode, {
      config: replayMachineConfig(reader.header, reader.name),
      maxInsns: Infinity,
      onConsole: (bytes) => options.onConsole(bytes),
      ...(options.exec === undefined ? {} : { exec: options.exec }),
    });
    const start = logStartSnapshot(reader);
    if (start !== null) restoreSnapshotRecord(decodeSnapshot(start.bytes, this.session.machine.saveRecords(), start.name), this.session, this.mode, reader.header, start.name);
    this.startIcount = this.session.machine.icount;
    this.furthest = this.startIcount;
    this.snapshots = new SnapshotStore(options.snapshotMemBytes ?? 4 * reader.header.ramBytes);
    this.snapshotEvery = options.snapshotEvery ?? SNAPSHOT_EVERY;
    this.takeSnapshot();
  }

  get icount(): number {
    return this.session.machine.icount;
  }

  readRegisters(): Int32Array {
    const cpu = this.session.machine.cpu;
    const out = new Int32Array(33);
    out.set(cpu.x.subarray(0, 32));
    out[0] = 0;
    out[32] = cpu.pc;
    return out;
  }

  readRegister(regnum: number): number | null {
    const cpu = this.session.machine.cpu;
    if (regnum >= 0 && regnum < 32) return regnum === 0 ? 0 : cpu.x[regnum]!;
    if (regnum === 32) return cpu.pc;
    if (regnum >= 65 && regnum < 65 + 4096) return peekCsr(cpu, regnum - 65);
    return null;
  }

  readMemory(address: number, length: number): Uint8Array | null {
    const ram = this.session.machine.ram;
    const off = (address >>> 0) - MemoryMap.RAM;
    if (off < 0 || length < 0 || off + length > ram.bytes) return null;
    return ram.u8.slice(off, off + length);
  }

  setBreakpoint(address: number): void {
    this.breakpoints.add(address >>> 0);
    if (this.armed) this.session.machine.cpu.setBreakpoint(address);
  }

  removeBreakpoint(address: number): void {
    if (!this.breakpoints.delete(address >>> 0)) return;
    if (this.armed) this.session.machine.cpu.removeBreakpoint(address);
  }

  setWatchpoint(kind: WatchKind, address: number, length: number): void {
    const watch = { kind, address: address >>> 0, length };
    this.watches.push(watch);
    if (this.armed && kind !== 'read') this.session.machine.addWriteWatch(watch.address, length);
  }

  removeWatchpoint(kind: WatchKind, address: number, length: number): void {
    const i = this.watches.findIndex((w) => w.kind === kind && w.address === address >>> 0 && w.length === length);
    if (i < 0) return;
    this.watches.splice(i, 1);
    if (this.armed && kind !== 'read') this.session.machine.removeWriteWatch(address >>> 0, length);
  }

  interrupt(): void {
    this.interruptRequested = true;
  }

  async resume(action: ResumeAction): Promise<StopEvent> {
    this.interruptRequested = false;
    switch (action) {
      case 'step':
        return this.stepForward();
      case 'continue':
        return this.continueForward();
      case 'reverse-step':
        return this.stepBackward();
      case 'reverse-continue':
        return this.continueBackward();
    }
  }

  async seek(icount: number): Promise<StopEvent | null> {
    const target = Math.max(this.startIcount, Math.min(Math.floor(icount), this.endIcount));
    const stop = this.moveTo(target);
    if (stop !== null) return stop;
    return target === this.startIcount && icount <= this.startIcount ? { reason: 'start-of-log' } : null;
  }

  describe(): string {
    const machine = this.session.machine;
    const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
    const icounts = this.snapshots.icounts();
    return [
      `icount ${machine.icount} of ${this.endIcount}, pc 0x${(machine.cpu.pc >>> 0).toString(16).padStart(8, '0')}${machine.halted !== null ? `, guest halted (${machine.halted.kind})` : ''}`,
      `snapshots: ${icounts.length} holding ${mib(this.snapshots.heldBytes)} MiB of ${mib(this.snapshots.capBytes)} MiB, every ${this.snapshotEvery} instructions (latest at ${icounts[icounts.length - 1] ?? 0})`,
      `breakpoints: ${this.breakpoints.size}, watchpoints: ${this.watches.length}${this.diverged !== null ? `; replay diverged at icount ${this.diverged.icount}` : ''}`,
    ].join('\n');
  }

  snapshot(): string {
    const s = this.takeSnapshot();
    return `snapshot at icount ${s.icount} (event #${s.replay.seq}); ${this.snapshots.count} held, ${(this.snapshots.heldBytes / 2 ** 20).toFixed(1)} MiB`;
  }

  /** Takes a snapshot of the current position and keeps it with the automatic ones. */
  takeSnapshot(): Snapshot {
    const snapshot: Snapshot = { icount: this.icount, session: this.session.save(), replay: this.mode.save(), io: saveIo(this.mode.io) };
    this.snapshots.add(snapshot);
    return snapshot;
  }

  // --- forward ---------------------------------------------------------------------------

  private async stepForward(): Promise<StopEvent> {
    const start = this.icount;
    if (this.readWatchHitAtPc() !== null) return this.readWatchStop();
    for (;;) {
      const stop = this.run(start + 1, true, start);
      if (stop.kind === 'target') return { reason: 'step' };
      if (stop.kind !== 'paused') return this.forwardStop(stop);
    }
  }

  private async continueForward(): Promise<StopEvent> {
    const start = this.icount;
    let skipReadWatchAt = start;
    for (;;) {
      const stop = this.hasReadWatches() ? this.runInstrumented(Infinity, skipReadWatchAt) : this.run(Infinity, true, start);
      if (stop.kind !== 'paused') return this.forwardStop(stop);
      skipReadWatchAt = -1;
      await yieldToHost();
      if (this.interruptRequested) return { reason: 'interrupted' };
    }
  }

  /** Turns a forward run's stop into what the debugger sees; a write watch is reported before the writing instruction. */
  private forwardStop(stop: RunStop): StopEvent {
    switch (stop.kind) {
      case 'breakpoint':
        return { reason: 'breakpoint', pc: this.session.machine.cpu.pc >>> 0 };
      case 'watch': {
        // gdb treats RISC-V watchpoints as non-steppable: it expects the stop before the
        // access, then steps over it itself and shows the old and new value after it.
        if (!stop.before) this.moveTo(this.icount - 1);
        return { reason: 'watchpoint', kind: stop.watch.kind, address: stop.address };
      }
      case 'end':
        return { reason: 'end-of-log', message: this.endMessage(stop.stop) };
      case 'divergence':
        return { reason: 'divergence', message: stop.message };
      default:
        return { reason: 'step' };
    }
  }

  // --- backward --------------------------------------------------------------------------

  private async stepBackward(): Promise<StopEvent> {
    const here = this.icount;
    if (here === this.startIcount) return { reason: 'start-of-log' };
    // A write watch hit by the instruction being undone is reported here, before moving: gdb
    // then steps back over it and shows the value before the write as the new value.
    if (this.watches.length > 0) {
      const before = this.moveTo(here - 1);
      if (before !== null) return before;
      // Does the instruction being undone access a watched location? A read shows before it
      // runs; a write shows by running it.
      const read = this.readWatchHitAtPc();
      const stop = read === null ? this.run(here, true, this.icount) : null;
      const hit = read !== null ? { kind: read.kind, address: read.address } : stop?.kind === 'watch' ? { kind: stop.watch.kind, address: stop.address } : null;
      // Reported here, after the access: gdb steps back over it and compares the values.
      this.moveTo(hit !== null ? here : here - 1);
      return hit !== null ? { reason: 'watchpoint', ...hit } : { reason: 'step' };
    }
    const stop = this.moveTo(here - 1);
    return stop ?? { reason: 'step' };
  }

  /**
   * The last breakpoint or watchpoint hit before the current position, searched backwards
   * one snapshot interval at a time: restore the interval's snapshot, run it forward noting
   * every hit, and go to the last one; or on to the interval before.
   */
  private async continueBackward(): Promise<StopEvent> {
    const here = this.icount;
    let hi = here;
    while (hi > this.startIcount) {
      const from = this.snapshots.before(hi)!;
      this.restore(from);
      let last: { icount: number; event: StopEvent } | null = null;
      let skipAt = -1;
      for (;;) {
        const stop = this.hasReadWatches() ? this.runInstrumented(hi, skipAt) : this.run(hi, true, skipAt);
        if (stop.kind === 'paused') {
          await yieldToHost();
          if (this.interruptRequested) break;
          continue;
        }
        if (stop.kind === 'breakpoint' && this.icount < here) {
          last = { icount: this.icount, event: { reason: 'breakpoint', pc: this.session.machine.cpu.pc >>> 0 } };
        } else if (stop.kind === 'watch') {
          // Going backwards every hit is reported just after the access (gdb steps back over
          // it): a read watch stops before the read, so its report is one instruction later.
          const after = stop.before ? this.icount + 1 : this.icount;
          if (after <= here) last = { icount: after, event: { reason: 'watchpoint', kind: stop.watch.kind, address: stop.address } };
        }
        if (stop.kind !== 'breakpoint' && stop.kind !== 'watch') break;
        skipAt = this.icount;
        if (stop.kind === 'watch' && stop.before) {
          // Step past the read so the search goes on.
          this.run(this.icount + 1, false, this.icount);
        }
      }
      if (last !== null) {
        this.moveTo(last.icount);
        return last.event;
      }
      if (this.interruptRequested) {
        this.moveTo(from.icount);
        return { reason: 'interrupted' };
      }
      hi = from.icount;
    }
    this.moveTo(0);
    return { reason: 'start-of-log' };
  }

  // --- moving ----------------------------------------------------------------------------

  /**
   * Goes to `target` in either direction with breakpoints and watches lifted: from the current
   * position when it lies between the nearest snapshot and the target, else from that
   * snapshot. Returns a stop only if the log ends or diverges first.
   */
  private moveTo(target: number): StopEvent | null {
    const from = this.snapshots.atOrBefore(target)!;
    if (target < this.icount || from.icount > this.icount) this.restore(from);
    this.disarm();
    try {
      // A long run leaves a snapshot close to the target, so stepping back from there is quick.
      const fine = target - (target % FINE_SNAPSHOT_EVERY);
      if (fine - this.icount > FINE_SNAPSHOT_EVERY && fine > from.icount) {
        const stop = this.runToEnd(fine);
        if (stop !== null) return stop;
        if (this.snapshots.atOrBefore(fine)!.icount !== fine) this.takeSnapshot();
      }
      return this.runToEnd(target);
    } finally {
      this.arm();
    }
  }

  private runToEnd(target: number): StopEvent | null {
    for (;;) {
      const stop = this.run(target, false, -1);
      if (stop.kind === 'target') return null;
      if (stop.kind !== 'paused') return this.forwardStop(stop);
    }
  }

  private restore(snapshot: Snapshot): void {
    this.session.restore(snapshot.session);
    this.mode.restore(snapshot.replay);
    restoreIo(this.mode.io, snapshot.io);
    // A snapshot taken at the very end already applied the closing CHECKPOINT and END.
    this.finished = this.mode.peekEvent() === undefined;
    const machine = this.session.machine;
    machine.cpu.breakpointHit = false;
    machine.watchHit = null;
  }

  /**
   * Runs forward to `target` (exclusive of anything after it) for at most RUN_CHUNK_MS.
   * With `hits`, stops at a breakpoint (before its instruction; not at `skipBreakpointAt`,
   * where the run resumes from one) or after an instruction that wrote a watched location.
   * Takes automatic snapshots on the way.
   */
  private run(target: number, hits: boolean, skipBreakpointAt: number): RunStop {
    const { session } = this;
    const machine = session.machine;
    const cpu = machine.cpu;
    const deadline = performance.now() + RUN_CHUNK_MS;
    for (;;) {
      if (this.diverged !== null && machine.icount >= this.diverged.icount) return { kind: 'divergence', message: this.diverged.message };
      if (machine.icount >= target) return { kind: 'target' };
      // Execution taps heard everything up to the furthest point already: they resume there.
      const behind = machine.icount < this.furthest;
      machine.suspendObservation(behind);
      const limit = Math.min(target, this.nextSnapshotIcount(), machine.icount + SLICE_ICOUNT, behind ? this.furthest : Infinity);
      let outcome: ReturnType<Session['runSlice']>;
      try {
        if (machine.icount === skipBreakpointAt) {
          outcome = null;
          cpu.stepOverBreakpoint(() => {
            outcome = session.runSlice(machine.icount + 1);
          });
          skipBreakpointAt = -1;
        } else {
          outcome = session.runSlice(limit);
        }
        if (outcome === 'idle') this.mode.idleDivergence();
        if (outcome !== null && !this.finished) {
          this.finished = true;
          this.mode.finish(outcome);
        }
      } catch (err) {
        if (!(err instanceof DivergenceError)) throw err;
        this.diverged = { icount: machine.icount, message: err.message };
        return { kind: 'divergence', message: err.message };
      }
      this.furthest = Math.max(this.furthest, machine.icount);
      if (cpu.breakpointHit) {
        cpu.breakpointHit = false;
        if (hits) return { kind: 'breakpoint' };
        skipBreakpointAt = machine.icount;
      }
      if (machine.watchHit !== null) {
        const address = machine.watchHit;
        machine.watchHit = null;
        const watch = this.watches.find((w) => w.kind !== 'read' && address === w.address);
        if (hits && watch !== undefined) return { kind: 'watch', watch, address, before: false };
      }
      if (outcome !== null) return { kind: 'end', stop: outcome };
      if (machine.icount >= this.nextSnapshotIcount()) this.takeSnapshot();
      if (performance.now() > deadline) return { kind: 'paused' };
    }
  }

  /**
   * The slow path for read and access watchpoints: one instruction at a time, checking the
   * address each one loads from before it runs (the stop is before the read).
   */
  private runInstrumented(target: number, skipAt: number): RunStop {
    const deadline = performance.now() + RUN_CHUNK_MS;
    for (let n = 0; ; n++) {
      if (this.icount >= target) return { kind: 'target' };
      if (this.icount !== skipAt) {
        const hit = this.readWatchHitAtPc();
        if (hit !== null) return { kind: 'watch', watch: hit, address: hit.address, before: true };
      }
      const from = this.icount;
      const stop = this.run(from + 1, true, from);
      if (stop.kind !== 'target' && stop.kind !== 'paused') return stop;
      if ((n & 1023) === 0 && performance.now() > deadline) return { kind: 'paused' };
    }
  }

  private hasReadWatches(): boolean {
    return this.watches.some((w) => w.kind !== 'write');
  }

  /** The read or access watch that the instruction at pc is about to load from, or null. */
  private readWatchHitAtPc(): Watch | null {
    if (!this.hasReadWatches()) return null;
    const access = memoryAccessAt(this.session.machine.cpu);
    if (access === null || !access.load) return null;
    const lo = access.address >>> 0;
    return this.watches.find((w) => w.kind !== 'write' && lo < w.address + w.length && lo + access.size > w.address) ?? null;
  }

  private readWatchStop(): StopEvent {
    const hit = this.readWatchHitAtPc()!;
    return { reason: 'watchpoint', kind: hit.kind, address: hit.address };
  }

  private nextSnapshotIcount(): number {
    return this.snapshots.atOrBefore(this.icount)!.icount + this.snapshotEvery;
  }

  /** Lifts breakpoints and write watches out of the machine (seeks run at full speed). */
  private disarm(): void {
    if (!this.armed) return;
    const machine = this.session.machine;
    for (const address of this.breakpoints) machine.cpu.removeBreakpoint(address);
    for (const w of this.watches) if (w.kind !== 'read') machine.removeWriteWatch(w.address, w.length);
    this.armed = false;
  }

  private arm(): void {
    if (this.armed) return;
    const machine = this.session.machine;
    for (const address of this.breakpoints) machine.cpu.setBreakpoint(address);
    for (const w of this.watches) if (w.kind !== 'read') machine.addWriteWatch(w.address, w.length);
    this.armed = true;
  }

  private endMessage(stop: StopReason): string {
    const at = `end of the recording at icount ${this.icount}`;
    switch (stop.kind) {
      case 'halt':
        return `${at}: the guest halted (${stop.halt.kind}${stop.halt.kind === 'fail' ? `, code ${stop.halt.code}` : ''})`;
      case 'shutdown':
        return `${at}: ${stop.reason}`;
      case 'log-end':
        return `${at}: the log ends here (the recorder was killed?)`;
      case 'limit':
        return `${at}: the recording was stopped there by --max-insns`;
      case 'idle':
        return `${at}: the guest waited for an interrupt that could never arrive`;
    }
  }
}
