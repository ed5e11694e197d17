import { Command } from 'commander';
import { runCommand } from './run-command.js';

/** The package version, shown by `rrvm --version` and written into log headers. */
export const RRVM_VERSION = '0.1.0';

/** Builds the `rrvm` commander program with every sub-command. */
export function createProgram(): Command {
  const program = new Command('rrvm')
    .description('Deterministic record/replay RISC-V (RV32IMAC) virtual machine on the QEMU virt board')
    .version(RRVM_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  runCommand(program);
  return program;
}
