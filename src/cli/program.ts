import { Command } from 'commander';
import { analyzeCommand } from './analyze-command.js';
import { cutCommand } from './cut-command.js';
import { diffCommand } from './diff-command.js';
import { dumpCommand } from './dump-command.js';
import { gdbCommand } from './gdb-command.js';
import { infoCommand } from './info-command.js';
import { packCommand } from './pack-command.js';
import { recordCommand } from './record-command.js';
import { replayCommand } from './replay-command.js';
import { verifyCommand } from './verify-command.js';
import { runCommand } from './run-command.js';
import { workerCommand } from './worker-command.js';
import { RRVM_VERSION } from './version.js';

/** Builds the `rrvm` commander program with every sub-command. */
export function createProgram(): Command {
  const program = new Command('rrvm')
    .description('Deterministic record/replay RISC-V (RV32IMAC) virtual machine on the QEMU virt board')
    .version(RRVM_VERSION)
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'rrvm: ')) })
    .exitOverride();
  program.addHelpText('after', '\nRun `rrvm <command> --help` for a command\'s options. Docs: README.md, docs/.');
  runCommand(program);
  recordCommand(program);
  replayCommand(program);
  verifyCommand(program);
  infoCommand(program);
  dumpCommand(program);
  gdbCommand(program);
  packCommand(program);
  diffCommand(program);
  analyzeCommand(program);
  workerCommand(program);
  cutCommand(program);
  return program;
}
