import type { Command } from 'commander';
import { cutLog } from '../engine/log-cut.js';
import { addElfOptions } from './replay-command.js';
import { addDriveOption } from './drive-options.js';
import { checkLogTarget } from './check-log-target.js';
import { openReplaySource } from './open-replay-source.js';
import { parseCount } from './parse-options.js';
import { refuseSameFile, rewriteLog } from './rewrite-log.js';
import { writeOut } from './stdout.js';

interface CutOptions {
  from: number;
  to?: number;
  output: string;
  elf?: string;
  force?: boolean;
  drive: string[];
}

/** `rrvm cut run.rrlog --from N [--to M] -o part.rrlog`: a log of part of a run that replays on its own. */
export function cutCommand(program: Command): void {
  const cmd = program
    .command('cut')
    .summary('write a log of part of a run (from icount N to M) that replays on its own')
    .description(
      'Writes a new log that starts from the machine state at icount N, stored in it as a snapshot (found by replaying the log to N, from the nearest snapshot the log holds), and holds the events from N to M (to the end without --to). Before M it ends as a recording stopped there would: SHUTDOWN, a CHECKPOINT of the state at M, END. Icounts stay those of the original, so the CHECKPOINT digests of both logs compare, and the cut log replays and verifies on its own. The disk images are still needed (or a packed log: the cut of a packed log is packed too).',
    )
    .argument('<log>', 'the .rrlog to cut (complete: it must end with END)')
    .requiredOption('--from <icount>', 'where the cut log starts', parseCount)
    .option('--to <icount>', 'where it ends (default: where the original ends)', parseCount)
    .requiredOption('-o, --output <file>', 'the cut log to write (never the input)');
  cmd.addHelpText(
    'after',
    `
Examples:
  rrvm cut run.rrlog --from 5M --to 6M -o part.rrlog
  rrvm replay part.rrlog          # replays icounts 5 000 000 to 6 000 000
  rrvm verify part.rrlog`,
  );
  addDriveOption(addElfOptions(cmd)).action(async (logPath: string, opts: CutOptions) => {
    refuseSameFile(logPath, opts.output);
    const source = openReplaySource(logPath, opts);
    try {
      checkLogTarget(opts.output, opts.elf ?? source.reader.header.elfPath);
      const outcome = await rewriteLog(source.reader, opts.output, (open) =>
        cutLog(source, { fromIcount: opts.from, ...(opts.to === undefined ? {} : { toIcount: opts.to }) }, open),
      );
      const start = outcome.startedAt === null ? 'replayed from the start' : `replayed from the snapshot at icount ${outcome.startedAt}`;
      writeOut(
        `cut ${opts.output}: icount ${outcome.fromIcount} to ${outcome.toIcount}, ${outcome.events} events, starting snapshot ${outcome.snapshotBytes} bytes (${start})\n`,
      );
    } finally {
      source.close();
    }
  });
}
