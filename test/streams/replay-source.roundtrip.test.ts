import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { LogReader, LogWriter } from '../../codecs/index.js';
import type { RrEvent, UnstampedEvent } from '../../src/core/event.js';
import { EventStream } from '../../streams/event-stream.js';
import { recordSink } from '../../streams/record-sink.js';
import { replaySource } from '../../streams/replay-source.js';
import { sampleHeader } from '../codecs/log-fixtures.js';
import { charRead, end, tempDir } from './stream-fixtures.js';

const temp = tempDir('replay');
afterAll(temp.remove);

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const SCRIPT: [UnstampedEvent, number][] = [
  [{ kind: 'CLOCK', clock: 'rtc', value: 1_700_000_000_000_000_000 }, 0],
  [{ kind: 'CHAR_READ', port: 0, bytes: bytes('l') }, 4096],
  [{ kind: 'CHAR_READ', port: 0, bytes: bytes('s\n') }, 4096],
  [{ kind: 'RANDOM', bytes: Uint8Array.of(1, 2, 3, 4) }, 9000],
  [{ kind: 'WARP', ns: 10_000_000 }, 9000],
  [{ kind: 'CHECKPOINT', digest: new Uint8Array(32).fill(7) }, 12_000],
  [{ kind: 'SHUTDOWN', reason: 'end of input script' }, 15_000],
  [{ kind: 'END' }, 15_001],
];

/** Records SCRIPT through EventStream → recordSink → LogWriter; returns the log path and the stamped events. */
async function record(eventsPerChunk: number): Promise<{ path: string; emitted: RrEvent[] }> {
  const path = join(temp.dir, `run-${eventsPerChunk}.rrlog`);
  const stream = new EventStream();
  const footer = lastValueFrom(stream.events$.pipe(recordSink(LogWriter.open(path, sampleHeader(), { eventsPerChunk }))));
  const emitted = SCRIPT.map(([e, icount]) => stream.emit(e, icount));
  stream.complete();
  expect((await footer).endIcount).toBe(15_001);
  return { path, emitted };
}

describe('replaySource', () => {
  it('re-emits exactly what the record sink wrote through a real LogWriter', async () => {
    for (const eventsPerChunk of [1, 3, 4096]) {
      const { path, emitted } = await record(eventsPerChunk);
      const reader = LogReader.open(path);
      expect(reader.footer?.eventCount).toBe(SCRIPT.length);
      const replayed = await lastValueFrom(replaySource(reader).pipe(toArray()));
      expect(replayed).toEqual(emitted);
      // Cold: a second subscription reads the log again from the start.
      expect(await lastValueFrom(replaySource(reader).pipe(toArray()))).toEqual(emitted);
    }
  });

  it('emits synchronously and completes right after END', () => {
    const after = charRead('x', 9, 2);
    const seen: string[] = [];
    replaySource({ events: () => [charRead('a', 1, 0), end(5, 1), after] }).subscribe({
      next: (e) => seen.push(`${e.kind}@${e.icount}`),
      complete: () => seen.push('complete'),
    });
    expect(seen).toEqual(['CHAR_READ@1', 'END@5', 'complete']);
  });

  it('completes after the last complete event of a log cut short', async () => {
    const { path, emitted } = await record(1);
    const file = readFileSync(path);
    // Cut inside the footer: every chunk stays complete, END's chunk included, but no trailer.
    const reader = LogReader.fromBytes(file.subarray(0, file.length - 20), 'cut.rrlog');
    expect(reader.footer).toBeNull();
    expect(await lastValueFrom(replaySource(reader).pipe(toArray()))).toEqual(emitted);
  });
});
