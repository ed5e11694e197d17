import { availableParallelism } from 'node:os';
import { failedResult, type AnalyzeJob, type AnalyzeResult } from './analyze-job.js';

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

/** A pool of `threads` worker threads (piscina), each replaying one log at a time. */
export async function analyzePool(threads: number): Promise<JobRunner> {
  // Loaded on demand, like the queue: every other command starts without it.
  const { Piscina } = await import('piscina');
  const pool = new Piscina<AnalyzeJob, AnalyzeResult>({
    filename: new URL('./analyze-worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: 1,
  });
  return {
    // A thread that dies (out of memory, say) fails its job only.
    run: (job) => pool.run(job).catch((err: unknown) => failedResult('error', null, `worker thread failed: ${err instanceof Error ? err.message : String(err)}`)),
    close: () => pool.destroy(),
  };
}
