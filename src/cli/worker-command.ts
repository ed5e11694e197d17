import type { Command } from 'commander';
import { checkJob, type AnalyzeJob, type AnalyzeResult } from './analyze-job.js';
import { analyzePool, defaultJobs } from './analyze-pool.js';
import { resultLine } from './analyze-report.js';
import { parseIntInRange } from './parse-options.js';
import { ANALYZE_QUEUE, bullConnection, parseRedisUrl, probeRedis } from './redis-target.js';

/** `rrvm worker --queue redis://HOST:PORT [--jobs N]`: works `analyze --queue` jobs until Ctrl-C. */
export function workerCommand(program: Command): void {
  program
    .command('worker')
    .summary('work the jobs `rrvm analyze --queue` sends, until stopped')
    .description(
      'Takes jobs from the BullMQ queue on Redis that `rrvm analyze --queue` fills and replays them on a pool of worker threads; the results go back to the caller. Logs, taps and tap output files are used at the paths the caller gave (absolute, or relative to the caller\'s directory), so they must be there on this machine too (a shared file system); a packed log needs no ELF or disk image besides. Stops on Ctrl-C or SIGTERM after the jobs it started. Anyone who can add jobs to the queue can make the worker load tap modules: use a Redis only you reach.',
    )
    .requiredOption('--queue <url>', 'the Redis that holds the queue: redis://HOST:PORT')
    .option('--jobs <n>', `jobs at a time, one worker thread each (default: the cores, here ${defaultJobs()})`, parseIntInRange(1, 256))
    .action(async (opts: { queue: string; jobs?: number }) => {
      const target = parseRedisUrl(opts.queue);
      await probeRedis(target);
      const threads = opts.jobs ?? defaultJobs();
      const pool = await analyzePool(threads);
      // Loaded on demand: BullMQ takes longer to load than a short replay takes to run.
      const { Worker } = await import('bullmq');
      let worked = 0;
      const worker = new Worker<AnalyzeJob, AnalyzeResult>(
        ANALYZE_QUEUE,
        async (job) => {
          const result = await pool.run(checkJob(job.data));
          worked++;
          process.stderr.write(`rrvm: worker: ${resultLine({ log: job.data.log, ...result })}\n`);
          return result;
        },
        { connection: bullConnection(target), concurrency: threads },
      );
      let lastError = '';
      // ioredis reconnects by itself; say so once per distinct error instead of once per retry.
      worker.on('error', (err) => {
        const text = err.message.split('\n')[0] ?? '';
        if (text !== lastError) process.stderr.write(`rrvm: worker: Redis at ${target.label}: ${text} (retrying)\n`);
        lastError = text;
      });
      await worker.waitUntilReady();
      process.stderr.write(`rrvm: worker: working queue ${ANALYZE_QUEUE} at ${target.label} with ${threads} thread(s); Ctrl-C stops\n`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      // A second Ctrl-C does not wait for the jobs running.
      process.once('SIGINT', () => process.exit(1));
      process.stderr.write(`rrvm: worker: ${signal}: finishing the jobs started\n`);
      await worker.close();
      await pool.close();
      process.stderr.write(`rrvm: worker: stopped after ${worked} job(s)\n`);
    });
}
