import { describe, expect, it } from 'vitest';
import { RrvmError } from '../../../src/core/rrvm-error.js';
import { inputScript$, parseInputScript } from '../../../streams/sources/input-script.js';
import type { ScriptLine } from '../../../streams/sources/input-script.js';
import { codeOf, newScheduler, thrown } from '../stream-fixtures.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The message of the RrvmError `input.script` that parsing `text` throws. */
function parseError(text: string): string {
  const error = thrown(() => parseInputScript(text, 'keys.jsonl'));
  expect(codeOf(error)).toBe('input.script');
  return (error as RrvmError).message;
}

describe('parseInputScript', () => {
  it('reads serial text, serial_hex and delays, skipping blank lines', () => {
    const text = '{"after_ms": 200, "serial": "ls\\n"}\r\n\n  \n{"serial_hex": "0D0a"}\n{"after_ms": 1.5}\n';
    expect(parseInputScript(text, 'keys.jsonl')).toEqual([
      { line: 1, afterMs: 200, serial: bytes('ls\n') },
      { line: 4, afterMs: 0, serial: Uint8Array.of(0x0d, 0x0a) },
      { line: 5, afterMs: 1.5 },
    ]);
  });

  it('encodes serial strings as UTF-8', () => {
    expect(parseInputScript('{"serial": "é"}', 'k')[0]?.serial).toEqual(Uint8Array.of(0xc3, 0xa9));
  });

  it('names the file and line of bad JSON', () => {
    expect(parseError('{"serial": "a"}\n\n{"serial": "b"')).toMatch(/^keys\.jsonl:3: invalid JSON: /);
  });

  it('rejects unknown keys, naming them', () => {
    expect(parseError('{"serial": "a", "delay": 5}')).toBe(
      'keys.jsonl:1: unknown key "delay" (expected after_ms, serial, serial_hex, key, down, text, mouse, button, tablet)',
    );
  });

  it('reads key, button and mouse lines as evdev groups ending with SYN_REPORT', () => {
    const text = '{"key": "KEY_A", "down": true}\n{"after_ms": 10, "button": "BTN_LEFT", "down": false}\n{"mouse": {"dx": 5, "dy": -3}}\n{"tablet": {"x": 7, "y": 32767}}';
    expect(parseInputScript(text, 'k')).toEqual([
      { line: 1, afterMs: 0, input: [{ device: 0, events: [1, 30, 1, 0, 0, 0] }] },
      { line: 2, afterMs: 10, input: [{ device: 1, events: [1, 0x110, 0, 0, 0, 0] }] },
      { line: 3, afterMs: 0, input: [{ device: 1, events: [2, 0, 5, 2, 1, -3, 0, 0, 0] }] },
      { line: 4, afterMs: 0, input: [{ device: 2, events: [3, 0, 7, 3, 1, 32767, 0, 0, 0] }] },
    ]);
  });

  it('types text as presses, with shift around uppercase letters and symbols', () => {
    const [line] = parseInputScript('{"text": "a!\\n"}', 'k');
    const keys = line!.input!.map((a) => a.events.slice(1, 3));
    // a down/up, shift down, 1 down/up, shift up, enter down/up
    expect(keys).toEqual([[30, 1], [30, 0], [42, 1], [2, 1], [2, 0], [42, 0], [28, 1], [28, 0]]);
    expect(line!.input!.every((a) => a.device === 0 && a.events.slice(-3).join() === '0,0,0')).toBe(true);
  });

  it('presses and releases a key given without "down"', () => {
    expect(parseInputScript('{"key": "KEY_ESC"}', 'k')[0]!.input!.map((a) => a.events[2])).toEqual([1, 0]);
  });

  it('names an unknown key, button or character', () => {
    expect(parseError('{"serial": "a"}\n{"key": "KEY_FOO", "down": true}')).toBe(
      'keys.jsonl:2: unknown key "KEY_FOO" (keys are Linux names such as KEY_A, KEY_ENTER, KEY_LEFTSHIFT)',
    );
    expect(parseError('{"button": "BTN_FOO", "down": true}')).toMatch(/^keys\.jsonl:1: unknown button "BTN_FOO"/);
    expect(parseError('{"text": "é"}')).toBe('keys.jsonl:1: no key types "é" on a US keyboard');
  });

  it('rejects malformed input lines with what is wrong', () => {
    expect(parseError('{"key": "KEY_A", "text": "a"}')).toBe('keys.jsonl:1: use one of "key", "text" per line, not several');
    expect(parseError('{"button": "BTN_LEFT"}')).toBe('keys.jsonl:1: "button" needs "down": true or false');
    expect(parseError('{"key": "KEY_A", "down": 1}')).toBe('keys.jsonl:1: "down" must be true or false');
    expect(parseError('{"down": true}')).toBe('keys.jsonl:1: "down" goes with "key" or "button"');
    expect(parseError('{"mouse": {"dx": 1.5}}')).toMatch(/^keys\.jsonl:1: "mouse" must be an object of integers/);
    expect(parseError('{"mouse": {"x": 1}}')).toMatch(/^keys\.jsonl:1: "mouse" must be/);
    expect(parseError('{"tablet": {"x": 1, "y": 40000}}')).toBe('keys.jsonl:1: tablet x and y must be integers in 0..32767');
  });

  it('rejects bad values with what is wrong', () => {
    expect(parseError('[1]')).toBe('keys.jsonl:1: expected a JSON object');
    expect(parseError('{"after_ms": -1}')).toBe('keys.jsonl:1: after_ms must be a number ≥ 0, got -1');
    expect(parseError('{"after_ms": "5"}')).toBe('keys.jsonl:1: after_ms must be a number ≥ 0, got "5"');
    expect(parseError('{"serial": 5}')).toBe('keys.jsonl:1: "serial" must be a string');
    expect(parseError('{"serial_hex": "0d0"}')).toMatch(/^keys\.jsonl:1: "serial_hex" must be a string of hex digit pairs/);
    expect(parseError('{"serial_hex": "zz"}')).toMatch(/^keys\.jsonl:1: "serial_hex" must be/);
    expect(parseError('{"serial": "a", "serial_hex": "61"}')).toBe(
      'keys.jsonl:1: use one of "serial", "serial_hex" per line, not several',
    );
  });
});

describe('inputScript$', () => {
  const script: ScriptLine[] = [
    { line: 1, afterMs: 0, serial: bytes('a') },
    { line: 2, afterMs: 200, serial: bytes('b') },
    { line: 3, afterMs: 0, serial: bytes('c') },
    { line: 4, afterMs: 50 },
    { line: 5, afterMs: 100, serial: bytes('d') },
    { line: 6, afterMs: 300 },
  ];

  it('emits each line after its cumulative delay and completes after the last line', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      // a at 0, b and c at 200, the wait-only line at 250 emits nothing, d at 350, end at 650.
      expectObservable(inputScript$(script, scheduler)).toBe('a 199ms (bc) 146ms d 299ms |', {
        a: { serial: bytes('a') },
        b: { serial: bytes('b') },
        c: { serial: bytes('c') },
        d: { serial: bytes('d') },
      });
    });
  });

  it('times lines from subscription', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      expectObservable(inputScript$(script.slice(0, 2)), '100ms ^').toBe('100ms a 199ms (b|)', { a: { serial: bytes('a') }, b: { serial: bytes('b') } });
    });
  });

  it('emits the input actions of a line in order, each its own group, after the serial ones before them', () => {
    const [a, b] = parseInputScript('{"serial": "x"}\n{"after_ms": 5, "text": "A"}', 'k').map((l) => l);
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      expectObservable(inputScript$([a!, b!], scheduler)).toBe('s 4ms (1234|)', {
        s: { serial: bytes('x') },
        1: { input: { device: 0, events: [1, 42, 1, 0, 0, 0] } },
        2: { input: { device: 0, events: [1, 30, 1, 0, 0, 0] } },
        3: { input: { device: 0, events: [1, 30, 0, 0, 0, 0] } },
        4: { input: { device: 0, events: [1, 42, 0, 0, 0, 0] } },
      });
    });
  });

  it('completes at once for an empty script', () => {
    newScheduler().run(({ expectObservable }) => {
      expectObservable(inputScript$([])).toBe('|');
    });
  });
});
