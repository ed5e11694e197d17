import type { RunningHash } from './running-hash.js';

/**
 * What a state holder's `save()` returns: plain data only — numbers, booleans, strings, null,
 * typed arrays, and arrays or records of those — so it can be hashed, encoded and compared.
 */
export type StateValue =
  | number
  | boolean
  | string
  | null
  | Int32Array
  | Uint32Array
  | Uint8Array
  | StateValue[]
  | { [field: string]: StateValue };

/** A state holder's saved state: a record of named fields. */
export type StateRecord = { [field: string]: StateValue };

/** Mixes `value` into `h` in a canonical order (field names included, so a moved value hashes differently). */
export function hashState(h: RunningHash, value: StateValue): void {
  if (typeof value === 'number') h.number(value);
  else if (typeof value === 'boolean') h.word(value ? 0x7472_7565 : 0x6661_6c73);
  else if (typeof value === 'string') hashText(h, value);
  else if (value === null) h.word(0x6e75_6c6c);
  else if (value instanceof Uint8Array) {
    h.word(value.length);
    h.bytes(value);
  } else if (value instanceof Int32Array || value instanceof Uint32Array) {
    h.word(value.length);
    for (let i = 0; i < value.length; i++) h.word(value[i]!);
  } else if (Array.isArray(value)) {
    h.word(value.length);
    for (const item of value) hashState(h, item);
  } else {
    for (const [field, item] of Object.entries(value)) {
      hashText(h, field);
      hashState(h, item);
    }
  }
}

function hashText(h: RunningHash, text: string): void {
  h.word(text.length);
  for (let i = 0; i < text.length; i++) h.word(text.charCodeAt(i));
}
