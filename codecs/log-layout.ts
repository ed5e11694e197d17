/**
 * Byte-level constants of the `.rrlog` container (docs/log-format.md). All fixed-width
 * integers are little-endian.
 */

/** Format version written after the magic. Bump it whenever an event kind, tag, or field order/meaning changes. */
export const LOG_FORMAT_VERSION = 4;

/**
 * The oldest format version readers still accept: version 3 is version 4 whose SNAPSHOT events
 * (never written before version 4) had other fields, version 2 is version 3 without embedded files.
 */
export const OLDEST_LOG_FORMAT_VERSION = 2;

/** First 4 bytes of every log: ASCII `RRVM`. */
export const LOG_MAGIC = Uint8Array.of(0x52, 0x52, 0x56, 0x4d);

/** First 4 bytes of the footer, where a chunk length would otherwise be: ASCII `RRFT` (0x54465252 LE). */
export const FOOTER_MARKER = 0x54465252;

/** Last 4 bytes of a complete log, after the u64 footer offset: ASCII `RRTR`. */
export const TRAILER_MAGIC = 0x52545252;

/** magic (4) + version (u16) + header map length (u32). */
export const HEADER_PREFIX_BYTES = 10;

/** u32 payload length + u32 CRC-32 before every chunk payload. */
export const CHUNK_FRAME_BYTES = 8;

/** marker (4) + u32 footer map length + u32 CRC-32. */
export const FOOTER_PREFIX_BYTES = 12;

/** u64 footer offset + u32 trailer magic. */
export const TRAILER_BYTES = 12;

/**
 * Largest chunk payload, stored or inflated, in bytes. Writers never exceed it; readers reject
 * larger declared lengths before allocating. It is below FOOTER_MARKER, so a chunk length can
 * never be mistaken for the footer.
 */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

/** Largest encoded event a writer accepts (so that a chunk, even deflated, stays within MAX_CHUNK_BYTES). */
export const MAX_EVENT_BYTES = MAX_CHUNK_BYTES / 4;

/** Largest header or footer map, in bytes. */
export const MAX_MAP_BYTES = 64 * 1024 * 1024;

/** `0x` and 8 hex digits, for CRCs and markers in messages. */
export function hex32(u32: number): string {
  return `0x${(u32 >>> 0).toString(16).padStart(8, '0')}`;
}
