import { setTimeout as sleep } from 'node:timers/promises';
import { config as rxjsConfig } from 'rxjs';
import { runAnalyzeJob, type AnalyzeJob, type AnalyzeResult, type SegmentJob } from './analyze-job.js';
import { verifyLogSegment } from './verify-segments.js';
import type { SegmentVerdict } from '../engine/segment-verify.js';

/** The first error a tap threw inside an Observable callback during this thread's current job. */
let tapFailure: unknown = null;
rxjsConfig.onUnhandledError = (err) => {
  tapFailure ??= err;
};

/** The entry point of a worker thread of the analyze pool (piscina loads this file): runs one job at a time. */
export default function analyzeWorker(job: AnalyzeJob | SegmentJob): Promise<AnalyzeResult | SegmentVerdict> {
  if (job.kind === 'segment') return verifyLogSegment(job.log, job.index, job);
  tapFailure = null;
  return runAnalyzeJob(job, async () => {
    // rxjs reports errors thrown in subscribers from a timer: let those fire before deciding.
    await sleep(2);
    return tapFailure;
  });
}
