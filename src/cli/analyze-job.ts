import { RrvmError } from '../core/rrvm-error.js';
import type { StopReason } from '../core/stop-reason.js';
import { DivergenceError } from '../engine/divergence.js';
import { replayLog } from './replay-run.js';

/**
 * One unit of work of `rrvm analyze`, plain data so that it crosses a worker thread or a job
 * queue: replay the whole log at `log` with `taps` attached (none: just verify it). `kind`
 * leaves room for other units, such as one segment of a log with snapshots.
 */
export interface AnalyzeJob {
  kind: 'log';
  /** Absolute path of the log on the machine that runs the job. */
  log: string;
  /** `--tap` specs for this log (`{log}` already replaced). */
  taps: string[];
  /** The caller's directory: relative tap modules and `file=` options are resolved against it. */
  cwd: string;
}

/**
 * The other unit of work a worker thread takes: verify segment `index` of the log at `log`
 * (from its stored snapshot to the next one; `rrvm verify --segments --jobs N`), with the
 * `verify` options that locate the ELF and the disk images.
 */
export interface SegmentJob {
  kind: 'segment';
  log: string;
  index: number;
  elf?: string;
  force?: boolean;
  drive: string[];
}

/** Checks that data taken from a queue is an AnalyzeJob; anything else is RrvmError `queue.job`. */
export function checkJob(data: unknown): AnalyzeJob {
  const job = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const { kind, log, taps, cwd } = job;
  if (kind !== 'log' || typeof log !== 'string' || typeof cwd !== 'string' || !Array.isArray(taps) || !taps.every((t) => typeof t === 'string')) {
    throw new RrvmError('queue.job', 'not an rrvm analyze job (from another rrvm version?)');
  }
  return { kind, log, taps: taps as string[], cwd };
}

/** How a job ended: `ok` when the replay matched the log to its END. */
export type AnalyzeOutcome = 'ok' | 'divergence' | 'incomplete' | 'error';

/** What a job reports, plain data (the same whether it ran in a thread here or on another machine). */
export interface AnalyzeResult {
  outcome: AnalyzeOutcome;
  /** Instructions replayed (for a divergence: the icount where it diverged); null when the replay did not start. */
  icount: number | null;
  /** Events applied; null unless the replay ran to its end. */
  events: number | null;
  /** How the recorded guest stopped (`pass`, `fail 3`, `shutdown`, …); null unless the replay ran to its end. */
  guest: string | null;
  /** Digest of the final state; null unless the replay ran to its end. */
  finalDigest: string | null;
  /** What went wrong (the error or divergence report, or where an incomplete log ends); null when ok. */
  message: string | null;
}

/**
 * Runs one job to its result; never throws (every failure is a result). `tapFailure` resolves,
 * after the replay, with the first error a tap threw inside an Observable callback (rxjs
 * reports those asynchronously, to a hook its caller owns), or null.
 */
export async function runAnalyzeJob(job: AnalyzeJob, tapFailure: () => Promise<unknown>): Promise<AnalyzeResult> {
  try {
    const outcome = await replayLog(job.log, { tap: job.taps, tapCwd: job.cwd }, () => {});
    const failure = await tapFailure();
    if (failure !== null) return failedResult('error', null, `a tap failed: ${failure instanceof Error ? failure.message : String(failure)}`);
    const { stop, icount } = outcome.result;
    const done = { icount, events: outcome.events, guest: guestStop(stop), finalDigest: outcome.finalDigest };
    const cut = outcome.truncatedAt;
    if (cut !== null) {
      const message = `log ends without END at icount ${cut.icount} (complete chunks end at offset ${cut.offset}, followed by ${cut.reason}); replayed up to there`;
      return { outcome: 'incomplete', ...done, message };
    }
    return { outcome: 'ok', ...done, message: null };
  } catch (err) {
    if (err instanceof DivergenceError) return failedResult('divergence', err.report.icount, err.message);
    if (err instanceof RrvmError) return failedResult('error', null, err.message);
    return failedResult('error', null, `internal error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The result of a job that did not replay to its end. */
export function failedResult(outcome: AnalyzeOutcome, icount: number | null, message: string): AnalyzeResult {
  return { outcome, icount, events: null, guest: null, finalDigest: null, message };
}

/** How the recorded guest stopped, in a word or two: `pass`, `fail 3`, `max-insns`, `shutdown SIGINT`. */
function guestStop(stop: StopReason): string {
  switch (stop.kind) {
    case 'halt':
      return stop.halt.kind === 'fail' ? `fail ${stop.halt.code}` : stop.halt.kind;
    case 'shutdown':
      return `shutdown ${stop.reason}`;
    case 'limit':
      return 'max-insns';
    default:
      return stop.kind;
  }
}
