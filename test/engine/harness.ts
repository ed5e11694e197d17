// In-process record/replay harness for the engine tests. It wires Session + LiveMode +
// EventStream + recordSink + LogWriter (record) and Session + ReplayMode + LogReader (replay)
// exactly as src/cli/live-run.ts and src/cli/replay-run.ts do, minus stdout, taps and signals,
// and returns what a test compares: console bytes, stop reason, icount and the final digest.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogReader, LogWriter } from '../../codecs/index.js';
import type { LogFooter, LogHeader, LogWriterOptions } from '../../codecs/index.js';
import { EventStream } from '../../streams/event-stream.js';
import { inputScript$ } from '../../streams/sources/input-script.js';
import type { ScriptLine } from '../../streams/sources/input-script.js';
import { fullStateDigest } from '../../src/engine/checkpoint-digest.js';
import type { RrEvent } from '../../src/core/event.js';
import type { IdlePolicy } from '../../src/engine/live-mode.js';
import { liveSession } from '../../src/engine/live-session.js';
import { ReplayMode } from '../../src/engine/replay-mode.js';
import { replayIo } from '../../src/engine/replay-io.js';
import type { DriveOption } from '../../src/cli/drive-options.js';
import { openLiveDrives, openReplayDrives } from '../../src/cli/open-drives.js';
import { netRxFamily } from '../../src/engine/families/net-rx.js';
import { serialFamily } from '../../src/engine/families/serial.js';
import { scriptInput } from '../../src/cli/host-serial.js';
import type { InputAction } from '../../streams/sources/input-actions.js';
import { InputQueue } from '../../src/engine/input-queue.js';
import { headerDevices } from '../../src/engine/families/registry.js';
import { replayMachineConfig } from '../../src/engine/replay-config.js';
import type { VirtioSpec } from '../../src/machine/machine.js';
import { Session } from '../../src/engine/session.js';
import type { SessionContext, SessionMode } from '../../src/engine/session-mode.js';
import type { StopReason } from '../../src/core/stop-reason.js';
import { parseElf } from '../../src/machine/elf-loader.js';
import { DEFAULT_RAM_BYTES, MemoryMap } from '../../src/machine/memory-map.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** Every example guest with a committed ELF. */
export const EXAMPLE_GUESTS = ['hello', 'echo', 'clock', 'cpu-bench', 'isa-selftest', 'rtc-loop', 'debug-demo', 'paging'] as const;
export type ExampleGuest = (typeof EXAMPLE_GUESTS)[number];

/** Path of an example guest's ELF. */
export function guestElf(guest: ExampleGuest): string {
  return join(REPO_ROOT, 'examples', guest, `${guest}.elf`);
}

/** Default instructions between CHECKPOINT events, as `rrvm record` (2^24). */
export const DEFAULT_CHECKPOINT_EVERY = 2 ** 24;

/** A temporary directory for one test file; `remove` deletes it (call it in afterAll). */
export function tempDir(prefix: string): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rrvm-${prefix}-`));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bytes of a string (latin1: one byte per char, so any byte value can be written). */
export const bytesOf = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));

/** One step of scripted input: wait `delayMs` after the previous step, then deliver `bytes` (and `input` actions). */
export interface InputStep {
  delayMs: number;
  bytes: Uint8Array;
  /** Keyboard or mouse actions delivered after the bytes. */
  input?: InputAction[];
}

/** Serial input of a recording: none (closed at once), everything at once, or a timed script. */
export type SerialInput = { kind: 'none' } | { kind: 'all'; bytes: Uint8Array } | { kind: 'script'; steps: readonly InputStep[] };

/** What a recording is made of. */
export interface RecordOptions {
  /** The guest: an ELF path, or its bytes (then `elfPath` in the header is `<bytes>`). */
  elf: string | Uint8Array;
  /** Where the log goes. */
  logPath: string;
  input?: SerialInput;
  sliceIcount?: number;
  checkpointEvery?: number;
  maxInsns?: number;
  ramBytes?: number;
  icountShift?: number;
  idle?: IdlePolicy;
  writer?: LogWriterOptions;
  /** Optional virtio devices (`--rng`). */
  virtio?: VirtioSpec[];
  /** `--chaos-io SEED`: random extra delays before block completions and BHs. */
  chaosSeed?: number;
  /** `--drive` options (opened as `rrvm record` opens them; their virtio-blk devices come first). */
  drives?: DriveOption[];
  /** Frames for netdev 0, each `delayMs` after the previous one (the input then closes after the last); needs a virtio-net in `virtio`. */
  netFrames?: readonly { delayMs: number; frame: Uint8Array }[];
  /** Hears every frame the guest transmits. */
  onNetTx?: (frame: Uint8Array) => void;
}

/** What a record or a replay produced. */
export interface RunOutcome {
  console: Buffer;
  stop: StopReason;
  icount: number;
  /** fullStateDigest(machine, output) after the run. */
  digest: string;
  /** Events emitted on the event stream (END included). */
  events: number;
}

/** A finished recording. */
export interface Recording extends RunOutcome {
  logPath: string;
  footer: LogFooter;
}

function elfBytes(elf: string | Uint8Array): Buffer {
  return typeof elf === 'string' ? readFileSync(elf) : Buffer.from(elf);
}

/** Records a guest into `logPath`, mirroring `rrvm record` (src/cli/live-run.ts). */
export async function recordGuest(options: RecordOptions): Promise<Recording> {
  const bytes = elfBytes(options.elf);
  const ramBytes = options.ramBytes ?? DEFAULT_RAM_BYTES;
  const icountShift = options.icountShift ?? 3;
  const checkpointEvery = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  const image = parseElf(bytes, MemoryMap.RAM, ramBytes);
  const opened = openLiveDrives(options.drives ?? []);
  const virtio = [...opened.virtio, ...(options.virtio ?? [])];
  const writer = LogWriter.open(
    options.logPath,
    {
      rrvmVersion: 'test',
      createdAt: new Date(0).toISOString(),
      compression: 'none',
      checkpointEvery,
      ramBytes,
      icountShift,
      elfSha256: createHash('sha256').update(bytes).digest('hex'),
      elfPath: typeof options.elf === 'string' ? resolve(options.elf) : '<bytes>',
      disks: opened.disks,
      devices: headerDevices({ ramBytes, icountShift, virtio }),
    },
    options.writer,
  );
  const queue = new InputQueue();
  const input = options.input ?? { kind: 'none' };
  let script: { unsubscribe(): void } | undefined;
  if (options.netFrames !== undefined) {
    // As `--net` feeds it: each frame a NET_RX input of netdev 0, at its time.
    const lines: ScriptLine[] = options.netFrames.map((f, i) => ({ line: i + 1, afterMs: f.delayMs, serial: f.frame }));
    script = inputScript$(lines).subscribe({
      next: (scripted) => {
        if ('serial' in scripted) queue.push(netRxFamily.capture({ netdev: 0, frame: scripted.serial }));
      },
      complete: () => queue.close(),
    });
  } else if (input.kind === 'none') queue.close();
  else if (input.kind === 'all') {
    queue.push(serialFamily.capture(input.bytes));
    queue.close();
  } else {
    // The same player as `--input-script`: cumulative delays on the async scheduler.
    const lines: ScriptLine[] = input.steps.map((s, i) => ({ line: i + 1, afterMs: s.delayMs, serial: s.bytes, ...(s.input === undefined ? {} : { input: s.input }) }));
    script = inputScript$(lines).subscribe({
      next: (scripted) => queue.push(scriptInput(scripted)),
      complete: () => queue.close(),
    });
  }
  const console: Uint8Array[] = [];
  // The same factory `rrvm record` uses (src/cli/live-run.ts).
  const live = liveSession({
    image,
    config: { ramBytes, icountShift, virtio },
    drives: opened.drives,
    maxInsns: options.maxInsns ?? Infinity,
    ...(options.sliceIcount === undefined ? {} : { sliceIcount: options.sliceIcount }),
    input: queue,
    interactive: false,
    ...(options.chaosSeed === undefined ? {} : { chaosSeed: options.chaosSeed }),
    idle: options.idle ?? 'skip',
    record: { writer, checkpointEvery },
    onConsole: (out) => console.push(Uint8Array.from(out)),
    ...(options.onNetTx === undefined ? {} : { onNetTx: (_netdev: number, frame: Uint8Array) => options.onNetTx!(frame) }),
  });
  try {
    const { result, footer } = await live.run();
    return {
      console: Buffer.concat(console),
      stop: result.stop,
      icount: result.icount,
      digest: fullStateDigest(live.session.machine, live.session.output),
      events: live.events.count,
      logPath: options.logPath,
      footer: footer!,
    };
  } finally {
    script?.unsubscribe();
    opened.close();
  }
}

/** How a log is replayed. */
export interface ReplayOptions {
  /** The guest ELF (path or bytes); default the path in the header. */
  elf?: string | Uint8Array;
  /** Replay even when the ELF's SHA-256 differs from the header's (`--force`). */
  force?: boolean;
  sliceIcount?: number;
  /** Stop after this many instructions (`--until`). */
  until?: number;
  /**
   * Fail instead of spinning when this many checkpoints in a row make no progress (same icount,
   * no event applied); a hang in the gate then surfaces as an error. Default 10 000.
   */
  stallCheckpoints?: number;
  /** Hears every frame the replayed guest transmits. */
  onNetTx?: (frame: Uint8Array) => void;
}

/** A replay that made no progress: the gate would spin forever. */
export class ReplayStallError extends Error {
  constructor(readonly icount: number) {
    super(`replay made no progress at icount ${icount} (the gate spins)`);
  }
}

/**
 * Delegates to a SessionMode and throws ReplayStallError when the slice loop keeps coming back
 * to a checkpoint at the same icount without applying anything: the session would never end.
 */
class StallWatchdog implements SessionMode {
  private context!: SessionContext;
  private lastIcount = -1;
  private lastApplied = -1;
  private stalls = 0;

  constructor(
    private readonly inner: SessionMode,
    private readonly applied: () => number,
    private readonly limit: number,
  ) {}

  get ports() {
    return this.inner.ports;
  }
  get lowLatency() {
    return this.inner.lowLatency;
  }
  attach(context: SessionContext): void {
    this.context = context;
    this.inner.attach(context);
  }
  limitFor(icount: number): number {
    return this.inner.limitFor(icount);
  }
  checkpoint(): void {
    this.inner.checkpoint();
    const icount = this.context.machine.icount;
    const applied = this.applied();
    if (icount === this.lastIcount && applied === this.lastApplied) {
      if (++this.stalls >= this.limit) throw new ReplayStallError(icount);
    } else this.stalls = 0;
    this.lastIcount = icount;
    this.lastApplied = applied;
  }
  idle(): Promise<number | null> {
    return this.inner.idle();
  }
  shutdownRequested(): StopReason | null {
    return this.inner.shutdownRequested();
  }
  finish(stop: StopReason): StopReason {
    return this.inner.finish(stop);
  }
}

/** What a replay produced, plus the log's header and whether it was complete. */
export interface ReplayOutcome extends RunOutcome {
  header: LogHeader;
  complete: boolean;
}

/**
 * Replays a log, mirroring `rrvm replay` (src/cli/replay-run.ts). The session is built as
 * src/engine/replay-session.ts builds it, with the gate wrapped in a stall watchdog so that a
 * spinning gate fails the test instead of hanging it. A mismatch throws DivergenceError.
 */
export async function replayLog(logPath: string, options: ReplayOptions = {}): Promise<ReplayOutcome> {
  const reader = LogReader.open(logPath);
  const header = reader.header;
  const bytes = elfBytes(options.elf ?? header.elfPath);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== header.elfSha256 && options.force !== true) {
    throw new Error(`ELF sha256 ${sha} does not match the log's ${header.elfSha256} (pass force)`);
  }
  const image = parseElf(bytes, MemoryMap.RAM, header.ramBytes);
  const end =
    reader.footer !== null ? { icount: reader.footer.endIcount, complete: true } : { icount: reader.truncatedAt?.icount ?? 0, complete: false };
  const events = new EventStream();
  const drives = openReplayDrives(header.disks, []);
  const io = replayIo(drives, (_netdev, frame) => options.onNetTx?.(frame));
  const gate = new ReplayMode((seq) => reader.eventChunksFromSeq(seq), events, end, io);
  const mode = new StallWatchdog(gate, () => events.count, options.stallCheckpoints ?? 10_000);
  const console: Uint8Array[] = [];
  const session = new Session(image, mode, {
    config: replayMachineConfig(header, logPath),
    maxInsns: options.until ?? Infinity,
    onConsole: (out) => console.push(Uint8Array.from(out)),
    sliceIcount: options.sliceIcount,
  });
  try {
    const result = await session.run();
    return {
      console: Buffer.concat(console),
      stop: result.stop,
      icount: result.icount,
      digest: fullStateDigest(session.machine, session.output),
      events: events.count,
      header,
      complete: end.complete,
    };
  } catch (err) {
    events.error(err);
    throw err;
  } finally {
    for (const d of drives) d.image.close();
  }
}

/** Every event of a log, in order (decoded with LogReader). */
export function readEvents(logPath: string): { header: LogHeader; events: RrEvent[] } {
  const reader = LogReader.open(logPath);
  return { header: reader.header, events: [...reader.events()] };
}

/**
 * Re-writes a log with LogWriter: `edit` may change the header and the events (END excluded;
 * the log is closed at `endIcount`, default the original END's icount).
 */
export function rewriteLog(
  from: string,
  to: string,
  edit: { header?: (h: LogHeader) => LogHeader; events?: (events: RrEvent[]) => RrEvent[]; endIcount?: number },
): void {
  const { header, events } = readEvents(from);
  const endEvent = events.find((e) => e.kind === 'END');
  const body = events.filter((e) => e.kind !== 'END').map((e) => ({ ...e }) as RrEvent);
  const edited = edit.events ? edit.events(body) : body;
  const writer = LogWriter.open(to, edit.header ? edit.header({ ...header }) : header);
  edited.forEach((e, seq) => writer.append({ ...e, seq } as RrEvent));
  writer.close({ icount: edit.endIcount ?? endEvent?.icount ?? edited.at(-1)?.icount ?? 0 });
}

/** A stop reason as a short comparable string (`halt:pass`, `limit`, `log-end`, …). */
export function stopText(stop: StopReason): string {
  switch (stop.kind) {
    case 'halt':
      return stop.halt.kind === 'fail' ? `halt:fail:${stop.halt.code}` : `halt:${stop.halt.kind}`;
    case 'shutdown':
      return `shutdown:${stop.reason}`;
    default:
      return stop.kind;
  }
}
