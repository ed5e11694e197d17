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
      'keys.jsonl:1: unknown key "delay" (expected after_ms, serial, serial_hex)',
    );
  });

  it('rejects keyboard and mouse input as not supported yet', () => {
    expect(parseError('{"serial": "a"}\n{"keyboard": "KEY_A"}')).toBe('keys.jsonl:2: "keyboard" input is not supported yet');
    expect(parseError('{"mouse": [1, 2]}')).toBe('keys.jsonl:1: "mouse" input is not supported yet');
  });

  it('rejects bad values with what is wrong', () => {
    expect(parseError('[1]')).toBe('keys.jsonl:1: expected a JSON object');
    expect(parseError('{"after_ms": -1}')).toBe('keys.jsonl:1: after_ms must be a number ≥ 0, got -1');
    expect(parseError('{"after_ms": "5"}')).toBe('keys.jsonl:1: after_ms must be a number ≥ 0, got "5"');
    expect(parseError('{"serial": 5}')).toBe('keys.jsonl:1: "serial" must be a string');
    expect(parseError('{"serial_hex": "0d0"}')).toMatch(/^keys\.jsonl:1: "serial_hex" must be a string of hex digit pairs/);
    expect(parseError('{"serial_hex": "zz"}')).toMatch(/^keys\.jsonl:1: "serial_hex" must be/);
    expect(parseError('{"serial": "a", "serial_hex": "61"}')).toBe(
      'keys.jsonl:1: use either "serial" or "serial_hex", not both',
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

  it('completes at once for an empty script', () => {
    newScheduler().run(({ expectObservable }) => {
      expectObservable(inputScript$([])).toBe('|');
    });
  });
});
