import { describePayload } from './families/describe-payload.js';
import { familyOf } from './families/registry.js';
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

/** One event as a short line for reports and `rrvm dump`: its family's dump line, or the fields of an engine event. */
export function describeEvent(e: RrEvent): string {
  const { kind, icount, seq, ...payload } = e;
  const text = (familyOf(kind)?.describe ?? describePayload)(payload as never);
  return `${kind} @${icount} #${seq}${text.length > 0 ? ' ' + text : ''}`;
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
