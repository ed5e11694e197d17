import { hex } from '../machine/running-hash.js';
import type { RrEvent } from '../core/event.js';
import { RrvmError } from '../core/rrvm-error.js';

/** What a divergence report says. */
export interface DivergenceReport {
  icount: number;
  pc: number;
  /** The event the log expected next (or a description). */
  expected: string;
  /** What the guest did instead. */
  actual: string;
  /** The last events applied before the mismatch. */
  recent: RrEvent[];
}

/** One event as a short line for reports and `rrvm dump`. */
export function describeEvent(e: RrEvent): string {
  const { kind, icount, seq, ...payload } = e;
  const fields = Object.entries(payload).map(([k, v]) => `${k}=${formatValue(v)}`);
  return `${kind} @${icount} #${seq}${fields.length > 0 ? ' ' + fields.join(' ') : ''}`;
}

function formatValue(v: unknown): string {
  if (v instanceof Uint8Array) {
    const text = hex(v);
    const printable = [...v].every((b) => b >= 0x20 && b < 0x7f);
    return printable && v.length > 0 ? JSON.stringify(Buffer.from(v).toString('latin1')) : text.length > 64 ? `${text.slice(0, 64)}…(${v.length} bytes)` : text || '""';
  }
  // Clock values exceed 2^53: print the exact integer the double holds, not its shortest form.
  if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) return BigInt(v).toString();
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * Replay and recording disagree: stops the replay with exit status 3 and a report naming the
 * icount, pc, the expected event, what happened instead and the last events applied.
 */
export class DivergenceError extends RrvmError {
  constructor(readonly report: DivergenceReport) {
    const pc = '0x' + (report.pc >>> 0).toString(16).padStart(8, '0');
    const lines = [
      `replay diverged from the recording at icount ${report.icount} (pc ${pc})`,
      `  expected: ${report.expected}`,
      `  actual:   ${report.actual}`,
      report.recent.length > 0 ? '  last events applied:' : '  no events applied yet',
      ...report.recent.map((e) => `    ${describeEvent(e)}`),
    ];
    super('replay.divergence', lines.join('\n'));
  }
}
