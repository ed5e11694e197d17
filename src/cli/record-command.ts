import { randomInt } from 'node:crypto';
import { Option, type Command } from 'commander';
import { liveRun, type LiveOptions } from './live-run.js';
import { packRecording } from './pack-recording.js';
import { addMachineOptions } from './machine-options.js';
import { addDriveOption } from './drive-options.js';
import { parseCount } from './parse-options.js';
import { ExitStatus, RrvmError } from '../core/rrvm-error.js';
import { addSerialOptions } from './serial-options.js';
import { addTapOption } from './tap-options.js';
import { addNetOptions, addNetPcapOption } from './net-options.js';
import { addAudioOptions } from './audio-options.js';
import { storeRecordedSnapshots } from './record-snapshots.js';

/** Default instructions between CHECKPOINT events (DESIGN: 2^24). */
const DEFAULT_CHECKPOINT_EVERY = 2 ** 24;

interface RecordOptions extends LiveOptions {
  output: string;
  compress: boolean;
  checkpointEvery: number;
  /** `--snapshot-every N`: store a snapshot in the log every N instructions. */
  snapshotEvery?: number;
  /** Embed the guest ELF at the end (`rrvm pack`). */
  pack?: boolean;
  /** `--chaos-io [seed]`: true without a seed. */
  chaosIo?: number | true;
}

/** `rrvm record <elf> -o run.rrlog`: runs a guest live and records every input into a log. */
export function recordCommand(program: Command): void {
  const cmd = program
    .command('record')
    .summary('run a guest and record every nondeterministic input into a log')
    .description(
      'Runs a guest like `rrvm run` and writes every input that reaches it (clock reads, serial input, keys and mouse motion, audio captured and consumed, disk completions, idle time skipped) into an .rrlog, with state digests every --checkpoint-every instructions. `rrvm replay` re-executes the run from the log alone. Ctrl-C (or Ctrl-A X on a terminal) ends the guest with a SHUTDOWN event and a complete log. Exit status as for `rrvm run`.',
    )
    .argument('<elf>', 'guest executable (ELF32 RISC-V)')
    .requiredOption('-o, --output <file>', 'the log to write (.rrlog)')
    .option('--compress', 'deflate each chunk of the log')
    .option('--pack', 'embed the guest ELF and the disk images in the log when the recording ends (as `rrvm pack`)')
    .option('--chaos-io [seed]', 'delay disk completions by random amounts (0–20 ms, from SEED; a random seed if none, printed on stderr) to shake out races in guest drivers; the log stays exactly replayable', parseCount)
    .option('--snapshot-every <n>', 'store the whole machine state in the log every N instructions (taken by replaying the log once when the recording ends), for `rrvm cut` and `rrvm verify --segments`', parseCount)
    .addOption(
      new Option('--checkpoint-every <n>', 'instructions between CHECKPOINT digests').argParser(parseCount).default(DEFAULT_CHECKPOINT_EVERY, '2^24'),
    );
  addAudioOptions(addNetPcapOption(addNetOptions(addDriveOption(addTapOption(addSerialOptions(addMachineOptions(cmd))))))).action(async (elfPath: string, opts: RecordOptions) => {
    if (opts.checkpointEvery < 1) throw new RrvmError('cli.usage', '--checkpoint-every must be at least 1');
    if (opts.snapshotEvery !== undefined && opts.snapshotEvery < 1) throw new RrvmError('cli.usage', '--snapshot-every must be at least 1');
    const chaos = opts.chaosIo === undefined ? undefined : opts.chaosIo === true ? randomInt(2 ** 31) : opts.chaosIo;
    if (chaos !== undefined) process.stderr.write(`rrvm: --chaos-io seed ${chaos}\n`);
    process.exitCode = await liveRun(elfPath, opts, {
      path: opts.output,
      compression: opts.compress ? 'deflate' : 'none',
      checkpointEvery: opts.checkpointEvery,
      ...(chaos === undefined ? {} : { chaosSeed: chaos }),
    });
    if (opts.snapshotEvery !== undefined && !(await storeRecordedSnapshots(opts.output, elfPath, opts.snapshotEvery)) && process.exitCode === ExitStatus.OK) {
      process.exitCode = ExitStatus.USAGE_OR_INPUT;
    }
    if (opts.pack) packRecording(opts.output, opts.output, { elf: elfPath });
  });
}
