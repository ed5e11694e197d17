import type { Command } from 'commander';
import { packRecording } from './pack-recording.js';
import { writeOut } from './stdout.js';

/** `rrvm pack run.rrlog [-o packed.rrlog]`: a log that replays with nothing else, anywhere. */
export function packCommand(program: Command): void {
  const cmd = program
    .command('pack')
    .summary('embed the guest ELF in a log, so that it replays without the ELF file')
    .description(
      'Makes a self-contained log: the guest ELF is copied into it, checked against the SHA-256 the log recorded, so `replay`, `verify` and `gdb` need no ELF at the recorded path. Disk images are not embedded yet (a log with drives still needs them). Without -o the log is replaced (through a temporary file).',
    )
    .argument('<log>', 'the .rrlog to pack')
    .option('-o, --output <file>', 'write the packed log here instead of replacing <log>')
    .option('--elf <file>', 'the guest ELF, if it moved since the recording (its SHA-256 must match)');
  cmd.action((logPath: string, opts: { output?: string; elf?: string }) => {
    const out = opts.output ?? logPath;
    const outcome = packRecording(logPath, out, opts.elf === undefined ? {} : { elf: opts.elf });
    writeOut(`packed ${out}: ${outcome.files} file(s) embedded, ${outcome.bytes} bytes\n`);
  });
}
