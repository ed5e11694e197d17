import type { LogReader, SnapshotRecord } from '../../codecs/index.js';
import type { ElfImage } from '../machine/elf-image.js';
import type { Drive } from './block-io.js';
import type { StartSnapshot } from './log-start.js';
import { replaySession, type ReplaySession } from './replay-session.js';
import type { SessionResult } from './session.js';

/** What a replay of a log is built from: the log, its guest, and its drives opened for replay. */
export interface ReplaySource {
  reader: LogReader;
  image: ElfImage;
  drives: readonly Drive[];
}

/**
 * Replays `source` with no output from `from` (a decoded snapshot, an encoded one, or null for
 * where the log starts) until icount `toIcount`, or to the end with the closing checks when it
 * is Infinity. Resolves with the replay standing there; rejects with DivergenceError.
 */
export async function replayQuietly(source: ReplaySource, from: SnapshotRecord | StartSnapshot | null, toIcount: number): Promise<{ replay: ReplaySession; result: SessionResult }> {
  const replay = replaySession({
    image: source.image,
    reader: source.reader,
    drives: source.drives,
    maxInsns: toIcount,
    onConsole: () => {},
    ...(from === null ? {} : 'bytes' in from ? { from } : { fromRecord: from }),
  });
  const result = await replay.run();
  return { replay, result };
}
