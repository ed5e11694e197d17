import { keyOfChar, pressActions, type InputAction } from './input-actions.js';

/** The keys of the cursor escape sequences a terminal sends (ESC [ A … ESC [ D). */
const CURSOR_KEYS: Record<string, string> = { A: 'KEY_UP', B: 'KEY_DOWN', C: 'KEY_RIGHT', D: 'KEY_LEFT', H: 'KEY_HOME', F: 'KEY_END' };

/**
 * Maps bytes typed in a raw-mode terminal to key presses on a US keyboard: printable ASCII
 * (with shift where needed), Enter, Tab, Backspace, Escape, the cursor keys, and Ctrl-letter
 * (as left Ctrl + the letter). Bytes no key types (other control bytes, non-ASCII) are skipped.
 */
export function terminalKeys(bytes: Uint8Array): InputAction[] {
  const text = Buffer.from(bytes).toString('latin1');
  const actions: InputAction[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    const cursor = char === '\x1b' && text[i + 1] === '[' ? CURSOR_KEYS[text[i + 2] ?? ''] : undefined;
    if (cursor !== undefined) {
      actions.push(...pressActions(cursor, false));
      i += 2;
      continue;
    }
    const key = keyOfChar(char === '\r' ? '\n' : char);
    if (key !== null) actions.push(...pressActions(key.key, key.shift));
    else if (char >= '\x01' && char <= '\x1a') actions.push(...pressActions(`KEY_${String.fromCharCode(0x40 + char.charCodeAt(0))}`, true, 'KEY_LEFTCTRL'));
  }
  return actions;
}
