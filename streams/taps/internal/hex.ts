/** `v` as 8 lowercase hex digits (an address, a word). */
export const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
