import type { Command } from 'commander';
import { LiveMode } from '../engine/live-mode.js';
import { Session } from '../engine/session.js';
import { describeStop } from './exit-status.js';
import { loadGuest } from './load-guest.js';
import { addMachineOptions, type MachineOptions } from './machine-options.js';
import { printStats, reportStop } from './report.js';
import { stdinSerial } from './stdin-serial.js';

/** `rrvm run <elf>`: runs a guest live, console on stdout, stdin into the UART. */
export function runCommand(program: Command): void {
  addMachineOptions(
    program
      .command('run')
      .summary('run a guest ELF (no recording)')
      .description(
        'Runs a RISC-V RV32 guest ELF on the virt board. The guest console is on stdout; stdin goes to the\n' +
          'UART (raw mode on a terminal: Ctrl-A X quits). Exit status: 0 when the guest passes (test finisher\n' +
          'or tohost), 2 with its fail code, 1 on bad input, 4 when --max-insns stops it first.',
      )
      .argument('<elf>', 'guest executable (ELF32 RISC-V, linked for RAM at 0x80000000)'),
  ).action(async (elfPath: string, opts: MachineOptions) => {
    const { image } = loadGuest(elfPath, opts.memory);
    let mode: LiveMode | undefined;
    const { queue, detach } = stdinSerial((reason) => mode?.requestShutdown(reason));
    mode = new LiveMode(queue, opts.idle, process.stdin.isTTY === true);
    const onSigint = (): void => mode?.requestShutdown('interrupted (SIGINT)');
    process.on('SIGINT', onSigint);
    try {
      const session = new Session(image, mode, {
        config: { ramBytes: opts.memory, icountShift: opts.icountShift },
        maxInsns: opts.maxInsns ?? Infinity,
        onConsole: (bytes) => process.stdout.write(bytes),
      });
      const result = await session.run();
      if (opts.stats) printStats(result);
      process.exitCode = reportStop(describeStop(result.stop, result.icount));
    } finally {
      detach();
      process.off('SIGINT', onSigint);
    }
  });
}
