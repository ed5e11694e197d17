import { basename } from 'node:path';
import { RrvmError } from '../core/rrvm-error.js';
import { loadTaps } from './tap-options.js';

/** The placeholder in an `analyze --tap` spec that stands for each log's name. */
export const LOG_PLACEHOLDER = '{log}';

/** The `--tap` specs for one log: `{log}` replaced by the log's file name without `.rrlog`. */
export function tapsForLog(specs: readonly string[], logPath: string): string[] {
  const name = basename(logPath).replace(/\.rrlog$/, '');
  return specs.map((spec) => spec.replaceAll(LOG_PLACEHOLDER, name));
}

/**
 * Loads every log's taps once up front, so a bad spec is one error before any replay starts,
 * and refuses specs under which two logs (or two taps) would write the same file: `cli.usage`,
 * suggesting `{log}` in the file name.
 */
export async function checkTapOutputs(logs: readonly string[], specsPerLog: readonly (readonly string[])[], cwd: string): Promise<void> {
  const writers = new Map<string, string>();
  for (const [i, specs] of specsPerLog.entries()) {
    const taps = await loadTaps(specs, cwd);
    for (const [t, tap] of taps.entries()) {
      const file = tap.options['file'];
      if (file === undefined) continue;
      const writer = `${logs[i]!} (--tap ${specs[t]!})`;
      const other = writers.get(file);
      if (other !== undefined) {
        throw new RrvmError('cli.usage', `${other} and ${writer} would both write ${file}; put ${LOG_PLACEHOLDER} in the file name, e.g. --tap events-jsonl=out/${LOG_PLACEHOLDER}.jsonl`);
      }
      writers.set(file, writer);
    }
  }
}
