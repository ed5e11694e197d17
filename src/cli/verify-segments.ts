import { logSegments, verifySegment, type SegmentVerdict } from '../engine/segment-verify.js';
import { openReplaySource, type ReplaySourceOptions } from './open-replay-source.js';

/**
 * Verifies segment `segmentIndex` of the log at `logPath` on its own (engine/segment-verify.ts),
 * opening the log, its ELF and its drives for this one segment: a plain-data call a worker
 * thread can make. Throws RrvmError for a log that cannot be replayed at all.
 */
export async function verifyLogSegment(logPath: string, segmentIndex: number, options: ReplaySourceOptions = {}): Promise<SegmentVerdict> {
  const source = openReplaySource(logPath, options);
  try {
    return await verifySegment(source, segmentIndex);
  } finally {
    source.close();
  }
}

/** How many segments `verifyLogSegment` can verify in the log at `logPath` (one per stored snapshot, plus one from the start). */
export function countLogSegments(logPath: string, options: ReplaySourceOptions = {}): number {
  const source = openReplaySource(logPath, options);
  try {
    return logSegments(source).length;
  } finally {
    source.close();
  }
}

/** One line for a segment's verdict, as `rrvm verify --segments` prints it. */
export function describeVerdict(v: SegmentVerdict): string {
  const where = `segment ${v.index}/${v.segments} (icount ${v.fromIcount}–${v.toIcount})`;
  return v.ok ? `OK ${where}: ${v.events} events, digest ${v.digest}` : `FAILED ${where}: ${v.problem}`;
}
