import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { EVENT_KINDS } from '../../src/core/event.js';
import type { EventKind, RrEvent, UnstampedEvent } from '../../src/core/event.js';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { LogReader, LogWriter } from '../../codecs/index.js';
import type { LogCompression, LogFooter, LogHeader, LogWriterOptions } from '../../codecs/index.js';

/** Kinds that go through LogWriter.append (END is written by close). */
export const APPENDABLE_KINDS = EVENT_KINDS.filter((kind) => kind !== 'END');

const int = fc.oneof(fc.integer(), fc.maxSafeInteger());
const bytes = fc.uint8Array({ maxLength: 48 });
const text = fc.string({ unit: 'binary', maxLength: 24 });
/** Wall-clock ns as the host port produces them: integral doubles around 1.8e18, or anything else a double can be. */
const clockValue = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 40 }).map((k) => 1.8e18 + k * 256),
  fc.maxSafeInteger(),
  fc.double(),
);

const PAYLOADS: { [K in EventKind]: fc.Arbitrary<Extract<UnstampedEvent, { kind: K }>> } = {
  CLOCK: fc.record({ kind: fc.constant('CLOCK'), clock: fc.constant('rtc'), value: clockValue }),
  RANDOM: fc.record({ kind: fc.constant('RANDOM'), bytes }),
  CHAR_READ: fc.record({ kind: fc.constant('CHAR_READ'), port: int, bytes }),
  INPUT: fc.record({
    kind: fc.constant('INPUT'),
    device: int,
    events: fc.array(fc.tuple(int, int, int), { maxLength: 6 }).map((triples) => triples.flat()),
  }),
  NET_RX: fc.record({ kind: fc.constant('NET_RX'), netdev: int, frame: bytes }),
  AUDIO_OUT: fc.record({ kind: fc.constant('AUDIO_OUT'), stream: int, frames: int }),
  AUDIO_IN: fc.record({ kind: fc.constant('AUDIO_IN'), stream: int, samples: bytes }),
  BLOCK_DONE: fc.record({ kind: fc.constant('BLOCK_DONE'), request: int, status: int }),
  BH: fc.record({ kind: fc.constant('BH'), id: int }),
  WARP: fc.record({ kind: fc.constant('WARP'), ns: int }),
  CHECKPOINT: fc.record({ kind: fc.constant('CHECKPOINT'), digest: bytes }),
  SHUTDOWN: fc.record({ kind: fc.constant('SHUTDOWN'), reason: text }),
  SNAPSHOT: fc.record({ kind: fc.constant('SNAPSHOT'), data: bytes }),
  END: fc.record({ kind: fc.constant('END') }),
};

/** An unstamped event of `kind`. */
export function arbPayload(kind: EventKind): fc.Arbitrary<UnstampedEvent> {
  return PAYLOADS[kind] as fc.Arbitrary<UnstampedEvent>;
}

/** An unstamped event of any kind in `kinds`. */
export function arbAnyPayload(kinds: readonly EventKind[] = EVENT_KINDS): fc.Arbitrary<UnstampedEvent> {
  return fc.oneof(...kinds.map(arbPayload));
}

/** Stamps payloads in order: icount grows by the given deltas (often 0: several events at one icount), seq = index. */
export function stamp(items: readonly (readonly [number, UnstampedEvent])[], startIcount = 0): RrEvent[] {
  let icount = startIcount;
  return items.map(([dIcount, payload], seq) => {
    icount += dIcount;
    return { ...payload, icount, seq } as RrEvent;
  });
}

/** A stream of appendable events, stamped, of up to `maxLength` events. */
export function arbStream(maxLength: number): fc.Arbitrary<RrEvent[]> {
  const delta = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2 ** 40 }));
  return fc
    .array(fc.tuple(delta, arbAnyPayload(APPENDABLE_KINDS)), { maxLength })
    .map((items) => stamp(items));
}

/** A valid header. */
export function sampleHeader(compression: LogCompression = 'none'): LogHeader {
  return {
    rrvmVersion: '0.1.0',
    createdAt: '2025-01-02T03:04:05.000Z',
    compression,
    checkpointEvery: 1_000_000,
    ramBytes: 128 * 1024 * 1024,
    icountShift: 3,
    elfSha256: 'ab'.repeat(32),
    elfPath: '/tmp/guest.elf',
    disks: [],
    devices: [{ kind: 'virtio-rng', slot: 0 }],
  };
}

let scratch: string | undefined;

/** A fresh path in a per-process temporary directory. */
export function tempLogPath(label: string): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'rrvm-codecs-'));
  return join(scratch, `${label}-${Math.random().toString(36).slice(2)}.rrlog`);
}

/** Removes the temporary directory. */
export function removeTempLogs(): void {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

/** Writes `events` then END at `endIcount` (default: the last icount) and returns the file bytes and footer. */
export function writeLog(
  events: readonly RrEvent[],
  options: LogWriterOptions & { compression?: LogCompression; endIcount?: number } = {},
): { file: Uint8Array; footer: LogFooter } {
  const path = tempLogPath('log');
  const writer = LogWriter.open(path, sampleHeader(options.compression), options);
  for (const e of events) writer.append(e);
  const footer = writer.close({ icount: options.endIcount ?? events.at(-1)?.icount ?? 0 });
  const file = readFileSync(path);
  rmSync(path);
  return { file, footer };
}

/** All events of a reader, as an array. */
export function readAll(reader: LogReader): RrEvent[] {
  return Array.from(reader.events());
}

/** The outcome of opening and reading `file` completely: the reader and events, or the thrown error. */
export function tryRead(
  file: Uint8Array,
): { ok: true; reader: LogReader; events: RrEvent[] } | { ok: false; error: unknown } {
  try {
    const reader = LogReader.fromBytes(file, 'test.rrlog');
    return { ok: true, reader, events: readAll(reader) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The `code` of an RrvmError, or a description of whatever else was thrown (which fails the `log.*` match). */
export function errorCode(error: unknown): string {
  return error instanceof RrvmError ? error.code : `not an RrvmError: ${String(error)}`;
}
