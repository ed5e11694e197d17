import type { LogHeader, LogWriter } from '../../codecs/index.js';
import { RrvmError } from '../core/rrvm-error.js';
import { checkpointDigest } from './checkpoint-digest.js';
import { logStartSnapshot } from './log-start.js';
import { replayQuietly, type ReplaySource } from './replay-quietly.js';
import { copyEvents } from './copy-events.js';
import { storedSnapshotBytes, storedSnapshots } from './stored-snapshots.js';
import { encodeStoredSnapshot } from './encode-stored-snapshot.js';

/** Where to cut a log: from icount `fromIcount` to `toIcount` (undefined: to its end). */
export interface CutRange {
  fromIcount: number;
  toIcount?: number;
}

/** What `cutLog` wrote. */
export interface CutOutcome {
  fromIcount: number;
  /** Where the cut log ends (END). */
  toIcount: number;
  /** Events of the source copied into the cut log. */
  events: number;
  /** Size of the snapshot it starts from, encoded. */
  snapshotBytes: number;
  /** The stored snapshot the replay to `fromIcount` started from (null: the start of the log). */
  startedAt: number | null;
}

/** The SHUTDOWN reason that ends a cut log before the source's end. */
export function cutShutdownReason(toIcount: number): string {
  return `the cut ends here (rrvm cut --to ${toIcount})`;
}

/**
 * Writes a log that starts from the source's state at `fromIcount` and holds its events up to
 * `toIcount` (`rrvm cut`): it replays the source to `fromIcount` (from the nearest SNAPSHOT the
 * source holds, if any), stores that state as the new log's first event, replays on to
 * `toIcount` (checking every CHECKPOINT on the way), copies the events in between and ends the
 * way a recording stopped there would: SHUTDOWN, a CHECKPOINT of the state reached, END. Icounts
 * stay those of the source, so both logs' CHECKPOINTs compare. `open` creates the new log's
 * writer with its header. Throws RrvmError `cli.usage` for a range outside the log.
 */
export async function cutLog(source: ReplaySource, range: CutRange, open: (header: LogHeader) => LogWriter): Promise<CutOutcome> {
  const { reader } = source;
  reader.requireComplete();
  const endIcount = reader.footer!.endIcount;
  const startIcount = reader.header.cut?.fromIcount ?? 0;
  const { fromIcount } = range;
  if (fromIcount < startIcount) throw new RrvmError('cli.usage', `--from ${fromIcount} is before the start of ${reader.name} (a cut log that starts at icount ${startIcount})`);
  if (fromIcount >= endIcount) throw new RrvmError('cli.usage', `--from ${fromIcount} is not before the end of ${reader.name} (END at icount ${endIcount})`);
  if (range.toIcount !== undefined && range.toIcount <= fromIcount) throw new RrvmError('cli.usage', `--to ${range.toIcount} is not after --from ${fromIcount}`);
  if (range.toIcount !== undefined && range.toIcount > endIcount) throw new RrvmError('cli.usage', `--to ${range.toIcount} is past the end of ${reader.name} (END at icount ${endIcount})`);
  const toEnd = range.toIcount === undefined || range.toIcount === endIcount;

  // To the cut's start, from the last stored snapshot at or before it (a cut log's first event is one).
  const nearest = storedSnapshots(reader).filter((s) => s.icount <= fromIcount).at(-1);
  const start = nearest === undefined ? logStartSnapshot(reader) : { bytes: storedSnapshotBytes(reader, nearest), name: `${reader.name} (snapshot at icount ${nearest.icount})` };
  const { replay: toStart, result: atStart } = await replayQuietly(source, start, fromIcount);
  if (atStart.icount !== fromIcount) throw new RrvmError('cli.usage', `the replay of ${reader.name} stopped at icount ${atStart.icount}, before --from ${fromIcount}`);
  const state = toStart.snapshot();

  const header: LogHeader = {
    ...reader.header,
    createdAt: new Date().toISOString(),
    cut: { fromIcount, sourceCreatedAt: reader.header.createdAt, sourceEndIcount: endIcount },
  };
  delete header.embedded;
  const data = encodeStoredSnapshot(state, header, 1);

  // On to the cut's end: checks the source there and gives the state it ends with.
  const { replay: toEndReplay, result: atEnd } = await replayQuietly(source, state, toEnd ? Infinity : range.toIcount!);
  const writer = open(header);
  writer.append({ kind: 'SNAPSHOT', icount: fromIcount, seq: 0, data });
  if (toEnd) {
    const events = copyEvents(reader, state.seq, Infinity, writer, true);
    return { fromIcount, toIcount: endIcount, events, snapshotBytes: data.length, startedAt: nearest?.icount ?? null };
  }
  const toIcount = range.toIcount!;
  if (atEnd.icount !== toIcount) throw new RrvmError('cli.usage', `the replay of ${reader.name} stopped at icount ${atEnd.icount}, before --to ${toIcount}`);
  const events = copyEvents(reader, state.seq, toEndReplay.snapshot().seq, writer, true);
  const { machine, output } = toEndReplay.session;
  writer.append({ kind: 'SHUTDOWN', icount: toIcount, seq: 0, reason: cutShutdownReason(toIcount) });
  writer.append({ kind: 'CHECKPOINT', icount: toIcount, seq: 0, digest: checkpointDigest(machine, output) });
  writer.close({ icount: toIcount });
  return { fromIcount, toIcount, events, snapshotBytes: data.length, startedAt: nearest?.icount ?? null };
}
