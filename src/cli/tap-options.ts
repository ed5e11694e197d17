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

/** Loads every `--tap` spec, in order. */
export async function loadTaps(specs: string[]): Promise<LoadedTap[]> {
  const taps: LoadedTap[] = [];
  for (const spec of specs) taps.push(await loadTap(spec));
  return taps;
}
