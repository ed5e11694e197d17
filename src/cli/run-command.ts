import type { Command } from 'commander';
import { liveRun, type LiveOptions } from './live-run.js';
import { addMachineOptions } from './machine-options.js';
import { addDriveOption } from './drive-options.js';
import { addSerialOptions } from './serial-options.js';
import { addTapOption } from './tap-options.js';
import { addNetOptions, addNetPcapOption } from './net-options.js';
import { addAudioOptions } from './audio-options.js';

/** `rrvm run <elf>`: runs a guest live, console on stdout, stdin into the UART. */
export function runCommand(program: Command): void {
  const cmd = program
    .command('run')
    .summary('run a guest ELF (no recording)')
    .description(
      'Runs a RISC-V RV32 guest ELF on the virt board. The guest console is on stdout; stdin goes to the UART (raw mode on a terminal: Ctrl-A X quits). Exit status: 0 when the guest passes (test finisher or tohost), 2 with its fail code, 1 on bad input, 4 when --max-insns stops it first.',
    )
    .argument('<elf>', 'guest executable (ELF32 RISC-V, linked for RAM at 0x80000000)');
  addAudioOptions(addNetPcapOption(addNetOptions(addDriveOption(addTapOption(addSerialOptions(addMachineOptions(cmd))))))).action(async (elfPath: string, opts: LiveOptions) => {
    process.exitCode = await liveRun(elfPath, opts, null);
  });
}
