import type { LogHeader, LogWriter, SnapshotRecord } from '../../codecs/index.js';
import { RrvmError } from '../core/rrvm-error.js';
import { replayQuietly, type ReplaySource } from './replay-quietly.js';
import { copyEvents } from './copy-events.js';
import { encodeStoredSnapshot } from './encode-stored-snapshot.js';

/** What `storeSnapshots` wrote. */
export interface StoredSnapshots {
  /** SNAPSHOT events written, at icounts every, 2·every, … below the END icount. */
  count: number;
  /** Their encoded size in total. */
  bytes: number;
}

/**
 * Writes a copy of a complete recording that holds a SNAPSHOT event every `every` instructions
 * (`record --snapshot-every`): it replays the log once, a stretch of `every` instructions at a
 * time from the previous snapshot, and places each snapshot in the copy before the first event
 * that replay had not applied at that icount. `open` creates the copy's writer with the header.
 * Rejects with DivergenceError when the log does not replay, RrvmError `log.snapshot` when a
 * snapshot is too big for the log, `cli.usage` for a log that already holds snapshots.
 */
export async function storeSnapshots(source: ReplaySource, every: number, open: (header: LogHeader) => LogWriter): Promise<StoredSnapshots> {
  const { reader } = source;
  reader.requireComplete();
  const footer = reader.footer!;
  if (footer.counts.SNAPSHOT > 0 || reader.header.cut !== undefined) throw new RrvmError('cli.usage', `${reader.name} already holds snapshots`);
  const header: LogHeader = { ...reader.header };
  delete header.embedded;
  const writer = open(header);
  let from: SnapshotRecord | null = null;
  let copiedSeq = 0;
  let count = 0;
  let bytes = 0;
  for (let icount = every; icount < footer.endIcount; icount += every) {
    const { replay, result } = await replayQuietly(source, from, icount);
    if (result.icount !== icount) break;
    const record = replay.snapshot();
    copyEvents(reader, copiedSeq, record.seq, writer, false);
    // In the copy, every snapshot written so far sits before this point, and this one too.
    const data = encodeStoredSnapshot(record, header, record.seq + count + 1);
    writer.append({ kind: 'SNAPSHOT', icount, seq: 0, data });
    count++;
    bytes += data.length;
    copiedSeq = record.seq;
    from = record;
  }
  copyEvents(reader, copiedSeq, Infinity, writer, false);
  return { count, bytes };
}
