import type { DebugTarget, StopEvent } from '../engine/debug-target.js';
import { consoleLine } from './stop-reply.js';

/** What `monitor help` prints: one line per command. */
const HELP =
  'rrvm monitor commands:\n' +
  '  monitor icount      the current instruction count (instructions executed so far)\n' +
  '  monitor seek N      move to icount N, forwards or backwards (500k, 2M and 1G are accepted);\n' +
  '                      then `maint flush register-cache` so gdb reads the new state\n' +
  '  monitor info        the recording and the replay position\n' +
  '  monitor snapshot    take a snapshot here, so seeking back near this point is fast\n' +
  '  monitor help        this list\n';

/**
 * Runs one `monitor` command (gdb's `qRcmd`) against the target and returns what gdb should
 * print. Never throws for a bad command: the text says what went wrong.
 */
export async function runMonitorCommand(target: DebugTarget, line: string): Promise<string> {
  const [command = '', ...args] = line.trim().split(/\s+/);
  switch (command) {
    case 'icount':
      return `${target.icount}\n`;
    case 'seek':
      return seek(target, args);
    case 'info':
      return endLine(target.describe());
    case 'snapshot':
      return endLine(target.snapshot());
    case 'help':
    case '':
      return HELP;
    default:
      return `rrvm: unknown monitor command '${command}'; \`monitor help\` lists them\n`;
  }
}

/** `seek N`: moves the target and says where it ended up and why, if it stopped early. */
async function seek(target: DebugTarget, args: string[]): Promise<string> {
  const icount = args.length === 1 ? parseIcount(args[0]!) : null;
  if (icount === null) return `rrvm: usage: monitor seek ICOUNT (a whole number, 500k, 2M or 1G; the recording ends at ${target.endIcount})\n`;
  const stop = await target.seek(icount);
  const why = stop !== null && hasMessage(stop) ? consoleLine(stop.message) : '';
  return `${why}rrvm: at icount ${target.icount}; run \`maint flush register-cache\` so gdb reads the new state\n`;
}

/** A decimal count with an optional k/M/G suffix (powers of 1000) and `_` separators, or null. */
function parseIcount(text: string): number | null {
  const m = /^(\d[\d_]*)([kMG]?)$/.exec(text);
  if (m === null) return null;
  const n = Number(m[1]!.replaceAll('_', '')) * { '': 1, k: 1e3, M: 1e6, G: 1e9 }[m[2] as '' | 'k' | 'M' | 'G'];
  return Number.isSafeInteger(n) ? n : null;
}

function hasMessage(stop: StopEvent): stop is Extract<StopEvent, { message: string }> {
  return 'message' in stop;
}

function endLine(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
