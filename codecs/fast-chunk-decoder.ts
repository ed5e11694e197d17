import type { RrEvent } from '../src/core/event.js';
import { EVENT_KINDS } from '../src/core/event.js';
import { CLOCK_IDS, decodeEvent, EVENT_TAGS, plainEventFields, type EventCodecState } from './event-codec.js';
import type { ClockKind } from '../src/core/clock-kind.js';

const CLOCK_TAG = EVENT_TAGS.CLOCK;
const CLOCK_BY_ID: ClockKind[] = [];
for (const [kind, id] of Object.entries(CLOCK_IDS) as [ClockKind, number][]) CLOCK_BY_ID[id] = kind;

/** By tag: the fields of the kinds read field by field here (integers and bytes only). */
const PLAIN_FIELDS = EVENT_KINDS.map((_, i) => plainEventFields(i + 1));
PLAIN_FIELDS.unshift(undefined);

/** Raised inside the fast path for anything it does not handle; the caller falls back. */
const UNHANDLED = Symbol('unhandled');

/**
 * A MessagePack reader for the shapes chunks actually hold (arrays, integers, float64, bin,
 * str, nil, booleans). Anything else throws UNHANDLED so the generic decoder takes over.
 */
class Reader {
  pos = 0;
  private readonly view: DataView;
  private readonly bytes: Uint8Array;

  constructor(chunk: Uint8Array) {
    // A plain Uint8Array over the same bytes: slicing an inflated chunk (a Buffer) would give views.
    this.bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }

  get done(): boolean {
    return this.pos === this.bytes.length;
  }

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.bytes.length) throw UNHANDLED;
    this.pos = at + n;
    return at;
  }

  /** An array header's length, or -1 when the next value is not an array. */
  arrayLength(): number {
    const b = this.bytes[this.pos];
    if (b === undefined) throw UNHANDLED;
    if ((b & 0xf0) === 0x90) {
      this.pos++;
      return b & 0x0f;
    }
    if (b === 0xdc) return this.view.getUint16(this.need(3) + 1);
    if (b === 0xdd) return this.view.getUint32(this.need(5) + 1);
    return -1;
  }

  /** An integer value (any MessagePack int encoding that is a safe integer), else UNHANDLED. */
  int(): number {
    const at = this.need(1);
    const b = this.bytes[at]!;
    if (b < 0x80) return b;
    if (b >= 0xe0) return b - 0x100;
    this.pos = at;
    const v = this.value();
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw UNHANDLED;
    return v;
  }

  /** An integral number of any size (a clock value delta may be a whole double beyond 2^53). */
  integral(): number {
    const v = this.value();
    if (typeof v !== 'number' || !Number.isInteger(v)) throw UNHANDLED;
    return v;
  }

  /** Any supported value. Integers come back as numbers (unsafe 64-bit ones are UNHANDLED). */
  value(): unknown {
    const at = this.need(1);
    const b = this.bytes[at]!;
    if (b < 0x80) return b;
    if (b >= 0xe0) return b - 0x100;
    if ((b & 0xf0) === 0x90 || b === 0xdc || b === 0xdd) {
      this.pos = at;
      const n = this.arrayLength();
      if (n > this.bytes.length - this.pos) throw UNHANDLED;
      const out: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = this.value();
      return out;
    }
    if ((b & 0xe0) === 0xa0) return this.text(b & 0x1f);
    const v = this.view;
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.bin(this.bytes[this.need(1)]!);
      case 0xc5:
        return this.bin(v.getUint16(this.need(2)));
      case 0xc6:
        return this.bin(v.getUint32(this.need(4)));
      case 0xcb:
        return v.getFloat64(this.need(8));
      case 0xcc:
        return this.bytes[this.need(1)]!;
      case 0xcd:
        return v.getUint16(this.need(2));
      case 0xce:
        return v.getUint32(this.need(4));
      case 0xcf:
        return safe(v.getBigUint64(this.need(8)));
      case 0xd0:
        return v.getInt8(this.need(1));
      case 0xd1:
        return v.getInt16(this.need(2));
      case 0xd2:
        return v.getInt32(this.need(4));
      case 0xd3:
        return safe(v.getBigInt64(this.need(8)));
      case 0xd9:
        return this.text(this.bytes[this.need(1)]!);
      case 0xda:
        return this.text(v.getUint16(this.need(2)));
      case 0xdb:
        return this.text(v.getUint32(this.need(4)));
      default:
        throw UNHANDLED;
    }
  }

  /** A bin value (a copy), else UNHANDLED. */
  bytesField(): Uint8Array {
    const b = this.bytes[this.pos];
    if (b !== 0xc4 && b !== 0xc5 && b !== 0xc6) throw UNHANDLED;
    return this.value() as Uint8Array;
  }

  private bin(n: number): Uint8Array {
    const at = this.need(n);
    // A copy: the chunk's bytes are a buffer the reader reuses for the next chunk.
    return this.bytes.slice(at, at + n);
  }

  private text(n: number): string {
    const at = this.need(n);
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + at, n).toString('utf8');
  }
}

function safe(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw UNHANDLED;
  return Number(v);
}

/**
 * Decodes a chunk's (inflated) MessagePack payload straight into events, without msgpackr's
 * intermediate objects: the replay hot path. Returns null when the payload holds anything
 * unusual (including any error); the caller then runs the generic decoder, which reports it.
 * `state` is advanced only on success.
 */
export function decodeChunkFast(bytes: Uint8Array, state: EventCodecState): RrEvent[] | null {
  const saved = { icount: state.icount, seq: state.seq, clocks: state.clocks.slice(), tagCounts: state.tagCounts.slice() };
  const tagCounts = state.tagCounts;
  try {
    const r = new Reader(bytes);
    const n = r.arrayLength();
    if (n <= 0) throw UNHANDLED;
    const events: RrEvent[] = [];
    for (let i = 0; i < n; i++) {
      const start = r.pos;
      const length = r.arrayLength();
      const tag = length >= 2 ? r.int() : -1;
      // CLOCK [1, dIcount, clockId, dValue] is what event-dense logs are made of: build it
      // directly. So are the kinds made of integers and bytes (CHAR_READ, NET_RX, BH, …), with
      // the checks decodeEvent makes. Every other shape goes through decodeEvent.
      if (tag === CLOCK_TAG && length === 4) {
        const dIcount = r.int();
        const id = r.int();
        const dValue = r.integral();
        const clock = CLOCK_BY_ID[id];
        const icount = state.icount + dIcount;
        if (dIcount < 0 || clock === undefined || !Number.isSafeInteger(icount)) throw UNHANDLED;
        const value = (state.clocks[id] ?? 0) + dValue;
        state.clocks[id] = value;
        const seq = state.seq++;
        state.icount = icount;
        tagCounts[CLOCK_TAG]!++;
        events.push({ kind: 'CLOCK', icount, seq, clock, value });
        continue;
      }
      const fields = PLAIN_FIELDS[tag];
      if (fields !== undefined && length === fields.length + 2) {
        const icount = state.icount + r.int();
        if (icount < state.icount || !Number.isSafeInteger(icount)) throw UNHANDLED;
        const event: Record<string, unknown> = { kind: EVENT_KINDS[tag - 1], icount, seq: state.seq };
        for (const [name, type] of fields) event[name] = type === 'int' ? r.int() : r.bytesField();
        state.seq++;
        state.icount = icount;
        tagCounts[tag]!++;
        events.push(event as unknown as RrEvent);
        continue;
      }
      r.pos = start;
      events.push(decodeEvent(r.value(), state));
    }
    if (!r.done) throw UNHANDLED;
    return events;
  } catch {
    state.icount = saved.icount;
    state.seq = saved.seq;
    state.clocks = saved.clocks;
    state.tagCounts = saved.tagCounts;
    return null;
  }
}
