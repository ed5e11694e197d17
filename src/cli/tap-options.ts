import { isAbsolute, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { loadTap, type LoadedTap } from '../../streams/taps/load-tap.js';

/** Adds the repeatable `--tap` option. */
export function addTapOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--tap <spec>', 'attach a tap: events-jsonl[=FILE], console[=FILE], net-pcap[=FILE], insn-trace[=FILE], mmio[=FILE], coverage[=FILE][,lcov=FILE.info], profile[=FILE][,every=N], or ./my-tap.js (repeatable; see docs/taps.md)')
      .argParser((spec: string, previous: string[]) => [...previous, spec])
      .default([], 'none'),
  );
}

/**
 * Loads every `--tap` spec, in order. Given `cwd` (a worker thread or machine running a job for
 * a caller elsewhere), module paths and `file=` options are resolved against it instead of the
 * process's directory.
 */
export async function loadTaps(specs: readonly string[], cwd?: string): Promise<LoadedTap[]> {
  const taps: LoadedTap[] = [];
  for (const spec of specs) {
    const tap = await loadTap(spec, cwd);
    const file = tap.options['file'];
    if (cwd !== undefined && file !== undefined && !isAbsolute(file)) tap.options['file'] = resolve(cwd, file);
    taps.push(tap);
  }
  return taps;
}
