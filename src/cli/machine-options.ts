import { Option, type Command } from 'commander';
import { DEFAULT_RAM_BYTES } from '../machine/memory-map.js';
import type { IdlePolicy } from '../engine/live-mode.js';
import { parseCount, parseIntInRange, parseMemorySize } from './parse-options.js';

/** Options shared by the commands that build a machine (`run`, `record`). */
export interface MachineOptions {
  memory: number;
  icountShift: number;
  maxInsns?: number;
  idle: IdlePolicy;
  stats?: boolean;
}

/** Adds the machine options to a command. */
export function addMachineOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-m, --memory <size>', 'guest RAM size, e.g. 64M, 256M, 1G').argParser(parseMemorySize).default(DEFAULT_RAM_BYTES, '128M'))
    .option('--icount-shift <n>', 'virtual time per instruction is 2^n ns (as QEMU -icount shift=n)', parseIntInRange(0, 10), 3)
    .option('--max-insns <n>', 'stop after n instructions (exit status 4 if the guest has not finished)', parseCount)
    .addOption(
      new Option('--idle <policy>', 'when the guest waits (WFI): skip virtual time to the next timer, or wait in real time')
        .choices(['skip', 'realtime'])
        .default('skip'),
    )
    .option('--stats', 'print instructions executed and MIPS on stderr at the end');
}
