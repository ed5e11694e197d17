import type { StopEvent, WatchKind } from '../engine/debug-target.js';

/** A stop as gdb is told about it: console text to send first (in an `O` packet), then the reply. */
export interface StopReply {
  /** A line for gdb's console before the stop (why the recording ended), or null. */
  console: string | null;
  /** The `T`/`S` stop-reply packet. */
  packet: string;
}

/** The stop-reply register name gdb expects for each watchpoint kind. */
const WATCH_FIELD: Record<WatchKind, string> = { write: 'watch', read: 'rwatch', access: 'awatch' };

/** SIGTRAP and SIGINT as gdb numbers them in stop replies. */
const SIGTRAP = '05';
const SIGINT = '02';

/** Our only thread, as every stop reply names it. */
const THREAD = 'thread:1;';

/**
 * The stop reply for a StopEvent (GDB manual, "Stop Reply Packets"). `hardware` says whether a
 * breakpoint stop is at an address set only with Z1 (reported as `hwbreak`, else `swbreak`).
 */
export function stopReply(stop: StopEvent, hardware: (address: number) => boolean): StopReply {
  switch (stop.reason) {
    case 'step':
      return { console: null, packet: `T${SIGTRAP}${THREAD}` };
    case 'breakpoint':
      return { console: null, packet: `T${SIGTRAP}${hardware(stop.pc) ? 'hwbreak' : 'swbreak'}:;${THREAD}` };
    case 'watchpoint':
      return { console: null, packet: `T${SIGTRAP}${WATCH_FIELD[stop.kind]}:${(stop.address >>> 0).toString(16)};${THREAD}` };
    case 'start-of-log':
      return { console: null, packet: `T${SIGTRAP}replaylog:begin;${THREAD}` };
    case 'end-of-log':
    case 'divergence':
      return { console: consoleLine(stop.message), packet: `T${SIGTRAP}replaylog:end;${THREAD}` };
    case 'interrupted':
      return { console: null, packet: `T${SIGINT}${THREAD}` };
  }
}

/** A target's message as one console line for gdb, starting with `rrvm: `. */
export function consoleLine(message: string): string {
  return `${message.startsWith('rrvm:') ? message : `rrvm: ${message}`}\n`;
}
