import { Subject } from 'rxjs';
import { encodeSnapshot, type LogHeader, type LogTruncation } from '../../codecs/index.js';
import { EventStream } from '../../streams/event-stream.js';
import { attachTaps } from '../../streams/taps/attach-taps.js';
import { fullStateDigest } from '../engine/checkpoint-digest.js';
import { replaySession } from '../engine/replay-session.js';
import type { SessionResult } from '../engine/session.js';
import { openRecording } from './open-recording.js';
import { parseDrives } from './drive-options.js';
import { openReplayDrives } from './open-drives.js';
import { checkSnapshotTarget } from './check-log-target.js';
import { readInputFile } from './load-guest.js';
import { writeFileAtomically } from './write-file.js';
import { progressLine } from './progress-line.js';
import { loadTaps } from './tap-options.js';

/** Options of `replay` and `verify`. */
export interface ReplayOptions {
  elf?: string;
  force?: boolean;
  until?: number;
  tap: string[];
  /** Write the state where the replay stops to this file. */
  saveSnapshot?: string;
  /** Start from this snapshot file instead of icount 0. */
  fromSnapshot?: string;
  /** `--drive` values: where the recorded disk images are now (default: their recorded paths). */
  drive?: string[];
}

/** What a finished replay reports. */
export interface ReplayOutcome {
  result: SessionResult;
  header: LogHeader;
  /** State digest at the end of the replay. */
  finalDigest: string;
  /** Events applied. */
  events: number;
  /** False when the log was cut short (no END). */
  complete: boolean;
  /** Where a log cut short ends and what follows (null when complete). */
  truncatedAt: LogTruncation | null;
}

/**
 * Re-executes a recorded run from its log, never touching the host: checks the guest ELF
 * against the header's hash, then replays with the gate. A mismatch throws DivergenceError.
 */
export async function replayLog(logPath: string, options: ReplayOptions, onConsole: (bytes: Uint8Array) => void): Promise<ReplayOutcome> {
  const { reader, header, image } = openRecording(logPath, options);
  const drives = openReplayDrives(header.disks, parseDrives(options.drive ?? []));
  if (options.saveSnapshot !== undefined) checkSnapshotTarget(options.saveSnapshot, [logPath, header.elfPath]);
  const from = options.fromSnapshot === undefined ? undefined : { bytes: readInputFile(options.fromSnapshot, 'snapshot'), name: options.fromSnapshot };
  const taps = await loadTaps(options.tap);
  const events = new EventStream();
  const console$ = new Subject<{ icount: number; bytes: Uint8Array }>();
  const attached = attachTaps(taps, { mode: 'replay', events$: events.events$, console$ });
  const progress = progressLine('replaying', reader.footer?.endIcount ?? reader.truncatedAt?.icount ?? 0);
  const replay = replaySession({
    image,
    reader,
    onProgress: progress.update,
    drives,
    ...(from === undefined ? {} : { from }),
    maxInsns: options.until ?? Infinity,
    events,
    onConsole: (out, icount) => {
      onConsole(out);
      console$.next({ icount, bytes: out });
    },
  });
  let result: SessionResult;
  try {
    result = await replay.run();
  } catch (err) {
    for (const d of drives) d.image.close();
    progress.done();
    console$.error(err);
    await attached.finish().catch(() => undefined);
    throw err;
  }
  for (const d of drives) d.image.close();
  progress.done();
  console$.complete();
  await attached.finish();
  if (options.saveSnapshot !== undefined) writeFileAtomically(options.saveSnapshot, encodeSnapshot(replay.snapshot()));
  return {
    result,
    header,
    finalDigest: fullStateDigest(replay.session.machine, replay.session.output),
    events: events.count,
    complete: reader.footer !== null,
    truncatedAt: reader.truncatedAt,
  };
}
