import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { CONSOLE_TRANSCRIPT_FILE, consoleTranscript } from './console-transcript.js';
import { EVENTS_JSONL_FILE, eventsJsonl } from './events-jsonl.js';
import { NET_PCAP_FILE, netPcap } from './net-pcap.js';
import type { Tap } from './tap.js';
import { INSN_TRACE_FILE, insnTrace } from './insn-trace.js';
import { MMIO_TRACE_FILE, mmioTrace } from './mmio-trace.js';
import { COVERAGE_FILE, coverage } from './coverage.js';
import { PROFILE_FILE, profile } from './profile.js';

/** A tap ready to attach: its name for messages, the function, and the options from its spec. */
export interface LoadedTap {
  name: string;
  tap: Tap;
  options: Record<string, string>;
}

/** Built-in taps by name, with the default of their `file` option. */
const BUILT_INS: Record<string, { tap: Tap; file: string }> = {
  'events-jsonl': { tap: eventsJsonl, file: EVENTS_JSONL_FILE },
  console: { tap: consoleTranscript, file: CONSOLE_TRANSCRIPT_FILE },
  'net-pcap': { tap: netPcap, file: NET_PCAP_FILE },
  'insn-trace': { tap: insnTrace, file: INSN_TRACE_FILE },
  mmio: { tap: mmioTrace, file: MMIO_TRACE_FILE },
  coverage: { tap: coverage, file: COVERAGE_FILE },
  profile: { tap: profile, file: PROFILE_FILE },
};

/**
 * Resolves a `--tap` spec: `NAME[=FILE][,key=value…]` for a built-in (`events-jsonl`,
 * `console`, `insn-trace`, `mmio`, `coverage`, `profile`), or `PATH[,key=value…]` for a JS module (absolute, or relative to `cwd`) whose
 * default export is a Tap. Failures are RrvmError `tap.load` with a one-line message.
 */
export async function loadTap(spec: string, cwd: string = process.cwd()): Promise<LoadedTap> {
  const fail = (what: string): RrvmError => new RrvmError('tap.load', `tap '${spec}': ${what}`);
  const [head = '', ...rest] = spec.split(',');
  const options: Record<string, string> = {};
  for (const pair of rest) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw fail(`option '${pair}' is not key=value`);
    options[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const eq = head.indexOf('=');
  const name = eq < 0 ? head : head.slice(0, eq);
  const builtIn = Object.hasOwn(BUILT_INS, name) ? BUILT_INS[name] : undefined;
  if (builtIn !== undefined) {
    const file = eq < 0 ? builtIn.file : head.slice(eq + 1);
    if (file === '') throw fail('empty file name');
    return { name, tap: builtIn.tap, options: { file, ...options } };
  }
  if (!/[\\/]|\.[cm]?js$/.test(head)) {
    throw fail(`no such built-in tap (${Object.keys(BUILT_INS).join(', ')}); a module needs a path like ./my-tap.js`);
  }
  const path = resolve(cwd, head);
  if (!existsSync(path)) throw fail(`no such file ${path}`);
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (err) {
    throw fail(`cannot import ${path}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  }
  if (typeof module.default !== 'function') throw fail(`${path} has no default export function (session) => …`);
  return { name: head, tap: module.default as Tap, options };
}
