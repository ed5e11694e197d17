import type { LogReader, SnapshotIndexEntry } from '../../codecs/index.js';
import { RrvmError } from '../core/rrvm-error.js';

/**
 * The SNAPSHOT events of a complete log, in order, from its footer (a log cut short lists none:
 * its footer is missing).
 */
export function storedSnapshots(reader: LogReader): readonly SnapshotIndexEntry[] {
  return reader.footer?.snapshots ?? [];
}

/**
 * The encoded snapshot the SNAPSHOT event at `entry` holds. Throws RrvmError `log.footer` when
 * the event there is not that SNAPSHOT (a footer that does not match its events).
 */
export function storedSnapshotBytes(reader: LogReader, entry: SnapshotIndexEntry): Uint8Array {
  for (const chunk of reader.eventChunksFromSeq(entry.seq)) {
    for (const e of chunk) {
      if (e.seq < entry.seq) continue;
      if (e.seq === entry.seq && e.kind === 'SNAPSHOT' && e.icount === entry.icount) return e.data;
      throw new RrvmError('log.footer', `${reader.name}: the footer lists a SNAPSHOT at icount ${entry.icount} (event #${entry.seq}); that event is ${e.kind} at icount ${e.icount}`);
    }
  }
  throw new RrvmError('log.footer', `${reader.name}: the footer lists a SNAPSHOT at event #${entry.seq}, past the last event`);
}
