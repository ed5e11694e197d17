import { describe, expect, it } from 'vitest';
import { terminalKeys } from '../../../streams/sources/terminal-keys.js';

/** The (code, value) of each action's key event. */
const keysOf = (text: string): number[][] => terminalKeys(Buffer.from(text, 'latin1')).map((a) => a.events.slice(1, 3));

describe('terminalKeys', () => {
  it('types printable characters, with shift for uppercase', () => {
    expect(keysOf('aB')).toEqual([[30, 1], [30, 0], [42, 1], [48, 1], [48, 0], [42, 0]]);
  });

  it('maps Enter (CR in raw mode), Backspace (DEL) and Tab', () => {
    expect(keysOf('\r\x7f\t')).toEqual([[28, 1], [28, 0], [14, 1], [14, 0], [15, 1], [15, 0]]);
  });

  it('maps the cursor escape sequences to the arrow keys and a lone ESC to KEY_ESC', () => {
    expect(keysOf('\x1b[A\x1b[D\x1b')).toEqual([[103, 1], [103, 0], [105, 1], [105, 0], [1, 1], [1, 0]]);
  });

  it('types Ctrl-letter as left Ctrl held around the letter', () => {
    expect(keysOf('\x04')).toEqual([[29, 1], [32, 1], [32, 0], [29, 0]]);
  });

  it('skips bytes no key types', () => {
    expect(keysOf('\x00\xe9')).toEqual([]);
  });

  it('ends every action with SYN_REPORT on the keyboard', () => {
    expect(terminalKeys(Buffer.from('x')).every((a) => a.device === 0 && a.events.slice(-3).join() === '0,0,0')).toBe(true);
  });
});
