#!/usr/bin/env node
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { CommanderError } from 'commander';
import { config as rxjsConfig } from 'rxjs';
import { RrvmError } from '../core/rrvm-error.js';
import { ExitStatus } from '../core/rrvm-error.js';
import { createProgram } from './program.js';
import { guardStdout } from './stdout.js';

// A long-running dispatch loop is bimodal under on-stack replacement (PERF-NOTES): turn it off.
setFlagsFromString('--no-use-osr');
guardStdout();

/** The first error a tap threw inside an Observable callback (rxjs reports those asynchronously). */
let tapFailure: unknown = null;
rxjsConfig.onUnhandledError = (err) => {
  tapFailure ??= err;
};

/** Runs the CLI and maps every failure to a one-line message and an exit status, in one place. */
async function main(argv: string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv);
    // rxjs reports errors thrown in subscribers from a timer: let those fire before deciding.
    await sleep(2);
    if (tapFailure !== null) {
      process.stderr.write(`rrvm: a tap failed: ${tapFailure instanceof Error ? tapFailure.message : String(tapFailure)}\n`);
      return ExitStatus.USAGE_OR_INPUT;
    }
    return typeof process.exitCode === 'number' ? process.exitCode : ExitStatus.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? ExitStatus.OK : ExitStatus.USAGE_OR_INPUT;
    }
    if (err instanceof RrvmError) {
      process.stderr.write(`rrvm: ${err.message}\n`);
      return err.exitCode;
    }
    const detail = process.env.RRVM_DEBUG ? (err as Error).stack : (err as Error).message;
    process.stderr.write(`rrvm: internal error: ${detail} (set RRVM_DEBUG=1 for a stack trace)\n`);
    return 70;
  }
}

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

const status = await main(process.argv);
// NB: process.exit drops output still queued for a slow pipe (`rrvm dump … | less`).
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(status);
