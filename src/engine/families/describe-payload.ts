import { hex } from '../../machine/running-hash.js';

/** A payload as `field=value …` text, the form `rrvm dump` and divergence reports use. */
export function describePayload(payload: object): string {
  return Object.entries(payload)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
}

function formatValue(v: unknown): string {
  if (v instanceof Uint8Array) {
    const text = hex(v);
    const printable = [...v].every((b) => b >= 0x20 && b < 0x7f);
    return printable && v.length > 0 ? JSON.stringify(Buffer.from(v).toString('latin1')) : text.length > 64 ? `${text.slice(0, 64)}…(${v.length} bytes)` : text || '""';
  }
  // Clock values exceed 2^53: print the exact integer the double holds, not its shortest form.
  if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) return BigInt(v).toString();
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}
