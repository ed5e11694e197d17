import type { Command } from 'commander';
import { writeOut } from './stdout.js';
import { LogReader } from '../../codecs/index.js';
import { ExitStatus, RrvmError } from '../core/rrvm-error.js';
import { addElfOptions } from './replay-command.js';
import { replayLog } from './replay-run.js';
import { addDriveOption } from './drive-options.js';
import { countLogSegments, describeVerdict, verifyLogSegment } from './verify-segments.js';
import type { SegmentVerdict } from '../engine/segment-verify.js';

interface VerifyOptions {
  elf?: string;
  force?: boolean;
  json?: boolean;
  fromSnapshot?: string;
  segments?: boolean;
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

/** `verify --segments`: every segment on its own, serially, one line each and a summary; the exit status. */
async function verifySegments(logPath: string, opts: VerifyOptions): Promise<number> {
  const count = countLogSegments(logPath, opts);
  const verdicts: SegmentVerdict[] = [];
  for (let i = 0; i < count; i++) {
    const verdict = await verifyLogSegment(logPath, i, opts);
    verdicts.push(verdict);
    if (!opts.json) writeOut(describeVerdict(verdict) + '\n');
  }
  const failed = verdicts.filter((v) => !v.ok).map((v) => v.index);
  if (opts.json) writeOut(JSON.stringify({ ok: failed.length === 0, segments: verdicts }) + '\n');
  else if (failed.length === 0) writeOut(`OK ${logPath}: ${count} segment(s) replayed identically\n`);
  else writeOut(`FAILED ${logPath}: segment(s) ${failed.join(', ')} of ${count} diverged\n`);
  return failed.length === 0 ? ExitStatus.OK : ExitStatus.DIVERGENCE;
}
