import { asyncScheduler, Observable } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { buttonAction, keyAction, mouseAction, pressActions, tabletAction, textActions, type InputAction } from './input-actions.js';

/** One line of an input script: wait `afterMs` after the previous line, then deliver the input. */
export interface ScriptLine {
  /** 1-based line number in the script file, for messages. */
  line: number;
  /** Host ms to wait after the previous line (≥ 0). */
  afterMs: number;
  /** Bytes for the serial port; absent on a line that only waits. */
  serial?: Uint8Array;
  /** Keyboard, mouse or tablet actions, in order; absent on a line without any. */
  input?: InputAction[];
}

/** What an input script delivers at one moment: serial bytes or one input action. */
export type ScriptInput = { serial: Uint8Array } | { input: InputAction };

const KEYS = ['after_ms', 'serial', 'serial_hex', 'key', 'down', 'text', 'mouse', 'button', 'tablet'];
/** The keys that carry input; a line has at most one of them. */
const INPUT_KEYS = ['serial', 'serial_hex', 'key', 'text', 'mouse', 'button', 'tablet'];

/**
 * Parses a JSONL input script (`--input-script FILE.jsonl`): one JSON object per non-empty
 * line, `{"after_ms": 200, "serial": "ls\n"}` or `{"serial_hex": "0d0a"}`, keyboard lines
 * `{"key": "KEY_A", "down": true}` (without `down`: pressed and released) and `{"text": "ls\n"}`
 * (typed as key presses), mouse lines `{"mouse": {"dx": 5, "dy": -3, "wheel": 0}}` and
 * `{"button": "BTN_LEFT", "down": true}`, tablet lines `{"tablet": {"x": 100, "y": 200}}`;
 * a line with only `after_ms` just waits (it delays the end of the script). Throws RrvmError
 * `input.script` naming `file:line` and what is wrong (an unknown key among it).
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
      if (!KEYS.includes(key)) fail(`unknown key "${key}" (expected ${KEYS.join(', ')})`);
    }
    const given = INPUT_KEYS.filter((key) => fields[key] !== undefined);
    if (given.length > 1) fail(`use one of ${given.map((k) => `"${k}"`).join(', ')} per line, not several`);
    const afterMs = fields['after_ms'] ?? 0;
    if (typeof afterMs !== 'number' || !Number.isFinite(afterMs) || afterMs < 0) {
      fail(`after_ms must be a number ≥ 0, got ${JSON.stringify(afterMs)}`);
    }
    const parsed: ScriptLine = { line, afterMs: afterMs as number };
    const { serial, serial_hex: hex } = fields;
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
    try {
      const input = inputOf(fields);
      if (input !== null) parsed.input = input;
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
    }
    lines.push(parsed);
  });
  return lines;
}

/** The input actions of a line's keyboard, mouse or tablet fields (null: none); throws an Error saying what is wrong. */
function inputOf(fields: Record<string, unknown>): InputAction[] | null {
  const { key, down, text, mouse, button, tablet } = fields;
  if (down !== undefined && typeof down !== 'boolean') throw new Error('"down" must be true or false');
  if (down !== undefined && key === undefined && button === undefined) throw new Error('"down" goes with "key" or "button"');
  if (key !== undefined) {
    if (typeof key !== 'string') throw new Error('"key" must be a key name such as "KEY_A"');
    return down === undefined ? pressActions(key, false) : [keyAction(key, down as boolean)];
  }
  if (button !== undefined) {
    if (typeof button !== 'string') throw new Error('"button" must be a button name such as "BTN_LEFT"');
    if (down === undefined) throw new Error('"button" needs "down": true or false');
    return [buttonAction(button, down as boolean)];
  }
  if (text !== undefined) {
    if (typeof text !== 'string') throw new Error('"text" must be a string');
    return textActions(text);
  }
  if (mouse !== undefined) {
    const { dx = 0, dy = 0, wheel = 0, ...other } = (typeof mouse === 'object' && mouse !== null ? mouse : { bad: true }) as Record<string, unknown>;
    if (Object.keys(other).length > 0 || ![dx, dy, wheel].every((v) => Number.isSafeInteger(v))) {
      throw new Error('"mouse" must be an object of integers {"dx": …, "dy": …, "wheel": …}');
    }
    return [mouseAction(dx as number, dy as number, wheel as number)];
  }
  if (tablet !== undefined) {
    const { x, y, ...other } = (typeof tablet === 'object' && tablet !== null ? tablet : { bad: true }) as Record<string, unknown>;
    if (Object.keys(other).length > 0 || typeof x !== 'number' || typeof y !== 'number') throw new Error('"tablet" must be an object {"x": …, "y": …}');
    return [tabletAction(x, y)];
  }
  return null;
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
        const { serial, input } = lines[next++]!;
        if (serial !== undefined) subscriber.next({ serial });
        for (const action of input ?? []) subscriber.next({ input: action });
      }
      if (next === lines.length) subscriber.complete();
      else this.schedule(undefined, dueMs[next]! - elapsed);
    }
    return scheduler.schedule(play, dueMs[0] ?? 0);
  });
}
