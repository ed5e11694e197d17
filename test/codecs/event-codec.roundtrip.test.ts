import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_KINDS } from '../../src/core/event.js';
import type { RrEvent } from '../../src/core/event.js';
import { decodeEvent, encodeEvent, EVENT_TAGS, newEventCodecState } from '../../codecs/event-codec.js';
import { packValue, unpackValue } from '../../codecs/msgpack.js';
import { arbAnyPayload, arbPayload, errorCode, stamp } from './log-fixtures.js';

/** Encodes a stream with one state and decodes it with another, through real MessagePack bytes. */
function roundTrip(events: readonly RrEvent[]): RrEvent[] {
  const writeState = newEventCodecState();
  const bytes = packValue(events.map((e) => encodeEvent(e, writeState)));
  const stored = unpackValue(bytes, 'log.chunk', 'test') as unknown[];
  const readState = newEventCodecState();
  return stored.map((s) => decodeEvent(s, readState));
}

function thrownCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return errorCode(error);
  }
  return 'nothing thrown';
}

describe('encodeEvent / decodeEvent', () => {
  it('numbers tags as the index in EVENT_KINDS plus one', () => {
    EVENT_KINDS.forEach((kind, i) => expect(EVENT_TAGS[kind]).toBe(i + 1));
  });

  for (const kind of EVENT_KINDS) {
    it(`restores a ${kind} event exactly`, () => {
      fc.assert(
        fc.property(fc.maxSafeNat(), arbPayload(kind), (icount, payload) => {
          const e = { ...payload, icount, seq: 0 } as RrEvent;
          expect(roundTrip([e])).toEqual([e]);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('restores a stream of mixed events with deltas, icount and seq', () => {
    const delta = fc.oneof(fc.constant(0), fc.nat(500), fc.integer({ min: 0, max: 2 ** 45 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(delta, arbAnyPayload()), { maxLength: 60 }), (items) => {
        const events = stamp(items);
        const back = roundTrip(events);
        expect(back).toEqual(events);
        for (let i = 1; i < back.length; i++) {
          expect(back[i]!.icount).toBeGreaterThanOrEqual(back[i - 1]!.icount);
          expect(back[i]!.seq).toBe(back[i - 1]!.seq + 1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('returns binary payloads as Uint8Array', () => {
    const [e] = roundTrip([{ kind: 'NET_RX', icount: 5, seq: 0, netdev: 0, frame: Uint8Array.of(1, 2, 3) }]);
    expect(e!.kind === 'NET_RX' && e.frame.constructor).toBe(Uint8Array);
  });

  it('keeps wall-clock values exact and stores their deltas as small integers', () => {
    const base = 1.8e18 + 1_234_567 * 256;
    const events: RrEvent[] = [
      { kind: 'CLOCK', icount: 100, seq: 0, clock: 'rtc', value: base },
      { kind: 'CLOCK', icount: 150, seq: 1, clock: 'rtc', value: base + 2048 },
      { kind: 'CLOCK', icount: 150, seq: 2, clock: 'rtc', value: base + 1792 },
    ];
    const state = newEventCodecState();
    const encoded = events.map((e) => encodeEvent(e, state));
    expect(encoded[1]).toEqual([EVENT_TAGS.CLOCK, 50, 0, 2048]);
    expect(encoded[2]).toEqual([EVENT_TAGS.CLOCK, 0, 0, -256]);
    expect(roundTrip(events)).toEqual(events);
  });

  it('stores a CLOCK value whose delta would round as 8 absolute bytes', () => {
    const events: RrEvent[] = [
      { kind: 'CLOCK', icount: 0, seq: 0, clock: 'rtc', value: 0.5 },
      { kind: 'CLOCK', icount: 1, seq: 1, clock: 'rtc', value: -0 },
      { kind: 'CLOCK', icount: 2, seq: 2, clock: 'rtc', value: Number.NaN },
      { kind: 'CLOCK', icount: 3, seq: 3, clock: 'rtc', value: 2 ** 60 + 2 ** 8 },
      { kind: 'CLOCK', icount: 4, seq: 4, clock: 'rtc', value: 3 },
    ];
    const state = newEventCodecState();
    const encoded = events.map((e) => encodeEvent(e, state));
    expect(encoded.map((x) => x[3] instanceof Uint8Array)).toEqual([true, true, true, true, true]);
    expect(roundTrip(events)).toEqual(events);
  });

  it('refuses an event it could not restore, with log.write, and leaves the state usable', () => {
    const state = newEventCodecState();
    encodeEvent({ kind: 'BH', icount: 10, seq: 0, id: 1 }, state);
    const bad = [
      { kind: 'BH', icount: 9, seq: 1, id: 1 },
      { kind: 'BH', icount: 11, seq: 1, id: 1.5 },
      { kind: 'RANDOM', icount: 11, seq: 1, bytes: [1, 2] },
      { kind: 'SHUTDOWN', icount: 11, seq: 1, reason: '\uD800' },
      { kind: 'INPUT', icount: 11, seq: 1, device: 0, events: [1, 2] },
      { kind: 'NOPE', icount: 11, seq: 1 },
    ];
    for (const e of bad) expect(thrownCode(() => encodeEvent(e as unknown as RrEvent, state))).toBe('log.write');
    expect(encodeEvent({ kind: 'BH', icount: 11, seq: 1, id: 2 }, state)).toEqual([EVENT_TAGS.BH, 1, 2]);
  });

  it('rejects stored shapes it does not know with log.chunk', () => {
    const bad: unknown[] = [
      'x',
      [1],
      [0, 0],
      [15, 0],
      [EVENT_TAGS.BH, -1, 3],
      [EVENT_TAGS.BH, 0.5, 3],
      [EVENT_TAGS.BH, 0],
      [EVENT_TAGS.BH, 0, 3, 4],
      [EVENT_TAGS.BH, 0, '3'],
      [EVENT_TAGS.BH, 0, 10n],
      [EVENT_TAGS.CLOCK, 0, 1, 5],
      [EVENT_TAGS.CLOCK, 0, 0, 1.5],
      [EVENT_TAGS.CLOCK, 0, 0, new Uint8Array(7)],
      [EVENT_TAGS.RANDOM, 0, [1, 2]],
      [EVENT_TAGS.INPUT, 0, 0, [1, 2]],
      [EVENT_TAGS.SHUTDOWN, 0, new Date(0)],
      [EVENT_TAGS.BH, Number.MAX_SAFE_INTEGER, 1],
    ];
    for (const stored of bad) {
      const state = newEventCodecState();
      state.icount = 10;
      expect(thrownCode(() => decodeEvent(stored, state)), JSON.stringify(String(stored))).toBe('log.chunk');
    }
  });
});
