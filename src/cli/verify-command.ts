import type { Command } from 'commander';
import { writeOut } from './stdout.js';
import { LogReader } from '../../codecs/index.js';
import { ExitStatus, RrvmError } from '../core/rrvm-error.js';
import { addElfOptions } from './replay-command.js';
import { replayLog } from './replay-run.js';
import { addDriveOption } from './drive-options.js';
import { countLogSegments, describeVerdict, verifyLogSegment } from './verify-segments.js';
import type { SegmentVerdict } from '../engine/segment-verify.js';
import { resolve } from 'node:path';
import type { SegmentJob } from './analyze-job.js';
import { segmentPool } from './analyze-pool.js';
import { parseIntInRange } from './parse-options.js';

interface VerifyOptions {
  elf?: string;
  force?: boolean;
  json?: boolean;
  fromSnapshot?: string;
  segments?: boolean;
  jobs?: number;
  drive: string[];
}

/** `rrvm verify run.rrlog`: replays with every check and prints OK and the final digest. */
export function verifyCommand(program: Command): void {
  const cmd = program
    .command('verify')
    .summary('replay a log with every check on, without output; print OK and the final digest')
    .description(
      'Checks a log end to end: the file must be complete (END present, every chunk CRC intact) and its replay must match every event and every CHECKPOINT digest. Prints OK with the final state digest, or the divergence report (exit status 3). The guest console is not printed.',
    )
    .argument('<log>', 'the .rrlog to check')
    .option('--from-snapshot <file>', 'check only from a snapshot written by `rrvm replay --save-snapshot` to the end')
    .option('--segments', 'check the log segment by segment, each from its stored snapshot (`record --snapshot-every`) to the next one, one line each')
    .option('--jobs <n>', 'with --segments: verify this many segments at once, on worker threads (default 1)', parseIntInRange(1, 256))
    .option('--json', 'print the result as JSON');
  addDriveOption(addElfOptions(cmd)).action(async (logPath: string, opts: VerifyOptions) => {
    LogReader.open(logPath).requireComplete();
    if (opts.segments) {
      if (opts.fromSnapshot !== undefined) throw new RrvmError('cli.usage', '--segments and --from-snapshot do not go together');
      process.exitCode = await verifySegments(logPath, opts);
      return;
    }
    const outcome = await replayLog(logPath, { ...opts, tap: [] }, () => {});
    const summary = {
      ok: true,
      icount: outcome.result.icount,
      events: outcome.events,
      stop: outcome.result.stop.kind === 'halt' ? outcome.result.stop.halt.kind : outcome.result.stop.kind,
      finalDigest: outcome.finalDigest,
    };
    if (opts.json) writeOut(JSON.stringify(summary) + '\n');
    else writeOut(`OK ${logPath}: ${summary.icount} instructions, ${summary.events} events replayed identically; final digest ${summary.finalDigest}\n`);
    process.exitCode = ExitStatus.OK;
  });
}

/**
 * `verify --segments`: every segment on its own — serially, or `--jobs` at once on worker
 * threads — one line each, in order, and a summary; the exit status.
 */
async function verifySegments(logPath: string, opts: VerifyOptions): Promise<number> {
  const count = countLogSegments(logPath, opts);
  const jobs = Math.min(opts.jobs ?? 1, count);
  const pool = jobs > 1 ? await segmentPool(jobs) : null;
  const segmentJob = (index: number): SegmentJob => ({ kind: 'segment', log: resolve(logPath), index, elf: opts.elf, force: opts.force, drive: opts.drive });
  const verify = (index: number): Promise<SegmentVerdict> => (pool === null ? verifyLogSegment(logPath, index, opts) : pool.run(segmentJob(index), count));
  const verdicts: SegmentVerdict[] = [];
  try {
    // With a pool, every segment is queued at once; the lines still come out in order.
    const pending = pool === null ? [] : Array.from({ length: count }, (_, i) => verify(i));
    for (let i = 0; i < count; i++) {
      const verdict = await (pool === null ? verify(i) : pending[i]!);
      verdicts.push(verdict);
      if (!opts.json) writeOut(describeVerdict(verdict) + '\n');
    }
  } finally {
    await pool?.close();
  }
  const failed = verdicts.filter((v) => !v.ok).map((v) => v.index);
  if (opts.json) writeOut(JSON.stringify({ ok: failed.length === 0, segments: verdicts }) + '\n');
  else if (failed.length === 0) writeOut(`OK ${logPath}: ${count} segment(s) replayed identically\n`);
  else writeOut(`FAILED ${logPath}: segment(s) ${failed.join(', ')} of ${count} diverged\n`);
  return failed.length === 0 ? ExitStatus.OK : ExitStatus.DIVERGENCE;
}
