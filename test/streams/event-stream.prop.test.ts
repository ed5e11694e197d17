import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { LogReader, LogWriter } from '../../codecs/index.js';
import type { RrEvent } from '../../src/core/event.js';
import { EventStream } from '../../streams/event-stream.js';
import { recordSink } from '../../streams/record-sink.js';
import { replaySource } from '../../streams/replay-source.js';
import { APPENDABLE_KINDS, arbAnyPayload, removeTempLogs, sampleHeader, tempLogPath } from '../codecs/log-fixtures.js';

afterAll(removeTempLogs);

const arbScript = fc.array(fc.tuple(fc.oneof(fc.constant(0), fc.nat(5000)), arbAnyPayload(APPENDABLE_KINDS)), {
  maxLength: 60,
});

describe('EventStream → recordSink → replaySource', () => {
  it('stamps (icount, seq) strictly increasing, and the replay re-emits the recorded stream exactly', async () => {
    await fc.assert(
      fc.asyncProperty(arbScript, fc.integer({ min: 1, max: 8 }), async (script, eventsPerChunk) => {
        const path = tempLogPath('prop');
        const stream = new EventStream();
        const footer = lastValueFrom(stream.events$.pipe(recordSink(LogWriter.open(path, sampleHeader(), { eventsPerChunk }))));
        let icount = 0;
        const emitted: RrEvent[] = script.map(([delta, e]) => stream.emit(e, (icount += delta)));
        emitted.push(stream.emit({ kind: 'END' }, icount));
        stream.complete();
        await footer;
        emitted.forEach((e, i) => {
          expect(e.seq).toBe(i);
          if (i > 0) expect(e.icount).toBeGreaterThanOrEqual(emitted[i - 1]!.icount);
        });
        expect(await lastValueFrom(replaySource(LogReader.open(path)).pipe(toArray()))).toEqual(emitted);
      }),
      { numRuns: 60 },
    );
  });
});
