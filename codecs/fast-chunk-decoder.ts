import type { RrEvent } from '../src/core/event.js';
import { CLOCK_IDS, decodeEvent, EVENT_TAGS, type EventCodecState } from './event-codec.js';
import type { ClockKind } from '../src/core/clock-kind.js';

const CLOCK_TAG = EVENT_TAGS.CLOCK;
const CLOCK_BY_ID: ClockKind[] = [];
for (const [kind, id] of Object.entries(CLOCK_IDS) as [ClockKind, number][]) CLOCK_BY_ID[id] = kind;

/** Raised inside the fast path for anything it does not handle; the caller falls back. */
const UNHANDLED = Symbol('unhandled');

/**
 * A MessagePack reader for the shapes chunks actually hold (arrays, integers, float64, bin,
 * str, nil, booleans). Anything else throws UNHANDLED so the generic decoder takes over.
 */
class Reader {
  pos = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
  const saved = { icount: state.icount, seq: state.seq, clocks: state.clocks.slice() };
  try {
    const r = new Reader(bytes);
    const n = r.arrayLength();
    if (n <= 0) throw UNHANDLED;
    const events: RrEvent[] = [];
    for (let i = 0; i < n; i++) {
      const start = r.pos;
      // CLOCK [1, dIcount, clockId, dValue] is what event-dense logs are made of: build it
      // directly. Every other shape goes through the generic decodeEvent, checks and all.
      if (r.arrayLength() === 4 && r.int() === CLOCK_TAG) {
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
        events.push({ kind: 'CLOCK', icount, seq, clock, value });
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
    return null;
  }
}
