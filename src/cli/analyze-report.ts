import { ExitStatus } from '../core/rrvm-error.js';
import type { AnalyzeOutcome, AnalyzeResult } from './analyze-job.js';

/** One log's result as `analyze` reports it. */
export type LogResult = { log: string } & AnalyzeResult;

/** How many logs ended each way. */
export type AnalyzeSummary = { logs: number } & Record<AnalyzeOutcome, number>;

/** The outcomes in the order the summary lists them. */
const OUTCOMES: readonly AnalyzeOutcome[] = ['ok', 'divergence', 'incomplete', 'error'];

/** Counts the results by outcome. */
export function summarize(results: readonly LogResult[]): AnalyzeSummary {
  const summary: AnalyzeSummary = { logs: results.length, ok: 0, divergence: 0, incomplete: 0, error: 0 };
  for (const r of results) summary[r.outcome]++;
  return summary;
}

/** One line per log: the outcome, padded to one column, the log, and what happened. */
export function resultLine(r: LogResult): string {
  const head = `${r.outcome.padEnd(10)} ${r.log}`;
  switch (r.outcome) {
    case 'ok':
      return `${head}: ${r.icount} instructions, ${r.events} events, guest ${r.guest}, final digest ${r.finalDigest}`;
    case 'divergence': {
      // The report's first lines: where, what the log expected, what happened instead.
      const [, expected = '', actual = ''] = (r.message ?? '').split('\n').map((line) => line.trim().replace(/^(\w+):\s+/, '$1: '));
      return `${head}: at icount ${r.icount}; ${expected}; ${actual}`;
    }
    default:
      return `${head}: ${(r.message ?? '').split('\n')[0]}`;
  }
}

/** The closing line: `N logs: a ok, b divergence, c incomplete, d error`. */
export function summaryLine(s: AnalyzeSummary): string {
  return `${s.logs} log${s.logs === 1 ? '' : 's'}: ${OUTCOMES.map((o) => `${s[o]} ${o}`).join(', ')}`;
}

/** The exit status: 3 if any log diverged, else 1 if any failed otherwise, else 0. */
export function analyzeStatus(s: AnalyzeSummary): number {
  if (s.divergence > 0) return ExitStatus.DIVERGENCE;
  return s.incomplete + s.error > 0 ? ExitStatus.USAGE_OR_INPUT : ExitStatus.OK;
}
