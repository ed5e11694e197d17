import { Subject } from 'rxjs';
import { encodeSnapshot, type LogHeader, type LogTruncation } from '../../codecs/index.js';
import { EventStream } from '../../streams/event-stream.js';
import { attachTaps } from '../../streams/taps/attach-taps.js';
import { ExecStreams } from '../../streams/exec-streams.js';
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
import { netPcapTap } from './net-options.js';
import type { NetTxFrame } from '../../streams/taps/tap.js';
import { writeAudioOut } from './audio-options.js';
import { AudioWav } from '../../streams/taps/audio-wav.js';
import { RrvmError } from '../core/rrvm-error.js';
import { ConsoleBatch } from './console-batch.js';

/** Options of `replay` and `verify`. */
export interface ReplayOptions {
  elf?: string;
  force?: boolean;
  until?: number;
  tap: string[];
  /** Resolve the taps' module paths and `file=` options against this directory (default: the process's). */
  tapCwd?: string;
  /** Write the state where the replay stops to this file. */
  saveSnapshot?: string;
  /** Start from this snapshot file instead of icount 0. */
  fromSnapshot?: string;
  /** `--drive` values: where the recorded disk images are now (default: their recorded paths). */
  drive?: string[];
  /** `--net-pcap FILE`: the frames the replayed guest received and sent. */
  netPcap?: string;
  /** `--audio-out`: write the replayed sound output to this WAV file. */
  audioOut?: string;
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
  const { reader, header, image, elf } = openRecording(logPath, options);
  const drives = openReplayDrives(header.disks, parseDrives(options.drive ?? []), { path: logPath, files: reader.embedded });
  if (options.saveSnapshot !== undefined) checkSnapshotTarget(options.saveSnapshot, [logPath, header.elfPath]);
  const from = options.fromSnapshot === undefined ? undefined : { bytes: readInputFile(options.fromSnapshot, 'snapshot'), name: options.fromSnapshot };
  const taps = [...(await loadTaps(options.tap, options.tapCwd)), ...netPcapTap(options.netPcap, header.icountShift)];
  const audioOut = options.audioOut === undefined ? undefined : replayAudioOut(header);
  const events = new EventStream();
  const console$ = new Subject<{ icount: number; bytes: Uint8Array }>();
  const exec = new ExecStreams();
  const netTx$ = new Subject<NetTxFrame>();
  const attached = attachTaps(taps, { mode: 'replay', events$: events.events$, console$, netTx$, exec, elf });
  const progress = progressLine('replaying', reader.footer?.endIcount ?? reader.truncatedAt?.icount ?? 0);
  const consoleOut = new ConsoleBatch(onConsole);
  const replay = replaySession({
    image,
    exec,
    reader,
    onProgress: (icount) => {
      consoleOut.flush();
      progress.update(icount);
    },
    drives,
    ...(audioOut === undefined ? {} : { audioOut }),
    ...(from === undefined ? {} : { from }),
    maxInsns: options.until ?? Infinity,
    events,
    onConsole: (out, icount) => {
      consoleOut.push(out);
      console$.next({ icount, bytes: out });
    },
    onNetTx: (netdev, frame, icount) => netTx$.next({ icount, netdev, frame }),
  });
  let result: SessionResult;
  try {
    result = await replay.run();
  } catch (err) {
    consoleOut.flush();
    for (const d of drives) d.image.close();
    progress.done();
    console$.error(err);
    netTx$.error(err);
    await attached.finish().catch(() => undefined);
    throw err;
  }
  // Before the drives close: closing drops their in-memory writes, which the snapshot keeps.
  const snapshot = options.saveSnapshot === undefined ? null : encodeSnapshot(replay.snapshot());
  consoleOut.flush();
  for (const d of drives) d.image.close();
  progress.done();
  console$.complete();
  netTx$.complete();
  await attached.finish();
  if (options.saveSnapshot !== undefined && snapshot !== null) writeFileAtomically(options.saveSnapshot, snapshot);
  writeAudioOut(options.audioOut, audioOut);
  return {
    result,
    header,
    finalDigest: fullStateDigest(replay.session.machine, replay.session.output),
    events: events.count,
    complete: reader.footer !== null,
    truncatedAt: reader.truncatedAt,
  };
}

/** The WAV `--audio-out` fills in a replay; throws RrvmError `cli.usage` when the log's machine had no sound device. */
function replayAudioOut(header: LogHeader): AudioWav {
  if (!header.devices.some((d) => d.kind === 'virtio-sound')) throw new RrvmError('cli.usage', '--audio-out: the recorded machine has no sound device');
  return new AudioWav();
}
