import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { AnalyzeJob } from './analyze-job.js';
import { analyzePool, defaultJobs, type JobRunner } from './analyze-pool.js';
import { analyzeStatus, resultLine, summarize, summaryLine, type LogResult } from './analyze-report.js';
import { checkTapOutputs, tapsForLog } from './analyze-taps.js';
import { parseIntInRange } from './parse-options.js';
import { progressLine } from './progress-line.js';
import { parseRedisUrl } from './redis-target.js';
import { writeOut } from './stdout.js';
import { addTapOption } from './tap-options.js';

/** Options of `rrvm analyze`. */
interface AnalyzeOptions {
  tap: string[];
  jobs?: number;
  json?: boolean;
  queue?: string;
}

/** `rrvm analyze [--tap T] [--jobs N] [--json] [--queue URL] logs...`: replays many logs in parallel. */
export function analyzeCommand(program: Command): void {
  const cmd = program
    .command('analyze')
    .summary('replay or verify many logs in parallel (worker threads, or workers on other machines)')
    .description(
      'Replays every log to its end with every check on, as `verify` does, and with the --tap taps attached, on a pool of worker threads (or, with --queue, on `rrvm worker` processes through Redis). Prints one line per log in the order given (ok / divergence at an icount / incomplete / error) and a summary; exit status 3 if any log diverged, 1 if any other failed, else 0. In a --tap spec, {log} stands for each log\'s file name without .rrlog; two logs may not write the same tap file.',
    )
    .argument('<logs...>', 'the .rrlog files')
    .addOption(
      new Option('--jobs <n>', `worker threads (default: the cores, here ${defaultJobs()}); with --queue each worker's own --jobs decides`)
        .argParser(parseIntInRange(1, 256))
        .conflicts('queue'),
    )
    .option('--json', 'print one JSON document: { logs: [...], summary }')
    .option('--queue <url>', 'send the jobs to `rrvm worker` processes through the BullMQ queue on Redis at redis://HOST:PORT');
  cmd.addHelpText(
    'after',
    `
Examples:
  rrvm analyze logs/*.rrlog                                   # verify them all
  rrvm analyze --tap events-jsonl=out/{log}.jsonl logs/*.rrlog
  rrvm analyze --queue redis://10.0.0.5:6379 logs/*.rrlog     # with \`rrvm worker --queue …\` running`,
  );
  addTapOption(cmd).action(async (logs: string[], opts: AnalyzeOptions) => {
    const cwd = process.cwd();
    const jobs: AnalyzeJob[] = logs.map((log) => ({ kind: 'log', log: resolve(cwd, log), taps: tapsForLog(opts.tap, log), cwd }));
    await checkTapOutputs(logs, jobs.map((job) => job.taps), cwd);
    const runner: JobRunner =
      opts.queue !== undefined
        ? // Loaded on demand: BullMQ takes longer to load than a short replay takes to run.
          await (await import('./analyze-queue.js')).analyzeQueue(parseRedisUrl(opts.queue))
        : await analyzePool(Math.min(opts.jobs ?? defaultJobs(), logs.length));
    const results = await runAll(runner, jobs, logs, opts.json === true);
    const summary = summarize(results);
    if (opts.json === true) writeOut(JSON.stringify({ logs: results, summary }) + '\n');
    else writeOut(summaryLine(summary) + '\n');
    process.exitCode = analyzeStatus(summary);
  });
}

/**
 * Runs every job and returns the results in the order of `jobs`, whatever order they finish
 * in; without `quiet`, each result line is printed as soon as every earlier one is.
 */
async function runAll(runner: JobRunner, jobs: readonly AnalyzeJob[], logs: readonly string[], quiet: boolean): Promise<LogResult[]> {
  const results: (LogResult | undefined)[] = jobs.map(() => undefined);
  const progress = progressLine('analyzing', jobs.length, 'log');
  let finished = 0;
  let printed = 0;
  const printReady = (): void => {
    if (quiet || results[printed] === undefined) return;
    progress.done();
    for (; printed < results.length && results[printed] !== undefined; printed++) writeOut(resultLine(results[printed]!) + '\n');
  };
  try {
    await Promise.all(
      jobs.map(async (job, i) => {
        const result = await runner.run(job);
        results[i] = { log: logs[i]!, ...result };
        progress.update(++finished);
        printReady();
      }),
    );
  } finally {
    progress.done();
    await runner.close();
  }
  // Every job has resolved: no slot is empty.
  return results as LogResult[];
}
