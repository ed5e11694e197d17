/** Hex encodings used inside remote-protocol packets. */

/** Bytes as lowercase hex, two digits each. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Text (UTF-8) as hex, as in `O` console packets and `qRcmd` replies. */
export function textToHex(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex');
}

/** Decodes hex to UTF-8 text (`qRcmd` commands), or null when it is not an even run of hex digits. */
export function hexToText(hex: string): string | null {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) return null;
  return Buffer.from(hex, 'hex').toString('utf8');
}

/** A 32-bit register value in target byte order (little-endian), as `g` and `p` replies carry it. */
export function registerToHex(value: number): string {
  const v = value >>> 0;
  let out = '';
  for (let i = 0; i < 4; i++) out += ((v >>> (8 * i)) & 0xff).toString(16).padStart(2, '0');
  return out;
}

/** Parses a hex number (an address, a length, a register number); null unless it is all hex digits. */
export function parseHexNumber(text: string): number | null {
  if (!/^[0-9a-fA-F]{1,13}$/.test(text)) return null;
  return parseInt(text, 16);
}
