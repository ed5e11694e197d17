/**
 * MessagePack for the common event shape, an array of at most 15 numbers, written straight
 * into the writer's buffer (msgpackr costs ~1 µs per event, too much for event-dense runs).
 * Same encodings as msgpackr: the smallest integer form, float64 for everything else.
 * Returns the bytes written, or -1 when `values` has another shape (the caller uses msgpackr).
 */
export function packNumberArray(values: readonly unknown[], out: Uint8Array, view: DataView, pos: number): number {
  const n = values.length;
  if (n > 15 || out.length - pos < 1 + 9 * n) return -1;
  for (let i = 0; i < n; i++) if (typeof values[i] !== 'number') return -1;
  let at = pos;
  out[at++] = 0x90 | n;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v >>> 0 === v) {
      if (v < 0x80) out[at++] = v;
      else if (v < 0x100) {
        out[at++] = 0xcc;
        out[at++] = v;
      } else if (v < 0x10000) {
        out[at++] = 0xcd;
        view.setUint16(at, v);
        at += 2;
      } else {
        out[at++] = 0xce;
        view.setUint32(at, v);
        at += 4;
      }
    } else if (v >> 0 === v) {
      if (v >= -0x20) out[at++] = v & 0xff;
      else if (v >= -0x80) {
        out[at++] = 0xd0;
        view.setInt8(at++, v);
      } else if (v >= -0x8000) {
        out[at++] = 0xd1;
        view.setInt16(at, v);
        at += 2;
      } else {
        out[at++] = 0xd2;
        view.setInt32(at, v);
        at += 4;
      }
    } else {
      out[at++] = 0xcb;
      view.setFloat64(at, v);
      at += 8;
    }
  }
  return at - pos;
}
