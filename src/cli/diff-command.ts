import type { Command } from 'commander';
import { LogReader } from '../../codecs/index.js';
import type { RrEvent } from '../core/event.js';
import { ExitStatus } from '../core/rrvm-error.js';
import { describeEvent } from '../engine/divergence.js';
import { diffLogs } from '../engine/log-diff.js';
import { eventJson } from '../../streams/taps/events-jsonl.js';
import { writeOut } from './stdout.js';

/** `rrvm diff a.rrlog b.rrlog`: the first icount where two recordings differ, with context. */
export function diffCommand(program: Command): void {
  program
    .command('diff')
    .summary('show where two recordings first differ')
    .description(
      'Compares two recordings of the same guest event by event and prints the first difference — an event of another kind, at another icount or with other values, or, for two CHECKPOINTs, the sub-digests (hart, RAM, devices, console output) that differ — with the events before it and the next events of each log. Exit status 0 when the logs hold the same events, 3 when they differ.',
    )
    .argument('<a>', 'the first .rrlog')
    .argument('<b>', 'the second .rrlog')
    .option('--json', 'print the difference as one JSON object')
    .action((aPath: string, bPath: string, opts: { json?: boolean }) => {
      const a = LogReader.open(aPath);
      const b = LogReader.open(bPath);
      const notes: string[] = [];
      if (a.header.elfSha256 !== b.header.elfSha256) notes.push('the logs were recorded with different guest ELFs');
      const difference = diffLogs(a, b);
      if (opts.json) {
        const events = (list: readonly RrEvent[]): unknown[] => list.map((e) => JSON.parse(eventJson(e)) as unknown);
        writeOut(
          JSON.stringify(
            difference === null
              ? { identical: true, notes }
              : { identical: false, notes, icount: difference.icount, seq: difference.seq, what: difference.what, before: events(difference.before), a: events(difference.a), b: events(difference.b) },
          ) + '\n',
        );
      } else if (difference === null) {
        writeOut([...notes.map((n) => `note: ${n}`), `identical: ${aPath} and ${bPath} hold the same events`].join('\n') + '\n');
      } else {
        const lines = [
          ...notes.map((n) => `note: ${n}`),
          `first difference at icount ${difference.icount} (event #${difference.seq}): ${difference.what}`,
          ...(difference.before.length > 0 ? ['  before (both):', ...difference.before.map((e) => `    ${describeEvent(e)}`)] : ['  (no events before it)']),
          `  ${aPath}:`,
          ...(difference.a.length > 0 ? difference.a.map((e) => `    ${describeEvent(e)}`) : ['    (ends)']),
          `  ${bPath}:`,
          ...(difference.b.length > 0 ? difference.b.map((e) => `    ${describeEvent(e)}`) : ['    (ends)']),
        ];
        writeOut(lines.join('\n') + '\n');
      }
      process.exitCode = difference === null ? ExitStatus.OK : ExitStatus.DIVERGENCE;
    });
}
