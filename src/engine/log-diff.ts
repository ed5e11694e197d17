import type { LogReader } from '../../codecs/index.js';
import type { RrEvent } from '../core/event.js';
import { differingCheckpointParts } from './checkpoint-digest.js';

/** Events of each log shown before and after the first difference. */
const CONTEXT_EVENTS = 3;

/** Where two recordings first differ, with the events around it in each. */
export interface LogDifference {
  /** icount of the first differing event (the earlier of the two when they differ in icount). */
  icount: number;
  /** seq of the first differing event (the same in both logs: everything before is equal). */
  seq: number;
  /** What differs, in a few words. */
  what: string;
  /** The last equal events before it (the same in both logs). */
  before: RrEvent[];
  /** From the first differing event on, in each log (empty when that log ended). */
  a: RrEvent[];
  b: RrEvent[];
}

/**
 * Compares two recordings event by event in stream order and returns the first difference (an
 * event of another kind, icount or payload; for two CHECKPOINTs, the sub-digests that differ),
 * or null when the logs hold the same events. SNAPSHOT events are left out: the state they
 * store is what the CHECKPOINTs compare, and they name their own log (two identical runs
 * store different bytes). Reads both logs a chunk at a time.
 */
export function diffLogs(a: LogReader, b: LogReader): LogDifference | null {
  const left = withoutSnapshots(a.events());
  const right = withoutSnapshots(b.events());
  const before: RrEvent[] = [];
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done === true && y.done === true) return null;
    const ea = x.done === true ? undefined : x.value;
    const eb = y.done === true ? undefined : y.value;
    if (ea !== undefined && eb !== undefined && sameEvent(ea, eb)) {
      before.push(ea);
      if (before.length > CONTEXT_EVENTS) before.shift();
      continue;
    }
    const icount = Math.min(ea?.icount ?? Infinity, eb?.icount ?? Infinity);
    return {
      icount,
      seq: (ea ?? eb)!.seq,
      what: describeDifference(ea, eb),
      before,
      a: ea === undefined ? [] : [ea, ...take(left, CONTEXT_EVENTS - 1)],
      b: eb === undefined ? [] : [eb, ...take(right, CONTEXT_EVENTS - 1)],
    };
  }
}

function* withoutSnapshots(events: Iterable<RrEvent>): Generator<RrEvent, void, undefined> {
  for (const e of events) if (e.kind !== 'SNAPSHOT') yield e;
}

function describeDifference(a: RrEvent | undefined, b: RrEvent | undefined): string {
  if (a === undefined) return 'the first log ends here, the second goes on';
  if (b === undefined) return 'the second log ends here, the first goes on';
  if (a.kind !== b.kind) return `a ${a.kind} event in the first log, a ${b.kind} event in the second`;
  if (a.icount !== b.icount) return `${a.kind} at icount ${a.icount} in the first log, at ${b.icount} in the second`;
  if (a.kind === 'CHECKPOINT' && b.kind === 'CHECKPOINT') {
    const parts = differingCheckpointParts(a.digest, b.digest);
    return parts.length > 0 ? `the CHECKPOINT digests differ in ${parts.join(', ')}` : 'the CHECKPOINT digests list other changed RAM pages';
  }
  return `the ${a.kind} events carry different values`;
}

/** Same kind, icount and payload (bytes compared by content, numbers with Object.is). */
function sameEvent(a: RrEvent, b: RrEvent): boolean {
  if (a.kind !== b.kind || a.icount !== b.icount) return false;
  const fa = a as unknown as Record<string, unknown>;
  const fb = b as unknown as Record<string, unknown>;
  for (const key of Object.keys(fa)) if (key !== 'seq' && !sameValue(fa[key], fb[key])) return false;
  return true;
}

function sameValue(x: unknown, y: unknown): boolean {
  if (x instanceof Uint8Array && y instanceof Uint8Array) return x.length === y.length && x.every((v, i) => v === y[i]);
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => sameValue(v, y[i]));
  return Object.is(x, y);
}

function take(events: Iterator<RrEvent>, n: number): RrEvent[] {
  const out: RrEvent[] = [];
  for (let i = 0; i < n; i++) {
    const next = events.next();
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
}
