import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, QueueEvents } from 'bullmq';
import { RrvmError } from '../core/rrvm-error.js';
import { failedResult, type AnalyzeJob, type AnalyzeResult } from './analyze-job.js';
import type { JobRunner } from './analyze-pool.js';
import { ANALYZE_QUEUE, bullConnection, probeRedis, type RedisTarget } from './redis-target.js';

/** How long closing the connections may take before the command exits anyway. */
const CLOSE_TIMEOUT_MS = 2000;

/** A job sent and not answered yet. */
interface Waiting {
  resolve: (result: AnalyzeResult) => void;
  reject: (err: RrvmError) => void;
}

/**
 * Runs analyze jobs on `rrvm worker` processes through a BullMQ queue on Redis: each job is
 * added with an id of this run, and its result comes back in the queue's `completed` event.
 * A lost connection or Ctrl-C rejects every job still waiting (Ctrl-C first removes those not
 * started yet from the queue).
 */
export async function analyzeQueue(target: RedisTarget): Promise<JobRunner> {
  await probeRedis(target);
  const connection = bullConnection(target);
  const queue = new Queue<AnalyzeJob, AnalyzeResult>(ANALYZE_QUEUE, { connection });
  const events = new QueueEvents(ANALYZE_QUEUE, { connection });
  const waiting = new Map<string, Waiting>();
  const failAll = (err: RrvmError): void => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  const onError = (err: Error): void => failAll(new RrvmError('queue.connect', `lost the connection to Redis at ${target.label}: ${err.message.split('\n')[0]}`));
  queue.on('error', onError);
  events.on('error', onError);
  events.on('completed', ({ jobId, returnvalue }) => settle(jobId, (w) => w.resolve(returnvalue as AnalyzeResult)));
  events.on('failed', ({ jobId, failedReason }) => settle(jobId, (w) => w.resolve(failedResult('error', null, `the worker failed: ${failedReason}`))));
  const settle = (jobId: string, how: (w: Waiting) => void): void => {
    const w = waiting.get(jobId);
    if (w === undefined) return;
    waiting.delete(jobId);
    how(w);
  };
  const onInterrupt = (): void => {
    const ids = [...waiting.keys()];
    // Best effort: a job a worker already started stays (its result is dropped).
    void Promise.race([Promise.allSettled(ids.map((id) => queue.remove(id))), sleep(CLOSE_TIMEOUT_MS)]).then(() =>
      failAll(new RrvmError('cli.interrupted', `interrupted; ${ids.length} job(s) not finished were withdrawn from the queue`)),
    );
  };
  process.once('SIGINT', onInterrupt);
  // Events are read from the moment the reader is ready: no result can come before it.
  await events.waitUntilReady();
  const runId = randomUUID();
  let sent = 0;
  let noticed = false;
  return {
    async run(job) {
      const jobId = `${runId}-${sent++}`;
      const result = new Promise<AnalyzeResult>((resolve, reject) => waiting.set(jobId, { resolve, reject }));
      // Rejected by failAll perhaps before anyone awaits it: that is handled below, not unhandled.
      result.catch(() => {});
      const added = queue.add('log', job, { jobId, removeOnComplete: true, removeOnFail: true }).catch((err: unknown) => {
        waiting.delete(jobId);
        throw new RrvmError('queue.connect', `cannot add a job to the queue at ${target.label}: ${err instanceof Error ? err.message : String(err)}`);
      });
      // A lost connection (failAll) must not leave this call waiting on a command that retries forever.
      await Promise.race([added, result]);
      if (!noticed) {
        noticed = true;
        const workers = await Promise.race([queue.getWorkersCount(), result.then(() => 1)]);
        if (workers === 0) {
          process.stderr.write(`rrvm: no worker is on queue ${ANALYZE_QUEUE} at ${target.label} yet; waiting (start one with \`rrvm worker --queue redis://${target.label}\`)\n`);
        }
      }
      return result;
    },
    async close() {
      process.off('SIGINT', onInterrupt);
      await Promise.race([Promise.allSettled([events.close(), queue.close()]), sleep(CLOSE_TIMEOUT_MS)]);
    },
  };
}
