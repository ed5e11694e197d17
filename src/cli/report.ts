import type { SessionResult } from '../engine/session.js';
import { peakRssMiB } from './peak-rss.js';

/** Prints a stop message (if any) on stderr and returns the exit status. */
export function reportStop(outcome: { status: number; message: string | null }): number {
  if (outcome.message !== null) process.stderr.write(`rrvm: ${outcome.message}\n`);
  return outcome.status;
}

/** Prints instructions executed, host time, MIPS and the process's peak resident memory on stderr (`--stats`). */
export function printStats(result: SessionResult): void {
  const seconds = result.hostMs / 1000;
  const mips = seconds > 0 ? result.icount / seconds / 1e6 : 0;
  process.stderr.write(`rrvm: ${result.icount} instructions in ${seconds.toFixed(3)} s (${mips.toFixed(1)} MIPS), peak RSS ${peakRssMiB().toFixed(1)} MiB\n`);
}
