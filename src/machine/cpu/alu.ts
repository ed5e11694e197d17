/** M-extension arithmetic on int32 values (Unprivileged spec chapter "M"), shared by the interpreter and compiled blocks. */

/** High 32 bits of the unsigned 64-bit product. */
export function mulhu(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const mid1 = a1 * b0;
  const mid2 = a0 * b1;
  const carry = (((a0 * b0) >>> 16) + (mid1 & 0xffff) + (mid2 & 0xffff)) >>> 16;
  return (a1 * b1 + (mid1 >>> 16) + (mid2 >>> 16) + carry) | 0;
}

/** High 32 bits of the signed 64-bit product. */
export function mulh(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

/** High 32 bits of signed `a` times unsigned `b`. */
export function mulhsu(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0)) | 0;
}

/** Signed division: x/0 = -1, INT_MIN/-1 = INT_MIN (no trap). */
export function div(a: number, b: number): number {
  return b === 0 ? -1 : b === -1 ? -a | 0 : (a / b) | 0;
}

/** Unsigned division: x/0 = all ones. */
export function divu(a: number, b: number): number {
  return b === 0 ? -1 : ((a >>> 0) / (b >>> 0)) | 0;
}

/** Signed remainder: x%0 = x, INT_MIN%-1 = 0. */
export function rem(a: number, b: number): number {
  return b === 0 ? a : (a % b) | 0;
}

/** Unsigned remainder: x%0 = x. */
export function remu(a: number, b: number): number {
  return b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0;
}
