/** Longest byte payload the fast path writes (a bin 8). */
const MAX_FAST_BYTES = 255;

/**
 * MessagePack for the common event shapes, an array of at most 15 numbers and short byte
 * strings (CLOCK, WARP, CHAR_READ, …), written straight into the writer's buffer: msgpackr
 * costs ~1 µs per event, too much for event-dense runs. Same encodings as msgpackr: the
 * smallest integer form, float64 for other numbers, bin 8 for bytes. Returns the bytes
 * written, or -1 when `values` has another shape (the caller then uses msgpackr).
 * `out` must have room for 1 + 9 × values.length bytes plus the byte payloads.
 */
export function packSimpleArray(values: readonly unknown[], out: Uint8Array, view: DataView, pos: number): number {
  const n = values.length;
  if (n > 15) return -1;
  let room = 1;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'number') room += 9;
    else if (v instanceof Uint8Array && v.length <= MAX_FAST_BYTES) room += 2 + v.length;
    else return -1;
  }
  if (out.length - pos < room) return -1;
  let at = pos;
  out[at++] = 0x90 | n;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'number') {
      at = packNumber(v, out, view, at);
    } else {
      const bytes = v as Uint8Array;
      out[at++] = 0xc4;
      out[at++] = bytes.length;
      out.set(bytes, at);
      at += bytes.length;
    }
  }
  return at - pos;
}

/** Writes one number in its smallest MessagePack form at `at`; returns the position after it. */
function packNumber(v: number, out: Uint8Array, view: DataView, at: number): number {
  if (v >>> 0 === v) {
    if (v < 0x80) {
      out[at] = v;
      return at + 1;
    }
    if (v < 0x100) {
      out[at] = 0xcc;
      out[at + 1] = v;
      return at + 2;
    }
    if (v < 0x10000) {
      out[at] = 0xcd;
      view.setUint16(at + 1, v);
      return at + 3;
    }
    out[at] = 0xce;
    view.setUint32(at + 1, v);
    return at + 5;
  }
  if (v >> 0 === v) {
    if (v >= -0x20) {
      out[at] = v & 0xff;
      return at + 1;
    }
    if (v >= -0x80) {
      out[at] = 0xd0;
      view.setInt8(at + 1, v);
      return at + 2;
    }
    if (v >= -0x8000) {
      out[at] = 0xd1;
      view.setInt16(at + 1, v);
      return at + 3;
    }
    out[at] = 0xd2;
    view.setInt32(at + 1, v);
    return at + 5;
  }
  out[at] = 0xcb;
  view.setFloat64(at + 1, v);
  return at + 9;
}
