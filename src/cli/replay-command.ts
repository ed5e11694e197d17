import type { Command } from 'commander';
import { writeOut } from './stdout.js';
import { ExitStatus } from '../core/rrvm-error.js';
import { describeStop } from './exit-status.js';
import { parseCount } from './parse-options.js';
import { printStats, reportStop } from './report.js';
import { replayLog, type ReplayOptions } from './replay-run.js';
import { addTapOption } from './tap-options.js';
import { addDriveOption } from './drive-options.js';
import { addNetPcapOption } from './net-options.js';
import { addAudioOptions } from './audio-options.js';

/** Adds the options that pick the guest ELF for a log. */
export function addElfOptions(cmd: Command): Command {
  return cmd
    .option('--elf <file>', 'the guest ELF (default: the path stored in the log); its SHA-256 must match the log')
    .option('--force', 'replay even if the ELF does not match the log (any difference is then reported as a divergence)');
}

/** `rrvm replay run.rrlog`: re-executes a recorded run, console on stdout, no input read. */
export function replayCommand(program: Command): void {
  const cmd = program
    .command('replay')
    .summary('re-execute a recorded run from its log')
    .description(
      'Re-executes the recorded guest instruction for instruction from the log alone: no input is read and the host clock is never consulted. The console goes to stdout. If the execution disagrees with the log (an event at another icount, a different state digest, a guest that halts early), the replay stops with a report and exit status 3. Otherwise it exits with the recorded guest\'s status.',
    )
    .argument('<log>', 'the .rrlog written by `rrvm record`')
    .option('--until <icount>', 'stop after this many instructions', parseCount)
    .option('--save-snapshot <file>', 'write the whole machine state where the replay stops (use with --until) to FILE')
    .option('--from-snapshot <file>', 'start from a snapshot written by --save-snapshot instead of icount 0; only the console output after it is printed')
    .option('--stats', 'print instructions executed and MIPS on stderr');
  cmd.addHelpText(
    'after',
    `
Examples:
  rrvm replay run.rrlog
  rrvm replay --until 5M --save-snapshot at5M.rrsnap run.rrlog    # state at icount 5 000 000
  rrvm replay --from-snapshot at5M.rrsnap run.rrlog               # from there to the end`,
  );
  addAudioOptions(addNetPcapOption(addDriveOption(addTapOption(addElfOptions(cmd)))), false).action(async (logPath: string, opts: ReplayOptions & { stats?: boolean }) => {
    const outcome = await replayLog(logPath, opts, (bytes) => writeOut(bytes));
    if (opts.stats) printStats(outcome.result);
    const { stop, icount } = outcome.result;
    if (stop.kind === 'limit' && opts.until !== undefined) {
      const saved = opts.saveSnapshot !== undefined ? `; state saved to ${opts.saveSnapshot}` : '';
      process.stderr.write(`rrvm: stopped at icount ${icount} (--until)${saved}\n`);
      process.exitCode = ExitStatus.OK;
      return;
    }
    process.exitCode = reportStop(describeStop(stop, icount, outcome.truncatedAt));
  });
}
