import { EVENT_KINDS } from '../src/core/event.js';
import type { EventKind, Icount } from '../src/core/event.js';
import { RrvmError } from '../src/core/rrvm-error.js';
import { crc32 } from './crc32.js';
import { FOOTER_MARKER, FOOTER_PREFIX_BYTES, hex32, MAX_MAP_BYTES, TRAILER_BYTES, TRAILER_MAGIC } from './log-layout.js';
import { readBytes } from './log-source.js';
import type { LogSource } from './log-source.js';
import { packValue, unpackValue } from './msgpack.js';

/** Where chunk number i starts, for seeking: its file offset and its first event's stamp. */
export interface ChunkIndexEntry {
  offset: number;
  firstIcount: Icount;
  firstSeq: number;
}

/** Summary written when a recording ends cleanly. */
export interface LogFooter {
  /** icount of the END event. */
  endIcount: Icount;
  /** Number of events in the log, END included. */
  eventCount: number;
  /** Events per kind. */
  counts: Record<EventKind, number>;
  /** Bytes per kind: MessagePack size of each kind's encoded events, before compression. */
  bytes: Record<EventKind, number>;
  /** One entry per chunk, in file order. */
  index: ChunkIndexEntry[];
  /** Where the SNAPSHOT events are (format 4; empty when none), in order: for segment verification without a scan. */
  snapshots: SnapshotIndexEntry[];
}

/** A SNAPSHOT event's stamp. */
export interface SnapshotIndexEntry {
  icount: Icount;
  seq: number;
}

/** A per-kind table of zeros. */
export function zeroPerKind(): Record<EventKind, number> {
  return Object.fromEntries(EVENT_KINDS.map((kind) => [kind, 0])) as Record<EventKind, number>;
}

/**
 * Footer bytes for a footer starting at file offset `footerOffset`: marker `RRFT`, u32 map
 * length, u32 CRC-32 of the map, the MessagePack map, then the trailer (u64 footer offset, `RRTR`).
 */
export function encodeLogFooter(footer: LogFooter, footerOffset: number): Uint8Array {
  const map = packValue({
    endIcount: footer.endIcount,
    eventCount: footer.eventCount,
    counts: footer.counts,
    bytes: footer.bytes,
    index: footer.index.map((c) => [c.offset, c.firstIcount, c.firstSeq]),
    ...(footer.snapshots.length === 0 ? {} : { snapshots: footer.snapshots.map((s) => [s.icount, s.seq]) }),
  });
  const out = new Uint8Array(FOOTER_PREFIX_BYTES + map.length + TRAILER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, FOOTER_MARKER, true);
  view.setUint32(4, map.length, true);
  view.setUint32(8, crc32(map), true);
  out.set(map, FOOTER_PREFIX_BYTES);
  const trailer = FOOTER_PREFIX_BYTES + map.length;
  view.setBigUint64(trailer, BigInt(footerOffset), true);
  view.setUint32(trailer + 8, TRAILER_MAGIC, true);
  return out;
}

/**
 * The footer offset named by the trailer at the end of `source`, or null when the file does not
 * end with a trailer (a recorder that never reached close). Throws RrvmError `log.footer` when the
 * trailer magic is there but its offset cannot be a footer start.
 */
export function readTrailer(source: LogSource, firstChunkOffset: number, name: string): number | null {
  if (source.size < firstChunkOffset + FOOTER_PREFIX_BYTES + TRAILER_BYTES) return null;
  const at = source.size - TRAILER_BYTES;
  const trailer = readBytes(source, at, TRAILER_BYTES);
  const view = new DataView(trailer.buffer, trailer.byteOffset, trailer.byteLength);
  if (view.getUint32(8, true) !== TRAILER_MAGIC) return null;
  const offset = Number(view.getBigUint64(0, true));
  if (offset < firstChunkOffset || offset > at - FOOTER_PREFIX_BYTES) {
    throw new RrvmError('log.footer', `${name}: trailer at offset ${at} names footer offset ${offset}, outside the file`);
  }
  return offset;
}

/** Outcome of parsing a footer: the footer, or `torn` when the file ends inside it. */
export type FooterParse = { footer: LogFooter } | { torn: true };

/**
 * Parses the footer whose marker is at `offset`, reading only the footer. Returns `torn` if the
 * file ends before the footer and trailer do (recorder killed while closing) and `complete` is
 * false; otherwise any defect is an RrvmError `log.footer` naming the offset.
 */
export function decodeLogFooter(source: LogSource, offset: number, complete: boolean, name: string): FooterParse {
  const size = source.size;
  const fail = (at: number, message: string): RrvmError => new RrvmError('log.footer', `${name}: footer at offset ${at}: ${message}`);
  if (offset + FOOTER_PREFIX_BYTES > size) {
    if (complete) throw fail(offset, 'runs past the end of the file');
    return { torn: true };
  }
  const prefix = readBytes(source, offset, FOOTER_PREFIX_BYTES);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (view.getUint32(0, true) !== FOOTER_MARKER) throw fail(offset, 'marker RRFT missing');
  const mapBytes = view.getUint32(4, true);
  const mapAt = offset + FOOTER_PREFIX_BYTES;
  const end = mapAt + mapBytes + TRAILER_BYTES;
  if (mapBytes > MAX_MAP_BYTES || end > size) {
    if (complete) throw fail(offset + 4, `length ${mapBytes} runs past the end of the file`);
    return { torn: true };
  }
  if (end !== size) throw fail(end, `${size - end} bytes follow the trailer`);
  const rest = readBytes(source, mapAt, mapBytes + TRAILER_BYTES);
  const restView = new DataView(rest.buffer, rest.byteOffset, rest.byteLength);
  if (restView.getUint32(mapBytes + 8, true) !== TRAILER_MAGIC) throw fail(end - 4, 'trailer magic RRTR missing');
  if (Number(restView.getBigUint64(mapBytes, true)) !== offset) {
    throw fail(end - TRAILER_BYTES, 'trailer does not point back at the footer');
  }
  const map = rest.subarray(0, mapBytes);
  const stored = view.getUint32(8, true);
  const actual = crc32(map);
  if (stored !== actual) throw fail(offset + 8, `CRC-32 mismatch (stored ${hex32(stored)}, computed ${hex32(actual)})`);
  const value = unpackValue(map, 'log.footer', `${name}: footer at offset ${mapAt}`);
  const footer = checkLogFooter(value);
  if (typeof footer === 'string') throw fail(mapAt, footer);
  return { footer };
}

function checkLogFooter(value: unknown): LogFooter | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a map';
  const { endIcount, eventCount, counts, bytes, index, snapshots } = value as Record<string, unknown>;
  if (!isCount(endIcount)) return 'endIcount is not a non-negative integer';
  if (!isCount(eventCount)) return 'eventCount is not a non-negative integer';
  const countTable = checkPerKind(counts);
  const bytesTable = checkPerKind(bytes);
  if (countTable === null || bytesTable === null) return 'counts or bytes is not a table of kinds';
  if (!Array.isArray(index)) return 'index is not an array';
  const entries: ChunkIndexEntry[] = [];
  for (const entry of index as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 3 || !entry.every(isCount)) return 'bad index entry';
    entries.push({ offset: entry[0], firstIcount: entry[1], firstSeq: entry[2] });
  }
  const marks: SnapshotIndexEntry[] = [];
  if (snapshots !== undefined && !Array.isArray(snapshots)) return 'snapshots is not an array';
  for (const entry of (snapshots ?? []) as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2 || !entry.every(isCount)) return 'bad snapshots entry';
    marks.push({ icount: entry[0], seq: entry[1] });
  }
  if (marks.length !== countTable.SNAPSHOT) return `snapshots lists ${marks.length} SNAPSHOT events, counts says ${countTable.SNAPSHOT}`;
  return { endIcount, eventCount, counts: countTable, bytes: bytesTable, index: entries, snapshots: marks };
}

function checkPerKind(value: unknown): Record<EventKind, number> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const table = zeroPerKind();
  for (const [kind, n] of Object.entries(value)) {
    if (!(EVENT_KINDS as readonly string[]).includes(kind) || !isCount(n)) return null;
    table[kind as EventKind] = n;
  }
  return table;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
