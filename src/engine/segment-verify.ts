import { decodeSnapshot, type SnapshotIndexEntry } from '../../codecs/index.js';
import { RrvmError } from '../core/rrvm-error.js';
import { checkpointDigest, checkpointMismatch, fullStateDigest } from './checkpoint-digest.js';
import { DivergenceError } from './divergence.js';
import { replayQuietly, type ReplaySource } from './replay-quietly.js';
import { replaySession, type ReplaySession } from './replay-session.js';
import { storedSnapshotBytes, storedSnapshots } from './stored-snapshots.js';

/** One segment of a log: from where it starts (null: the log's start) to the next SNAPSHOT (null: END). */
export interface LogSegment {
  from: SnapshotIndexEntry | null;
  to: SnapshotIndexEntry | null;
}

/** The outcome of verifying one segment: plain data, so it can come back from a worker thread. */
export interface SegmentVerdict {
  /** The segment's number, from 0, and how many the log has. */
  index: number;
  segments: number;
  fromIcount: number;
  toIcount: number;
  ok: boolean;
  /** Events the segment's replay applied. */
  events: number;
  /** Full state digest where the segment ends (null when it failed). */
  digest: string | null;
  /** What went wrong, on one line (null when ok). */
  problem: string | null;
}

/**
 * The segments of a complete log: one from its start (icount 0, or a cut log's first SNAPSHOT)
 * and one from every other SNAPSHOT it holds, each ending at the next SNAPSHOT or at END.
 */
export function logSegments(source: ReplaySource): LogSegment[] {
  const { reader } = source;
  reader.requireComplete();
  const marks = storedSnapshots(reader);
  // A cut log's segment 0 starts at its first event, which is a SNAPSHOT.
  const starts: (SnapshotIndexEntry | null)[] = reader.header.cut !== undefined ? [...marks] : [null, ...marks];
  return starts.map((from, i) => ({ from, to: starts[i + 1] ?? null }));
}

/**
 * Verifies segment `index` of a log on its own: replays it from its snapshot (or the log's
 * start), checking every event and CHECKPOINT on the way, and checks that it reaches the next
 * snapshot's state exactly (log position, full state digest, engine I/O state) or, for the last
 * segment, the log's closing CHECKPOINT and END. A divergence is a failed verdict; other
 * errors (a bad log, `cli.usage` for a segment that does not exist) throw.
 */
export async function verifySegment(source: ReplaySource, index: number): Promise<SegmentVerdict> {
  const { reader } = source;
  const segments = logSegments(source);
  const segment = segments[index];
  if (segment === undefined || !Number.isSafeInteger(index)) {
    throw new RrvmError('cli.usage', `${reader.name} has ${segments.length} segment(s), numbered from 0; there is no segment ${index}`);
  }
  const startIcount = segment.from?.icount ?? 0;
  const verdict = (fields: { ok: boolean; toIcount: number; events: number; digest: string | null; problem: string | null }): SegmentVerdict => ({
    index,
    segments: segments.length,
    fromIcount: startIcount,
    ...fields,
  });
  const toIcount = segment.to?.icount ?? reader.footer!.endIcount;
  const from = segment.from === null ? null : { bytes: storedSnapshotBytes(reader, segment.from), name: `${reader.name} (snapshot at icount ${segment.from.icount})` };
  let reached;
  try {
    reached = await replayQuietly(source, from, segment.to === null ? Infinity : segment.to.icount);
  } catch (err) {
    if (!(err instanceof DivergenceError)) throw err;
    const { report } = err;
    return verdict({ ok: false, toIcount, events: 0, digest: null, problem: `diverged at icount ${report.icount}: expected ${report.expected}; ${report.actual}` });
  }
  const { replay, result } = reached;
  const events = replay.events.count;
  const digest = fullStateDigest(replay.session.machine, replay.session.output);
  if (segment.to === null) return verdict({ ok: true, toIcount, events, digest, problem: null });
  const problem = result.icount !== toIcount ? `the replay stopped at icount ${result.icount}, before the snapshot at icount ${toIcount}` : snapshotMismatch(source, replay, segment.to);
  return verdict({ ok: problem === null, toIcount, events, digest: problem === null ? digest : null, problem });
}

/** How the state a replay reached differs from the SNAPSHOT stored at `mark`, or null when it is the same. */
function snapshotMismatch(source: ReplaySource, replay: ReplaySession, mark: SnapshotIndexEntry): string | null {
  const { reader } = source;
  const name = `${reader.name} (snapshot at icount ${mark.icount})`;
  // The stored state, restored into a machine of its own, so the two compare by their digests.
  const stored = replaySession({ image: source.image, reader, drives: [], maxInsns: 0, onConsole: () => {} });
  const record = decodeSnapshot(storedSnapshotBytes(reader, mark), stored.session.machine.saveRecords(), name);
  const reached = replay.snapshot();
  if (record.seq !== reached.seq) return `the snapshot at icount ${mark.icount} continues at event #${record.seq}; the replay reached event #${reached.seq}`;
  stored.session.restore({ machine: record.machine, output: record.output, consoleBytes: record.consoleBytes });
  const expected = checkpointDigest(stored.session.machine, stored.session.output);
  const differs = checkpointMismatch(expected, replay.session.machine, replay.session.output);
  if (differs !== null) return `the state at icount ${mark.icount} differs from the stored snapshot: ${differs}`;
  if (fullStateDigest(stored.session.machine, stored.session.output) !== fullStateDigest(replay.session.machine, replay.session.output)) {
    return `the state at icount ${mark.icount} differs from the stored snapshot`;
  }
  if (record.consoleBytes !== reached.consoleBytes) return `the console output at icount ${mark.icount} is ${reached.consoleBytes} bytes; the stored snapshot says ${record.consoleBytes}`;
  if (plainText(record.io) !== plainText(reached.io)) return `the engine's I/O state (block requests, disk writes, pending BHs) at icount ${mark.icount} differs from the stored snapshot`;
  return null;
}

/** JSON of plain data with byte arrays (Buffer or Uint8Array alike) as hex, for comparing. */
function plainText(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex') : v;
  });
}
