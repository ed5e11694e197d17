import type { ReplaySource } from '../engine/replay-quietly.js';
import { parseDrives } from './drive-options.js';
import { openReplayDrives } from './open-drives.js';
import { openRecording, type OpenRecordingOptions } from './open-recording.js';

/** How to find what a log replays with: the guest ELF and the recorded drives (`--drive`). */
export interface ReplaySourceOptions extends OpenRecordingOptions {
  drive?: string[];
}

/** A log opened for replay with its guest and drives; `close` releases the files. */
export interface OpenReplaySource extends ReplaySource {
  close(): void;
}

/** Opens a log, its guest ELF (checked by hash) and its drives (read-only bases, writes in memory). */
export function openReplaySource(logPath: string, options: ReplaySourceOptions): OpenReplaySource {
  const { reader, image } = openRecording(logPath, options);
  let drives;
  try {
    drives = openReplayDrives(reader.header.disks, parseDrives(options.drive ?? []));
  } catch (err) {
    reader.close();
    throw err;
  }
  return {
    reader,
    image,
    drives,
    close: () => {
      for (const d of drives) d.image.close();
      reader.close();
    },
  };
}
