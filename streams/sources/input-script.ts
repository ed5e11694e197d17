import { asyncScheduler, Observable } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';
import { RrvmError } from '../../src/core/rrvm-error.js';

/** One line of an input script: wait `afterMs` after the previous line, then deliver the input. */
export interface ScriptLine {
  /** 1-based line number in the script file, for messages. */
  line: number;
  /** Host ms to wait after the previous line (≥ 0). */
  afterMs: number;
  /** Bytes for the serial port; absent on a line that only waits. */
  serial?: Uint8Array;
}

/** What an input script delivers at one moment. */
export interface ScriptInput {
  serial: Uint8Array;
}

const KEYS = ['after_ms', 'serial', 'serial_hex'];
const LATER_KEYS = ['keyboard', 'mouse'];

/**
 * Parses a JSONL input script (`--input-script FILE.jsonl`): one JSON object per non-empty
 * line, `{"after_ms": 200, "serial": "ls\n"}` or `{"serial_hex": "0d0a"}`; a line with only
 * `after_ms` just waits (it delays the end of the script). Throws RrvmError `input.script`
 * naming `file:line` and what is wrong.
 */
export function parseInputScript(text: string, fileName: string): ScriptLine[] {
  const lines: ScriptLine[] = [];
  text.split('\n').forEach((raw, index) => {
    const source = raw.trim();
    if (source === '') return;
    const line = index + 1;
    const fail = (what: string): never => {
      throw new RrvmError('input.script', `${fileName}:${line}: ${what}`);
    };
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (err) {
      fail(`invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected a JSON object');
    const fields = value as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (LATER_KEYS.includes(key)) fail(`"${key}" input is not supported yet`);
      if (!KEYS.includes(key)) fail(`unknown key "${key}" (expected ${KEYS.join(', ')})`);
    }
    const afterMs = fields['after_ms'] ?? 0;
    if (typeof afterMs !== 'number' || !Number.isFinite(afterMs) || afterMs < 0) {
      fail(`after_ms must be a number ≥ 0, got ${JSON.stringify(afterMs)}`);
    }
    const parsed: ScriptLine = { line, afterMs: afterMs as number };
    const { serial, serial_hex: hex } = fields;
    if (serial !== undefined && hex !== undefined) fail('use either "serial" or "serial_hex", not both');
    if (serial !== undefined) {
      if (typeof serial !== 'string') fail('"serial" must be a string');
      parsed.serial = new TextEncoder().encode(serial as string);
    }
    if (hex !== undefined) {
      if (typeof hex !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(hex)) {
        fail('"serial_hex" must be a string of hex digit pairs, like "0d0a"');
      }
      parsed.serial = Uint8Array.from((hex as string).match(/../g) ?? [], (pair) => parseInt(pair, 16));
    }
    lines.push(parsed);
  });
  return lines;
}

/**
 * Plays a parsed script: emits each line's input once its cumulative delay has passed since
 * subscription (measured on `scheduler`, so timing does not drift), completes after the last
 * line. Lines that only wait emit nothing.
 */
export function inputScript$(lines: readonly ScriptLine[], scheduler: SchedulerLike = asyncScheduler): Observable<ScriptInput> {
  const dueMs: number[] = [];
  lines.reduce((total, l) => (dueMs.push(total + l.afterMs), total + l.afterMs), 0);
  return new Observable<ScriptInput>((subscriber) => {
    const start = scheduler.now();
    let next = 0;
    function play(this: SchedulerAction<undefined>): void {
      const elapsed = scheduler.now() - start;
      while (next < lines.length && dueMs[next]! <= elapsed) {
        const serial = lines[next++]!.serial;
        if (serial !== undefined) subscriber.next({ serial });
      }
      if (next === lines.length) subscriber.complete();
      else this.schedule(undefined, dueMs[next]! - elapsed);
    }
    return scheduler.schedule(play, dueMs[0] ?? 0);
  });
}
