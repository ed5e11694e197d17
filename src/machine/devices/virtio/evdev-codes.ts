/** evdev event types (Linux include/uapi/linux/input-event-codes.h). */
export const EvType = {
  EV_SYN: 0x00,
  EV_KEY: 0x01,
  EV_REL: 0x02,
  EV_ABS: 0x03,
  EV_LED: 0x11,
  EV_REP: 0x14,
} as const;

/** EV_SYN code that ends one group of events. */
export const SYN_REPORT = 0;

/** EV_REL codes. */
export const RelCode = { REL_X: 0x00, REL_Y: 0x01, REL_WHEEL: 0x08 } as const;

/** EV_ABS codes. */
export const AbsCode = { ABS_X: 0x00, ABS_Y: 0x01 } as const;

/** EV_LED codes (what a driver may send on the status queue). */
export const LedCode = { LED_NUML: 0x00, LED_CAPSL: 0x01, LED_SCROLLL: 0x02 } as const;

/** The mouse buttons (EV_KEY codes) by name. */
export const BUTTON_CODES: Readonly<Record<string, number>> = {
  BTN_LEFT: 0x110,
  BTN_RIGHT: 0x111,
  BTN_MIDDLE: 0x112,
  BTN_SIDE: 0x113,
  BTN_EXTRA: 0x114,
};

/** The keys of a US keyboard (EV_KEY codes) by Linux name. */
export const KEY_CODES: Readonly<Record<string, number>> = {
  KEY_ESC: 1,
  KEY_1: 2, KEY_2: 3, KEY_3: 4, KEY_4: 5, KEY_5: 6, KEY_6: 7, KEY_7: 8, KEY_8: 9, KEY_9: 10, KEY_0: 11,
  KEY_MINUS: 12, KEY_EQUAL: 13, KEY_BACKSPACE: 14, KEY_TAB: 15,
  KEY_Q: 16, KEY_W: 17, KEY_E: 18, KEY_R: 19, KEY_T: 20, KEY_Y: 21, KEY_U: 22, KEY_I: 23, KEY_O: 24, KEY_P: 25,
  KEY_LEFTBRACE: 26, KEY_RIGHTBRACE: 27, KEY_ENTER: 28, KEY_LEFTCTRL: 29,
  KEY_A: 30, KEY_S: 31, KEY_D: 32, KEY_F: 33, KEY_G: 34, KEY_H: 35, KEY_J: 36, KEY_K: 37, KEY_L: 38,
  KEY_SEMICOLON: 39, KEY_APOSTROPHE: 40, KEY_GRAVE: 41, KEY_LEFTSHIFT: 42, KEY_BACKSLASH: 43,
  KEY_Z: 44, KEY_X: 45, KEY_C: 46, KEY_V: 47, KEY_B: 48, KEY_N: 49, KEY_M: 50,
  KEY_COMMA: 51, KEY_DOT: 52, KEY_SLASH: 53, KEY_RIGHTSHIFT: 54, KEY_KPASTERISK: 55, KEY_LEFTALT: 56,
  KEY_SPACE: 57, KEY_CAPSLOCK: 58,
  KEY_F1: 59, KEY_F2: 60, KEY_F3: 61, KEY_F4: 62, KEY_F5: 63, KEY_F6: 64, KEY_F7: 65, KEY_F8: 66, KEY_F9: 67, KEY_F10: 68,
  KEY_NUMLOCK: 69, KEY_SCROLLLOCK: 70,
  KEY_KP7: 71, KEY_KP8: 72, KEY_KP9: 73, KEY_KPMINUS: 74, KEY_KP4: 75, KEY_KP5: 76, KEY_KP6: 77, KEY_KPPLUS: 78,
  KEY_KP1: 79, KEY_KP2: 80, KEY_KP3: 81, KEY_KP0: 82, KEY_KPDOT: 83,
  KEY_102ND: 86, KEY_F11: 87, KEY_F12: 88,
  KEY_KPENTER: 96, KEY_RIGHTCTRL: 97, KEY_KPSLASH: 98, KEY_SYSRQ: 99, KEY_RIGHTALT: 100,
  KEY_HOME: 102, KEY_UP: 103, KEY_PAGEUP: 104, KEY_LEFT: 105, KEY_RIGHT: 106, KEY_END: 107, KEY_DOWN: 108,
  KEY_PAGEDOWN: 109, KEY_INSERT: 110, KEY_DELETE: 111, KEY_PAUSE: 119,
  KEY_LEFTMETA: 125, KEY_RIGHTMETA: 126, KEY_COMPOSE: 127,
};

const NAMES: Record<number, Map<number, string>> = {
  [EvType.EV_SYN]: new Map([[SYN_REPORT, 'SYN_REPORT']]),
  [EvType.EV_KEY]: new Map(Object.entries({ ...KEY_CODES, ...BUTTON_CODES }).map(([name, code]) => [code, name])),
  [EvType.EV_REL]: new Map(Object.entries(RelCode).map(([name, code]) => [code, name])),
  [EvType.EV_ABS]: new Map(Object.entries(AbsCode).map(([name, code]) => [code, name])),
};

/**
 * evdev events (type, code, value triples) as text, one `NAME=value` per event (`KEY_A=1
 * SYN_REPORT`); a code without a name reads `type:code=value`.
 */
export function describeEvdev(events: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i + 2 < events.length; i += 3) {
    const [type, code, value] = [events[i]!, events[i + 1]!, events[i + 2]!];
    const name = NAMES[type]?.get(code) ?? `${type}:${code}`;
    parts.push(type === EvType.EV_SYN && code === SYN_REPORT ? name : `${name}=${value}`);
  }
  return parts.join(' ');
}
