import type { Command } from 'commander';
import { writeOut } from './stdout.js';
import { LogReader } from '../../codecs/index.js';
import { ExitStatus } from '../core/rrvm-error.js';
import { addElfOptions } from './replay-command.js';
import { replayLog } from './replay-run.js';
import { addDriveOption } from './drive-options.js';

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
    .option('--json', 'print the result as JSON');
  addDriveOption(addElfOptions(cmd)).action(async (logPath: string, opts: { elf?: string; force?: boolean; json?: boolean; fromSnapshot?: string; drive: string[] }) => {
    LogReader.open(logPath).requireComplete();
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
