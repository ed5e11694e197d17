import type { Command } from 'commander';
import { addDriveOption, parseDrives } from './drive-options.js';
import { packRecording } from './pack-recording.js';
import { writeOut } from './stdout.js';

/** `rrvm pack run.rrlog [-o packed.rrlog]`: a log that replays with nothing else, anywhere. */
export function packCommand(program: Command): void {
  const cmd = program
    .command('pack')
    .summary('embed the guest ELF and the disk images in a log, so that it replays without them')
    .description(
      'Makes a self-contained log: the guest ELF and the base image of every disk are copied into it (each once, however many drives use it), checked against the SHA-256 the log recorded, so `replay`, `verify`, `gdb` and `analyze` need neither the ELF nor the images at their recorded paths (nor --drive). An overlay a drive started from is not embedded: it is still given at replay. Without -o the log is replaced (through a temporary file).',
    )
    .argument('<log>', 'the .rrlog to pack')
    .option('-o, --output <file>', 'write the packed log here instead of replacing <log>')
    .option('--elf <file>', 'the guest ELF, if it moved since the recording (its SHA-256 must match)');
  addDriveOption(cmd);
  cmd.addHelpText('after', '\n--drive file=IMG, once per recorded drive in order: where the disk images are now, if they moved (their SHA-256 must match).');
  cmd.action((logPath: string, opts: { output?: string; elf?: string; drive: string[] }) => {
    const out = opts.output ?? logPath;
    const disks = parseDrives(opts.drive).map((d) => d.file);
    const outcome = packRecording(logPath, out, { ...(opts.elf === undefined ? {} : { elf: opts.elf }), disks });
    writeOut(`packed ${out}: ${outcome.files} file(s) embedded, ${outcome.bytes} bytes\n`);
  });
}
