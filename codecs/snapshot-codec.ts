import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { RrvmError } from '../src/core/rrvm-error.js';
import type { StopReason } from '../src/core/stop-reason.js';
import type { SavedMachine } from '../src/machine/machine.js';
import { PAGE_BYTES } from '../src/machine/ram.js';
import type { StateRecord, StateValue } from '../src/machine/state.js';
import { crc32 } from './crc32.js';

/** First bytes of a snapshot file. */
export const SNAPSHOT_MAGIC = 'RRVS';
/** Snapshot format version; bump it whenever a state holder's saved fields change. */
export const SNAPSHOT_FORMAT_VERSION = 2;
/** Magic (4) + version (u16) + CRC-32 of the payload (u32). */
const PREFIX_BYTES = 10;
/** A snapshot payload never inflates beyond this (RAM is at most 2 GiB, plus state). */
const MAX_PAYLOAD_BYTES = 2 ** 31 + 2 ** 24;

/** Which recording a snapshot belongs to: it may only be loaded to replay that log. */
export interface SnapshotIdentity {
  elfSha256: string;
  /** The log header's createdAt: tells two recordings of the same ELF apart. */
  logCreatedAt: string;
  ramBytes: number;
  icountShift: number;
}

/** Everything a snapshot file holds. */
export interface SnapshotRecord {
  identity: SnapshotIdentity;
  icount: number;
  /** Seq of the next log event to apply. */
  seq: number;
  /** A stop the log already ordered at this point (an applied SHUTDOWN), or null. */
  stop: StopReason | null;
  /** Lanes of the console-output hash. */
  output: [number, number];
  /** Console bytes produced before this point. */
  consoleBytes: number;
  machine: SavedMachine;
}

// Typed arrays travel as msgpackr's typed-array extensions; no records extension.
const packr = new Packr({ useRecords: false, moreTypes: true });

/**
 * Encodes a snapshot: magic, version, CRC-32, then the deflated MessagePack of the record
 * with RAM as a list of [page number, 4 KiB] for the non-zero pages only.
 */
export function encodeSnapshot(record: SnapshotRecord): Uint8Array {
  const pages: [number, Uint8Array][] = [];
  record.machine.pages.forEach((page, index) => {
    if (page !== null) pages.push([index, page]);
  });
  const body = {
    identity: record.identity,
    icount: record.icount,
    seq: record.seq,
    stop: record.stop,
    output: record.output,
    consoleBytes: record.consoleBytes,
    state: record.machine.state,
    pageCount: record.machine.pages.length,
    pages,
  };
  const payload = deflateRawSync(packr.pack(body));
  const out = new Uint8Array(PREFIX_BYTES + payload.length);
  out.set(Buffer.from(SNAPSHOT_MAGIC, 'latin1'), 0);
  const view = new DataView(out.buffer);
  view.setUint16(4, SNAPSHOT_FORMAT_VERSION, true);
  view.setUint32(6, crc32(payload), true);
  out.set(payload, PREFIX_BYTES);
  return out;
}

/**
 * Decodes a snapshot file. `template` is a freshly built machine's `save().state`: the decoded
 * state must have exactly its shape (same fields, types and array lengths), so a damaged or
 * foreign file is refused (RrvmError `snapshot.*`) instead of being restored.
 */
export function decodeSnapshot(bytes: Uint8Array, template: StateRecord, name: string): SnapshotRecord {
  const fail = (code: string, message: string): RrvmError => new RrvmError(code, `${name}: ${message}`);
  if (bytes.length < PREFIX_BYTES || Buffer.from(bytes.subarray(0, 4)).toString('latin1') !== SNAPSHOT_MAGIC) {
    throw fail('snapshot.magic', 'not an rrvm snapshot (no RRVS magic)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== SNAPSHOT_FORMAT_VERSION) {
    throw fail('snapshot.version', `snapshot format version ${version}, this rrvm reads version ${SNAPSHOT_FORMAT_VERSION}`);
  }
  const payload = bytes.subarray(PREFIX_BYTES);
  if (crc32(payload) !== view.getUint32(6, true)) throw fail('snapshot.corrupt', 'CRC mismatch (the file is damaged or truncated)');
  let body: Record<string, unknown>;
  try {
    body = packr.unpack(inflateRawSync(payload, { maxOutputLength: MAX_PAYLOAD_BYTES })) as Record<string, unknown>;
  } catch (err) {
    throw fail('snapshot.corrupt', `the payload does not decode (${err instanceof Error ? err.message : String(err)})`);
  }
  const bad = (what: string): RrvmError => fail('snapshot.corrupt', `malformed snapshot: ${what}`);
  if (typeof body !== 'object' || body === null) throw bad('not a record');
  const identity = body.identity as SnapshotIdentity;
  if (
    typeof identity !== 'object' ||
    identity === null ||
    typeof identity.elfSha256 !== 'string' ||
    typeof identity.logCreatedAt !== 'string' ||
    !isCount(identity.ramBytes) ||
    !isCount(identity.icountShift)
  ) {
    throw bad('identity');
  }
  for (const field of ['icount', 'seq', 'consoleBytes', 'pageCount'] as const) if (!isCount(body[field])) throw bad(field);
  const output = body.output as unknown[];
  if (!Array.isArray(output) || output.length !== 2 || !output.every((v) => typeof v === 'number')) throw bad('output');
  const stop = body.stop as StopReason | null;
  if (stop !== null && (typeof stop !== 'object' || typeof stop.kind !== 'string')) throw bad('stop');
  const mismatch = shapeMismatch(template, body.state as StateValue, 'state');
  if (mismatch !== null) throw bad(mismatch);
  const pageCount = body.pageCount as number;
  if (pageCount !== identity.ramBytes / PAGE_BYTES) throw bad('page count');
  const pages: (Uint8Array | null)[] = new Array<Uint8Array | null>(pageCount).fill(null);
  const stored = body.pages as unknown[];
  if (!Array.isArray(stored)) throw bad('pages');
  for (const entry of stored) {
    if (!Array.isArray(entry) || entry.length !== 2 || !isCount(entry[0]) || entry[0] >= pageCount) throw bad('page entry');
    const data = entry[1] as unknown;
    if (!(data instanceof Uint8Array) || data.length !== PAGE_BYTES) throw bad(`page ${entry[0] as number}`);
    // A fresh copy: aligned, and owned by the snapshot alone.
    pages[entry[0]] = Uint8Array.prototype.slice.call(data);
  }
  return {
    identity,
    icount: body.icount as number,
    seq: body.seq as number,
    stop,
    output: [output[0] as number, output[1] as number],
    consoleBytes: body.consoleBytes as number,
    machine: { state: body.state as StateRecord, pages },
  };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Where `value` differs in shape from `template` (field names, value types, array lengths), or null. */
function shapeMismatch(template: StateValue, value: StateValue | undefined, path: string): string | null {
  if (value === undefined) return `${path} is missing`;
  if (template === null || typeof template !== 'object') {
    // A halt reason is null while running and a record once halted: either is acceptable there.
    if (template === null) return value === null || (typeof value === 'object' && !ArrayBuffer.isView(value) && !Array.isArray(value)) ? null : `${path} has the wrong type`;
    return typeof value === typeof template ? null : `${path} has the wrong type`;
  }
  if (ArrayBuffer.isView(template)) {
    return value !== null && typeof value === 'object' && value.constructor === template.constructor && (value as Uint8Array).length === template.length
      ? null
      : `${path} has the wrong type or length`;
  }
  if (Array.isArray(template)) {
    if (!Array.isArray(value) || value.length !== template.length) return `${path} has the wrong length`;
    for (let i = 0; i < template.length; i++) {
      const m = shapeMismatch(template[i]!, value[i], `${path}[${i}]`);
      if (m !== null) return m;
    }
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) return `${path} has the wrong type`;
  for (const [field, item] of Object.entries(template)) {
    const m = shapeMismatch(item, (value as Record<string, StateValue>)[field], `${path}.${field}`);
    if (m !== null) return m;
  }
  return null;
}
