import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesOf, guestElf, recordGuest, replayLog, stopText, tempDir } from './harness.js';
import type { InputStep } from './harness.js';

const temp = tempDir('slices');
afterAll(temp.remove);

const Q = 0x71;
/** Any byte but 'q' (which would end the echo guest early). */
const notQ = fc.integer({ min: 0, max: 255 }).filter((b) => b !== Q);
const step = fc.record({
  delayMs: fc.integer({ min: 0, max: 5 }),
  bytes: fc.array(notQ, { minLength: 1, maxLength: 24 }).map((a) => Uint8Array.from(a)),
});
/** A random input script for echo, ending with 'q'. */
const script = fc
  .tuple(fc.array(step, { minLength: 0, maxLength: 6 }), fc.integer({ min: 0, max: 5 }))
  .map(([steps, lastDelayMs]): InputStep[] => [...steps, { delayMs: lastDelayMs, bytes: bytesOf('q') }]);
/** Slice sizes, with the tiny ones (one instruction per slice) well represented. */
const sliceIcount = fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 8 }));

const sent = (steps: readonly InputStep[]): Buffer => Buffer.concat(steps.map((s) => s.bytes));

let runs = 0;
const nextLog = (): string => temp.path(`echo-${runs++}.rrlog`);

describe('slice independence (echo guest)', () => {
  it('replays with any slice size to the console and digest of a recording made with any other', async () => {
    await fc.assert(
      fc.asyncProperty(script, sliceIcount, sliceIcount, async (steps, recordSlice, replaySlice) => {
        const rec = await recordGuest({
          elf: guestElf('echo'),
          logPath: nextLog(),
          input: { kind: 'script', steps },
          sliceIcount: recordSlice,
        });
        expect(stopText(rec.stop)).toBe('halt:pass');
        const rep = await replayLog(rec.logPath, { sliceIcount: replaySlice });
        expect(rep.console.equals(rec.console)).toBe(true);
        expect(rep.digest).toBe(rec.digest);
        expect(stopText(rep.stop)).toBe(stopText(rec.stop));
      }),
      { numRuns: 20 },
    );
  });

  it('gives the guest the same bytes whatever the recording slice size', async () => {
    await fc.assert(
      fc.asyncProperty(script, sliceIcount, sliceIcount, async (steps, sliceA, sliceB) => {
        const a = await recordGuest({ elf: guestElf('echo'), logPath: nextLog(), input: { kind: 'script', steps }, sliceIcount: sliceA });
        const b = await recordGuest({ elf: guestElf('echo'), logPath: nextLog(), input: { kind: 'script', steps }, sliceIcount: sliceB });
        expect(a.console.equals(b.console)).toBe(true);
        // Every byte sent is echoed, in order, and counted.
        const input = sent(steps);
        expect(a.console.includes(input)).toBe(true);
        expect(a.console.toString('latin1')).toContain(`echoed ${input.length} bytes`);
      }),
      { numRuns: 20 },
    );
  });
});
