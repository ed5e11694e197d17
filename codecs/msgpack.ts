import { Packr, Unpackr } from 'msgpackr';
import { RrvmError } from '../src/core/rrvm-error.js';

// Plain MessagePack: no records/structures extension (it would also spend 2 bytes on ints 64..127).
const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

/** MessagePack encoding of `value`, in a buffer the caller owns. */
export function packValue(value: unknown): Uint8Array {
  // NB: msgpackr returns a view of its own scratch buffer; copy so later packs cannot touch it.
  return Uint8Array.prototype.slice.call(packr.pack(value));
}

/** MessagePack encoding of `value` as a short-lived view: copy it before the next packValue/packView call. */
export function packView(value: unknown): Uint8Array {
  return packr.pack(value);
}

/**
 * Decodes exactly one MessagePack value filling `bytes`; any failure (bad data, trailing
 * bytes, a thrown non-Error) becomes an RrvmError with `code` and `what` in the message.
 */
export function unpackValue(bytes: Uint8Array, code: string, what: string): unknown {
  try {
    return unpackr.unpack(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RrvmError(code, `${what}: MessagePack does not decode (${reason})`);
  }
}
