import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { packSimpleArray } from '../../codecs/fast-event-encoder.js';
import { decodeChunkFast } from '../../codecs/fast-chunk-decoder.js';
import { decodeEvent, EVENT_TAGS, newEventCodecState } from '../../codecs/event-codec.js';

const unpackr = new Unpackr({ useRecords: false, moreTypes: false, mapsAsObjects: true });
const packr = new Packr({ useRecords: false, moreTypes: false });

const anyNumber = fc.oneof(
  fc.integer({ min: -40, max: 300 }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true }),
  fc.constantFrom(0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 2 ** 32, -0x21, -0x81, -0x8001, -(2 ** 31), 1.5e18),
);

describe('packSimpleArray', () => {
  it('writes MessagePack that msgpackr decodes to the same numbers', () => {
    fc.assert(
      fc.property(fc.array(anyNumber, { maxLength: 15 }), (values) => {
        const out = new Uint8Array(256);
        const n = packSimpleArray(values, out, new DataView(out.buffer), 3);
        expect(n).toBeGreaterThan(0);
        const decoded = unpackr.unpack(out.subarray(3, 3 + n)) as number[];
        // -0 becomes 0, exactly as msgpackr itself encodes it.
        expect(decoded).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)));
      }),
    );
  });

  it('writes byte payloads up to 255 bytes as bin 8, exactly as msgpackr does', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyNumber, fc.uint8Array({ maxLength: 255 })), { maxLength: 6 }), (values) => {
        const out = new Uint8Array(2048);
        const n = packSimpleArray(values, out, new DataView(out.buffer), 0);
        expect(Buffer.from(out.subarray(0, n))).toEqual(Buffer.from(packr.pack(values.map((v) => (Object.is(v, -0) ? 0 : v)))));
      }),
    );
  });

  it('declines arrays that are not short arrays of numbers and short byte strings', () => {
    const out = new Uint8Array(4096);
    const view = new DataView(out.buffer);
    expect(packSimpleArray([1, 'x'], out, view, 0)).toBe(-1);
    expect(packSimpleArray([1, new Uint8Array(256)], out, view, 0)).toBe(-1);
    expect(packSimpleArray(new Array(16).fill(1), out, view, 0)).toBe(-1);
  });
});

describe('decodeChunkFast', () => {
  const clockEvent = fc.tuple(fc.nat({ max: 100_000 }), fc.integer({ min: -1_000_000, max: 1_000_000_000 }));

  it('decodes chunks of CLOCK and other events exactly like msgpackr + decodeEvent', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(clockEvent.map(([d, v]) => [1, d, 0, v]), fc.nat({ max: 1000 }).map((ns) => [10, 5, ns])), { minLength: 1, maxLength: 40 }),
        (stored) => {
          const bytes = packr.pack(stored);
          const fast = decodeChunkFast(bytes, newEventCodecState(7));
          const state = newEventCodecState(7);
          const slow = (unpackr.unpack(bytes) as unknown[]).map((s) => decodeEvent(s, state));
          expect(fast).toEqual(slow);
        },
      ),
    );
  });

  // Kinds made of integers and bytes are read field by field (CHAR_READ, NET_RX, RANDOM, BH, …).
  const plainEvent = fc.oneof(
    fc.tuple(fc.nat({ max: 5000 }), fc.nat({ max: 3 }), fc.uint8Array({ maxLength: 300 })).map(([d, port, bytes]) => [EVENT_TAGS.CHAR_READ, d, port, bytes]),
    fc.tuple(fc.nat({ max: 5000 }), fc.uint8Array({ maxLength: 70_000 })).map(([d, bytes]) => [EVENT_TAGS.RANDOM, d, bytes]),
    fc.tuple(fc.nat({ max: 5000 }), fc.nat(), fc.integer({ min: -5, max: 5 })).map(([d, request, status]) => [EVENT_TAGS.BLOCK_DONE, d, request, status]),
    fc.tuple(fc.nat({ max: 5000 }), fc.maxSafeNat()).map(([d, id]) => [EVENT_TAGS.BH, d, id]),
  );
  // Shapes decodeEvent refuses or that only it reads: wrong field types and counts, text kinds.
  const oddEvent = fc.oneof(
    fc.tuple(fc.nat({ max: 5000 }), fc.oneof(fc.string(), fc.double(), fc.constant(null))).map(([d, port]) => [EVENT_TAGS.CHAR_READ, d, port, Uint8Array.of(1)]),
    fc.tuple(fc.nat({ max: 5000 }), fc.nat()).map(([d, port]) => [EVENT_TAGS.CHAR_READ, d, port, 'text']),
    fc.nat({ max: 5000 }).map((d) => [EVENT_TAGS.BH, d]),
    fc.integer({ min: -3, max: -1 }).map((d) => [EVENT_TAGS.BH, d, 1]),
    fc.string().map((reason) => [EVENT_TAGS.SHUTDOWN, 0, reason]),
  );

  it('decodes chunks of integer-and-bytes kinds exactly like msgpackr + decodeEvent, bytes as plain copies, counts per tag', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(plainEvent, clockEvent.map(([d, v]) => [1, d, 0, v])), { minLength: 1, maxLength: 30 }), (stored) => {
        const bytes = packr.pack(stored);
        const state = newEventCodecState(3);
        const fast = decodeChunkFast(bytes, state);
        const slowState = newEventCodecState(3);
        const slow = (unpackr.unpack(bytes) as unknown[]).map((s) => decodeEvent(s, slowState));
        expect(fast).toEqual(slow);
        expect(state).toEqual(slowState);
        // The decoder's input is a buffer the reader reuses: the events must not view it.
        bytes.fill(0xee);
        expect(fast).toEqual(slow);
        for (const e of fast!) for (const v of Object.values(e)) if (v instanceof Uint8Array) expect(Object.getPrototypeOf(v)).toBe(Uint8Array.prototype);
      }),
    );
  });

  it('leaves every shape decodeEvent refuses or alone reads to it: null, state untouched, or the same events', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(plainEvent, oddEvent), { minLength: 1, maxLength: 8 }), (stored) => {
        const bytes = packr.pack(stored);
        const state = newEventCodecState(3);
        const fast = decodeChunkFast(bytes, state);
        const slowState = newEventCodecState(3);
        let slow: unknown;
        try {
          slow = (unpackr.unpack(bytes) as unknown[]).map((s) => decodeEvent(s, slowState));
        } catch {
          slow = null;
        }
        if (fast === null) expect(state).toEqual(newEventCodecState(3));
        else expect(fast).toEqual(slow);
      }),
    );
  });

  it('takes the fast path for a CLOCK chunk whose first value is a wall-clock time beyond 2^53', () => {
    const first = 1795308109738270720;
    const bytes = packr.pack([
      [1, 144, 0, first],
      [1, 60, 0, 5120],
    ]);
    const fast = decodeChunkFast(bytes, newEventCodecState());
    expect(fast).not.toBeNull();
    expect(fast!.map((e) => (e.kind === 'CLOCK' ? e.value : null))).toEqual([first, first + 5120]);
  });

  it('returns null (the generic decoder then reports) for malformed or unusual payloads, leaving the state alone', () => {
    const state = newEventCodecState(3);
    expect(decodeChunkFast(Uint8Array.of(0x91, 0x94, 0x01, 0x05), state)).toBeNull(); // truncated
    expect(decodeChunkFast(Uint8Array.of(0x91, 0x94, 0x01, 0x05, 0x09, 0x01, 0x00), state)).toBeNull(); // unknown clock id 9
    expect(decodeChunkFast(Uint8Array.of(0x90), state)).toBeNull(); // empty chunk
    expect(decodeChunkFast(Uint8Array.of(0x91, 0x92, 0x0a, 0x00, 0xc1), state)).toBeNull(); // WARP missing its payload, then the reserved byte 0xc1
    expect(state).toEqual(newEventCodecState(3));
  });
});
