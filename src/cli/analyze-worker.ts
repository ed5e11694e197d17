import { runAnalyzeJob, type AnalyzeJob, type AnalyzeResult } from './analyze-job.js';

/** The entry point of a worker thread of the analyze pool (piscina loads this file): runs one job. */
export default function analyzeWorker(job: AnalyzeJob): Promise<AnalyzeResult> {
  return runAnalyzeJob(job);
}
