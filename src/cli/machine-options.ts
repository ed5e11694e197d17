import { Option, type Command } from 'commander';
import { DEFAULT_RAM_BYTES } from '../machine/memory-map.js';
import type { IdlePolicy } from '../engine/live-mode.js';
import type { MachineConfig, VirtioSpec } from '../machine/machine.js';
import { parseCount, parseIntInRange, parseMemorySize } from './parse-options.js';

/** Options shared by the commands that build a machine (`run`, `record`). */
export interface MachineOptions {
  memory: number;
  icountShift: number;
  maxInsns?: number;
  idle: IdlePolicy;
  stats?: boolean;
  /** Attach a virtio-rng device (entropy from the host, recorded as RANDOM events). */
  rng?: boolean;
}

/** The machine configuration the options ask for; `others` are the devices after the rng (network, input and sound devices). */
export function machineConfigOf(options: MachineOptions, drives: readonly VirtioSpec[], others: readonly VirtioSpec[] = []): MachineConfig {
  // Drives first, then the rng, then the others: the first takes the highest virtio slot, as in QEMU.
  return {
    ramBytes: options.memory,
    icountShift: options.icountShift,
    virtio: [...drives, ...(options.rng === true ? [{ kind: 'virtio-rng' } as const] : []), ...others],
  };
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
    .option('--rng', 'attach a virtio-rng device (virtio-mmio slot 7, irq 8): host entropy, recorded as RANDOM events')
    .option('--stats', 'print instructions executed and MIPS on stderr at the end');
}
