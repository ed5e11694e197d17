import { EVENT_KINDS } from '../src/core/event.js';
import type { EventKind, Icount, RrEvent } from '../src/core/event.js';
import { RrvmError } from '../src/core/rrvm-error.js';
import type { ClockKind } from '../src/core/clock-kind.js';

/** One event as stored in a chunk: `[tag, dIcount, ...payload]`, ready for MessagePack. */
export type EncodedEvent = [tag: number, dIcount: number, ...payload: unknown[]];

/**
 * Delta state shared by consecutive events of one chunk. Each chunk starts from
 * `resetEventCodecState`, so any chunk decodes on its own (seeking); `seq` runs on across chunks.
 */
export interface EventCodecState {
  /** icount of the previous event of this chunk (0 at chunk start). */
  icount: Icount;
  /** seq the next decoded event gets. Not stored in the log. */
  seq: number;
  /** Previous CLOCK value per clock id in this chunk (absent = 0). */
  clocks: number[];
  /** Events coded so far per tag (index = tag), over every chunk since the state was made. */
  tagCounts: number[];
}

/** Numeric log tag of each event kind: its index in EVENT_KINDS plus one. */
export const EVENT_TAGS = Object.fromEntries(EVENT_KINDS.map((kind, i) => [kind, i + 1])) as Record<EventKind, number>;

/** Numeric id of each host clock in a CLOCK event. Changing it changes the format version. */
export const CLOCK_IDS: Record<ClockKind, number> = { rtc: 0 };

const CLOCK_BY_ID: ClockKind[] = [];
for (const [kind, id] of Object.entries(CLOCK_IDS) as [ClockKind, number][]) CLOCK_BY_ID[id] = kind;

/** Fresh codec state for the start of a stream whose first event gets `seq`. */
export function newEventCodecState(seq = 0): EventCodecState {
  return { icount: 0, seq, clocks: [], tagCounts: new Array<number>(EVENT_KINDS.length + 1).fill(0) };
}

/** Rewinds the deltas to the chunk-start values (icount 0, clocks 0) and keeps `seq`. */
export function resetEventCodecState(state: EventCodecState): void {
  state.icount = 0;
  state.clocks.length = 0;
}

type FieldType = 'int' | 'bytes' | 'text' | 'evdev';
type Payload<K extends EventKind> = Exclude<keyof Extract<RrEvent, { kind: K }>, 'kind' | 'icount' | 'seq'>;

/**
 * The payload of every kind but CLOCK, in stored order. `int` = safe integer, `bytes` =
 * msgpack bin, `text` = UTF-8 string, `evdev` = array of safe integers in (type, code, value) triples.
 */
const FIELDS: { [K in Exclude<EventKind, 'CLOCK'>]: readonly (readonly [Payload<K>, FieldType])[] } = {
  RANDOM: [['bytes', 'bytes']],
  CHAR_READ: [['port', 'int'], ['bytes', 'bytes']],
  INPUT: [['device', 'int'], ['events', 'evdev']],
  NET_RX: [['netdev', 'int'], ['frame', 'bytes']],
  AUDIO_OUT: [['stream', 'int'], ['frames', 'int']],
  AUDIO_IN: [['stream', 'int'], ['samples', 'bytes']],
  BLOCK_DONE: [['request', 'int'], ['status', 'int']],
  BH: [['id', 'int']],
  WARP: [['ns', 'int']],
  CHECKPOINT: [['digest', 'bytes']],
  SHUTDOWN: [['reason', 'text']],
  SNAPSHOT: [['data', 'bytes']],
  END: [],
};

// Indexed by tag: the field list of each kind (CLOCK's slot is unused).
const FIELDS_BY_TAG: (readonly (readonly [string, FieldType])[])[] = [[]];
for (const kind of EVENT_KINDS) FIELDS_BY_TAG.push(kind === 'CLOCK' ? [] : FIELDS[kind]);

/**
 * The stored fields of the kind with `tag` when every one is an integer or bytes (the shapes a
 * decoder can read straight from MessagePack), else undefined (CLOCK, text and evdev kinds).
 */
export function plainEventFields(tag: number): readonly (readonly [name: string, type: 'int' | 'bytes'])[] | undefined {
  const fields = tag === EVENT_TAGS.CLOCK ? undefined : FIELDS_BY_TAG[tag];
  if (fields === undefined || !fields.every(([, type]) => type === 'int' || type === 'bytes')) return undefined;
  return fields as readonly (readonly [string, 'int' | 'bytes'])[];
}

/**
 * Encodes `e` relative to `state` (and advances it): icount as a delta from the previous event,
 * a CLOCK value as a delta from the previous value of the same clock when that delta is an
 * integer that restores the value exactly, otherwise as 8 bytes of big-endian float64.
 * `seq` is not stored. Throws RrvmError `log.write` for an event that cannot be logged.
 */
export function encodeEvent(e: RrEvent, state: EventCodecState): EncodedEvent {
  const dIcount = e.icount - state.icount;
  if (!Number.isSafeInteger(e.icount) || !(dIcount >= 0)) {
    throw new RrvmError('log.write', `${e.kind} event at icount ${e.icount} cannot follow icount ${state.icount}`);
  }
  const tag = EVENT_TAGS[e.kind];
  if (tag === undefined) throw new RrvmError('log.write', `unknown event kind ${String(e.kind)}`);
  if (e.kind === 'CLOCK') {
    const id = CLOCK_IDS[e.clock];
    if (id === undefined || typeof e.value !== 'number') {
      throw new RrvmError('log.write', `CLOCK event at icount ${e.icount}: bad clock ${String(e.clock)} or value`);
    }
    const prev = state.clocks[id] ?? 0;
    const dValue = e.value - prev;
    advance(state, e.icount, tag);
    state.clocks[id] = e.value;
    if (Number.isInteger(dValue) && Object.is(prev + dValue, e.value)) return [tag, dIcount, id, dValue];
    const absolute = new Uint8Array(8);
    new DataView(absolute.buffer).setFloat64(0, e.value);
    return [tag, dIcount, id, absolute];
  }
  const out: EncodedEvent = [tag, dIcount];
  const record = e as unknown as Record<string, unknown>;
  for (const [name, type] of FIELDS_BY_TAG[tag]!) {
    const value = record[name];
    if (!isField(value, type)) {
      throw new RrvmError('log.write', `${e.kind} event at icount ${e.icount}: field ${name} is not ${type}`);
    }
    out.push(value);
  }
  advance(state, e.icount, tag);
  return out;
}

function advance(state: EventCodecState, icount: Icount, tag: number): void {
  state.icount = icount;
  state.seq++;
  state.tagCounts[tag]!++;
}

/**
 * Decodes one stored event (the MessagePack-decoded array) relative to `state` and advances it,
 * assigning `seq`. Binary fields come back as Uint8Array copies. Throws RrvmError `log.chunk`
 * (message without location: the caller adds it) for any shape it does not recognise.
 */
export function decodeEvent(stored: unknown, state: EventCodecState): RrEvent {
  if (!Array.isArray(stored) || stored.length < 2) throw bad('not an array [tag, dIcount, ...]');
  const tag: unknown = stored[0];
  const dIcount: unknown = stored[1];
  if (typeof tag !== 'number' || !Number.isInteger(tag) || tag < 1 || tag > EVENT_KINDS.length) {
    throw bad(`unknown event tag ${describe(tag)}`);
  }
  const kind = EVENT_KINDS[tag - 1]!;
  if (typeof dIcount !== 'number' || !Number.isSafeInteger(dIcount) || dIcount < 0) {
    throw bad(`${kind} event: icount delta ${describe(dIcount)} is not a non-negative integer`);
  }
  const icount = state.icount + dIcount;
  if (!Number.isSafeInteger(icount)) throw bad(`${kind} event: icount ${icount} is not a safe integer`);
  if (kind === 'CLOCK') {
    if (stored.length !== 4) throw bad(`CLOCK event has ${stored.length - 2} payload fields, expected 2`);
    const id: unknown = stored[2];
    const clock = typeof id === 'number' ? CLOCK_BY_ID[id] : undefined;
    if (clock === undefined) throw bad(`CLOCK event: unknown clock id ${describe(id)}`);
    const coded: unknown = stored[3];
    let value: number;
    if (typeof coded === 'number' && Number.isInteger(coded)) value = (state.clocks[id as number] ?? 0) + coded;
    else if (coded instanceof Uint8Array && coded.length === 8) {
      value = new DataView(coded.buffer, coded.byteOffset, 8).getFloat64(0);
    } else throw bad(`CLOCK event: value ${describe(coded)} is neither an integer delta nor 8 bytes`);
    state.clocks[id as number] = value;
    const seq = state.seq;
    advance(state, icount, tag);
    // NB: a plain literal: object spread costs ~2 µs here on Node 20 (this is the hot replay path).
    return { kind: 'CLOCK', icount, seq, clock, value };
  }
  const fields = FIELDS_BY_TAG[tag]!;
  if (stored.length !== fields.length + 2) {
    throw bad(`${kind} event has ${stored.length - 2} payload fields, expected ${fields.length}`);
  }
  const event: Record<string, unknown> = { kind, icount, seq: state.seq };
  for (let i = 0; i < fields.length; i++) {
    const [name, type] = fields[i]!;
    let value: unknown = stored[i + 2];
    if (!isField(value, type)) throw bad(`${kind} event: field ${name} is ${describe(value)}, expected ${type}`);
    // msgpackr hands out Buffers viewing the chunk, whose buffer the reader reuses: give plain copies.
    if (value instanceof Uint8Array) value = new Uint8Array(value);
    event[name] = value;
  }
  advance(state, icount, tag);
  return event as unknown as RrEvent;
}

// Lone surrogates do not survive UTF-8, so they are refused rather than silently replaced.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function isField(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'bytes':
      return value instanceof Uint8Array;
    case 'text':
      return typeof value === 'string' && !LONE_SURROGATE.test(value);
    case 'evdev':
      return (
        Array.isArray(value) &&
        value.length % 3 === 0 &&
        value.every((v: unknown) => typeof v === 'number' && Number.isSafeInteger(v))
      );
  }
}

function bad(message: string): RrvmError {
  return new RrvmError('log.chunk', message);
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}
