import type { InputEvent } from '../../src/core/event.js';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { BUTTON_CODES, EvType, KEY_CODES, RelCode, AbsCode, SYN_REPORT } from '../../src/machine/devices/virtio/evdev-codes.js';
import { INPUT_DEVICES, TABLET_ABS_MAX, type InputDeviceKind } from '../../src/machine/devices/virtio/virtio-input.js';

/** One input action for a virtio-input device: evdev triples ending with SYN_REPORT (an INPUT payload). */
export type InputAction = Omit<InputEvent, 'kind' | 'icount' | 'seq'>;

const SYN = [EvType.EV_SYN, SYN_REPORT, 0];

function action(device: InputDeviceKind, events: number[]): InputAction {
  return { device: INPUT_DEVICES.indexOf(device), events: [...events, ...SYN] };
}

/** The EV_KEY code of a key name (`KEY_A`); throws RrvmError `input.key` naming an unknown key. */
export function keyCode(name: string): number {
  const code = KEY_CODES[name];
  if (code === undefined) throw new RrvmError('input.key', `unknown key "${name}" (keys are Linux names such as KEY_A, KEY_ENTER, KEY_LEFTSHIFT)`);
  return code;
}

/** A key pressed (`down`) or released on the keyboard. */
export function keyAction(name: string, down: boolean): InputAction {
  return action('keyboard', [EvType.EV_KEY, keyCode(name), down ? 1 : 0]);
}

/** A mouse button pressed or released; throws RrvmError `input.key` naming an unknown button. */
export function buttonAction(name: string, down: boolean): InputAction {
  const code = BUTTON_CODES[name];
  if (code === undefined) throw new RrvmError('input.key', `unknown button "${name}" (expected ${Object.keys(BUTTON_CODES).join(', ')})`);
  return action('mouse', [EvType.EV_KEY, code, down ? 1 : 0]);
}

/** A relative mouse motion (and wheel turn); axes that do not move are left out, as evdev does. */
export function mouseAction(dx: number, dy: number, wheel: number): InputAction {
  const events: number[] = [];
  if (dx !== 0) events.push(EvType.EV_REL, RelCode.REL_X, dx);
  if (dy !== 0) events.push(EvType.EV_REL, RelCode.REL_Y, dy);
  if (wheel !== 0) events.push(EvType.EV_REL, RelCode.REL_WHEEL, wheel);
  return action('mouse', events);
}

/** The tablet pointer at absolute (x, y), each in 0..TABLET_ABS_MAX; throws RrvmError `input.key` outside. */
export function tabletAction(x: number, y: number): InputAction {
  if (!isCoordinate(x) || !isCoordinate(y)) throw new RrvmError('input.key', `tablet x and y must be integers in 0..${TABLET_ABS_MAX}`);
  return action('tablet', [EvType.EV_ABS, AbsCode.ABS_X, x, EvType.EV_ABS, AbsCode.ABS_Y, y]);
}

function isCoordinate(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= TABLET_ABS_MAX;
}

// The unshifted and shifted characters of each key of a US keyboard.
const PLAIN = "1234567890-=qwertyuiop[]asdfghjkl;'`\\zxcvbnm,./ ";
const SHIFTED = '!@#$%^&*()_+QWERTYUIOP{}ASDFGHJKL:"~|ZXCVBNM<>? ';
const KEYS_OF_PLAIN = [
  ...'1234567890'.split('').map((d) => `KEY_${d}`),
  'KEY_MINUS', 'KEY_EQUAL',
  ...'QWERTYUIOP'.split('').map((c) => `KEY_${c}`), 'KEY_LEFTBRACE', 'KEY_RIGHTBRACE',
  ...'ASDFGHJKL'.split('').map((c) => `KEY_${c}`), 'KEY_SEMICOLON', 'KEY_APOSTROPHE', 'KEY_GRAVE', 'KEY_BACKSLASH',
  ...'ZXCVBNM'.split('').map((c) => `KEY_${c}`), 'KEY_COMMA', 'KEY_DOT', 'KEY_SLASH', 'KEY_SPACE',
];
const CONTROL_KEYS: Record<string, string> = { '\n': 'KEY_ENTER', '\r': 'KEY_ENTER', '\t': 'KEY_TAB', '\b': 'KEY_BACKSPACE', '\x7f': 'KEY_BACKSPACE', '\x1b': 'KEY_ESC' };

/** The key and shift state that types `char` on a US keyboard, or null for a character it has no key for. */
export function keyOfChar(char: string): { key: string; shift: boolean } | null {
  const control = CONTROL_KEYS[char];
  if (control !== undefined) return { key: control, shift: false };
  const plain = PLAIN.indexOf(char);
  if (plain >= 0) return { key: KEYS_OF_PLAIN[plain]!, shift: false };
  const shifted = SHIFTED.indexOf(char);
  return shifted >= 0 ? { key: KEYS_OF_PLAIN[shifted]!, shift: true } : null;
}

/** The presses that type one key: (shift down,) key down, key up(, shift up), each its own action. */
export function pressActions(key: string, shift: boolean, modifier = 'KEY_LEFTSHIFT'): InputAction[] {
  const press = [keyAction(key, true), keyAction(key, false)];
  return shift ? [keyAction(modifier, true), ...press, keyAction(modifier, false)] : press;
}

/** Key presses that type `text` on a US keyboard; throws RrvmError `input.key` for a character it has no key for. */
export function textActions(text: string): InputAction[] {
  return [...text].flatMap((char) => {
    const key = keyOfChar(char);
    if (key === null) throw new RrvmError('input.key', `no key types ${JSON.stringify(char)} on a US keyboard`);
    return pressActions(key.key, key.shift);
  });
}
