import { availableParallelism } from 'node:os';
import type { Piscina } from 'piscina';
import { failedResult, type AnalyzeJob, type AnalyzeResult, type SegmentJob } from './analyze-job.js';
import type { SegmentVerdict } from '../engine/segment-verify.js';

/** Runs analyze jobs somewhere (threads here, or workers behind a queue) and hands back their results. */
export interface JobRunner {
  /** Runs `job`; resolves with its result (a job's own failure is a result, not a rejection). */
  run(job: AnalyzeJob): Promise<AnalyzeResult>;
  /** Releases threads and connections; call once, after the last result. */
  close(): Promise<void>;
}

/** The default `--jobs`: one worker thread per core. */
export function defaultJobs(): number {
  return availableParallelism();
}

/** A pool of `threads` worker threads (piscina) running analyze-worker.js, one job at a time each. */
async function workerPool(threads: number): Promise<Piscina<AnalyzeJob | SegmentJob, AnalyzeResult | SegmentVerdict>> {
  // Loaded on demand, like the queue: every other command starts without it.
  const { Piscina } = await import('piscina');
  return new Piscina({
    filename: new URL('./analyze-worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: 1,
  });
}

/** Why a worker thread failed a job, on one line. */
function threadFailure(err: unknown): string {
  return `worker thread failed: ${err instanceof Error ? err.message : String(err)}`;
}

/** A pool of `threads` worker threads, each replaying one log at a time. */
export async function analyzePool(threads: number): Promise<JobRunner> {
  const pool = await workerPool(threads);
  return {
    // A thread that dies (out of memory, say) fails its job only.
    run: (job) => (pool.run(job) as Promise<AnalyzeResult>).catch((err: unknown) => failedResult('error', null, threadFailure(err))),
    close: () => pool.destroy(),
  };
}

/** Verifies segments of logs on worker threads (`rrvm verify --segments --jobs N`). */
export interface SegmentRunner {
  /** Verifies one segment; a failure of the thread is a failed verdict. */
  run(job: SegmentJob, segments: number): Promise<SegmentVerdict>;
  close(): Promise<void>;
}

/** A pool of `threads` worker threads, each verifying one segment at a time. */
export async function segmentPool(threads: number): Promise<SegmentRunner> {
  const pool = await workerPool(threads);
  return {
    run: (job, segments) =>
      (pool.run(job) as Promise<SegmentVerdict>).catch((err: unknown) => ({
        index: job.index,
        segments,
        fromIcount: 0,
        toIcount: 0,
        ok: false,
        events: 0,
        digest: null,
        problem: threadFailure(err),
      })),
    close: () => pool.destroy(),
  };
}
