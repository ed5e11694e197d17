import { decodeSnapshot, type LogReader, type SnapshotRecord } from '../../codecs/index.js';
import { EventStream } from '../../streams/event-stream.js';
import type { ExecStreams } from '../../streams/exec-streams.js';
import type { ElfImage } from '../machine/elf-image.js';
import { replayMachineConfig } from './replay-config.js';
import type { Drive } from './block-io.js';
import { replayIo } from './replay-io.js';
import type { AudioWav } from '../../streams/taps/audio-wav.js';
import { ReplayMode } from './replay-mode.js';
import { Session, type SessionResult } from './session.js';
import { restoreSnapshotRecord, snapshotRecordOf } from './snapshot-file.js';
import { logStartSnapshot, type StartSnapshot } from './log-start.js';

/** Everything a replay is built from. */
export interface ReplaySessionOptions {
  image: ElfImage;
  reader: LogReader;
  /** Stop after this many instructions (`--until`), or Infinity. */
  maxInsns: number;
  sliceIcount?: number;
  /** Execution taps' streams (`--tap insn-trace`, `mmio`, …). */
  exec?: ExecStreams;
  /** The stream taps subscribe to (a fresh one when omitted). */
  events?: EventStream;
  onConsole: (bytes: Uint8Array, icount: number) => void;
  onProgress?: (icount: number) => void;
  /** Hears every frame the guest transmits, once, with the icount (taps); nothing is sent anywhere. */
  onNetTx?: (netdev: number, frame: Uint8Array, icount: number) => void;
  /** The recorded drives, opened again (read-only bases, in-memory overlays), by drive index. */
  drives?: readonly Drive[];
  /** `--audio-out`: where the replayed sound output goes. */
  audioOut?: AudioWav;
  /**
   * Start from this snapshot file's contents (`--from-snapshot`) instead of where the log starts
   * (icount 0, or a cut log's first SNAPSHOT); `name` labels errors.
   */
  from?: StartSnapshot;
  /** Start from this snapshot record (already decoded) instead; wins over `from`. */
  fromRecord?: SnapshotRecord;
}

/** A replay, built and ready to run. */
export interface ReplaySession {
  readonly session: Session;
  readonly events: EventStream;
  /** Runs it; rejects with DivergenceError when the execution disagrees with the log. */
  run(): Promise<SessionResult>;
  /** The state where the replay stands, as a snapshot record (`--save-snapshot`). */
  snapshot(): SnapshotRecord;
}

/** Builds a replay of `reader`'s log on a machine configured from its header. */
export function replaySession(options: ReplaySessionOptions): ReplaySession {
  const { reader } = options;
  const events = options.events ?? new EventStream();
  const end =
    reader.footer !== null ? { icount: reader.footer.endIcount, complete: true } : { icount: reader.truncatedAt?.icount ?? 0, complete: false };
  const drives = options.drives ?? [];
  const io = replayIo(drives, (netdev, frame) => options.onNetTx?.(netdev, frame, session.machine.icount), options.audioOut);
  const mode = new ReplayMode((seq) => reader.eventChunksFromSeq(seq), events, end, io);
  const session = new Session(options.image, mode, {
    config: replayMachineConfig(reader.header, reader.name),
    maxInsns: options.maxInsns,
    onConsole: options.onConsole,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.sliceIcount === undefined ? {} : { sliceIcount: options.sliceIcount }),
    ...(options.exec === undefined ? {} : { exec: options.exec }),
  });
  if (options.fromRecord !== undefined) {
    restoreSnapshotRecord(options.fromRecord, session, mode, reader.header, `the snapshot at icount ${options.fromRecord.icount}`);
  } else {
    const from = options.from ?? logStartSnapshot(reader);
    if (from !== null) restoreSnapshotRecord(decodeSnapshot(from.bytes, session.machine.saveRecords(), from.name), session, mode, reader.header, from.name);
  }
  return {
    session,
    events,
    snapshot: () => snapshotRecordOf(session, mode, reader.header),
    async run() {
      try {
        return await session.run();
      } catch (err) {
        events.error(err);
        throw err;
      }
    },
  };
}
