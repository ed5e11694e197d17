import type { Command } from 'commander';
import { stdoutClosed, writeOut } from './stdout.js';
import { filter, takeWhile } from 'rxjs';
import { LogReader } from '../../codecs/index.js';
import { replaySource } from '../../streams/replay-source.js';
import { eventJson } from '../../streams/taps/events-jsonl.js';
import { describeEvent } from '../engine/divergence.js';
import { EVENT_KINDS, type EventKind } from '../core/event.js';
import { RrvmError } from '../core/rrvm-error.js';
import { parseCount } from './parse-options.js';

interface DumpOptions {
  json?: boolean;
  kind: string[];
  from?: number;
  to?: number;
}

/** `rrvm dump run.rrlog`: one line per event, optionally filtered by kind and icount range. */
export function dumpCommand(program: Command): void {
  program
    .command('dump')
    .summary('print a log\'s events, one per line')
    .description('Prints every event of a log as `KIND @icount #seq field=value…` (or JSON lines with --json), in stream order. Filters combine: --kind CLOCK --from 1000 --to 2000.')
    .argument('<log>', 'the .rrlog')
    .option('--json', 'one JSON object per line (binary payloads as hex)')
    .option('--kind <kind>', `only events of this kind (repeatable): ${EVENT_KINDS.join(', ')}`, (k: string, prev: string[]) => [...prev, k.toUpperCase()], [] as string[])
    .option('--from <icount>', 'only events at or after this icount', parseCount)
    .option('--to <icount>', 'only events at or before this icount', parseCount)
    .action((logPath: string, opts: DumpOptions) => {
      for (const kind of opts.kind) {
        if (!(EVENT_KINDS as readonly string[]).includes(kind)) {
          throw new RrvmError('cli.usage', `unknown event kind '${kind}' (kinds: ${EVENT_KINDS.join(', ')})`);
        }
      }
      const kinds = new Set(opts.kind as EventKind[]);
      const reader = LogReader.open(logPath);
      const from = opts.from ?? 0;
      const lines: string[] = [];
      const flush = (): void => {
        if (lines.length > 0) writeOut(lines.join('\n') + '\n');
        lines.length = 0;
      };
      // The log as the Observable the replay source makes of it; it emits synchronously.
      replaySource({ events: () => reader.events(from) })
        .pipe(
          takeWhile((e) => (opts.to === undefined || e.icount <= opts.to) && !stdoutClosed()),
          filter((e) => e.icount >= from && (kinds.size === 0 || kinds.has(e.kind))),
        )
        .subscribe((e) => {
          lines.push(opts.json ? eventJson(e) : describeEvent(e));
          if (lines.length >= 1000) flush();
        });
      flush();
      const cut = reader.truncatedAt;
      if (cut !== null) process.stderr.write(`rrvm: log ends without END at icount ${cut.icount} (cut short at offset ${cut.offset}, followed by ${cut.reason})\n`);
    });
}
