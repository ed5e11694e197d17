// Replaying a log whose events were tampered with (moved, dropped, duplicated, injected,
// retyped) ends quickly with a clean result or a divergence report: never a stall, never an
// unlabelled exception. The watchdog in the harness turns a spinning gate into a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DivergenceError } from '../../src/engine/divergence.js';
import type { RrEvent } from '../../src/core/event.js';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { bytesOf, guestElf, readEvents, recordGuest, replayLog, rewriteLog, tempDir, type Recording } from './harness.js';

const temp = tempDir('mutations');
afterAll(temp.remove);

let clock: Recording;
let echo: Recording;

beforeAll(async () => {
  clock = await recordGuest({ elf: guestElf('clock'), logPath: temp.path('clock.rrlog') });
  echo = await recordGuest({ elf: guestElf('echo'), logPath: temp.path('echo.rrlog'), input: { kind: 'all', bytes: bytesOf('mutate me\nq') } });
});

type Mutation =
  | { op: 'shift'; at: number; by: number }
  | { op: 'drop'; at: number }
  | { op: 'duplicate'; at: number }
  | { op: 'inject'; at: number; kind: 'WARP' | 'CHAR_READ' | 'CLOCK' | 'SHUTDOWN' | 'INPUT' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('shift' as const), at: fc.nat(), by: fc.integer({ min: -300, max: 300 }) }),
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('inject' as const), at: fc.nat(), kind: fc.constantFrom('WARP' as const, 'CHAR_READ' as const, 'CLOCK' as const, 'SHUTDOWN' as const, 'INPUT' as const) }),
);

/** Applies one mutation, then restores the non-decreasing icount order the writer requires. */
function mutate(events: RrEvent[], m: Mutation): RrEvent[] {
  const out = events.map((e) => ({ ...e }) as RrEvent);
  const at = m.at % out.length;
  const e = out[at]!;
  switch (m.op) {
    case 'shift':
      e.icount = Math.max(0, e.icount + m.by);
      break;
    case 'drop':
      out.splice(at, 1);
      break;
    case 'duplicate':
      out.splice(at, 0, { ...e } as RrEvent);
      break;
    case 'inject': {
      const base = { icount: e.icount, seq: 0 };
      const injected: Record<typeof m.kind, RrEvent> = {
        WARP: { ...base, kind: 'WARP', ns: 12345 },
        CHAR_READ: { ...base, kind: 'CHAR_READ', port: 0, bytes: bytesOf('z') },
        CLOCK: { ...base, kind: 'CLOCK', clock: 'rtc', value: 1.7e18 },
        SHUTDOWN: { ...base, kind: 'SHUTDOWN', reason: 'injected' },
        INPUT: { ...base, kind: 'INPUT', device: 0, events: [1, 30, 1] },
      };
      out.splice(at + 1, 0, injected[m.kind]);
      break;
    }
  }
  return out.sort((a, b) => a.icount - b.icount);
}

describe('replay of a tampered log', () => {
  for (const name of ['clock', 'echo'] as const) {
    it(`ends with a clean replay or a divergence report, in time (${name})`, { timeout: 120_000 }, async () => {
      const rec = name === 'clock' ? clock : echo;
      const original = readEvents(rec.logPath).events.filter((e) => e.kind !== 'END');
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
          const events = mutations.reduce(mutate, original);
          const path = temp.path(`${name}-${run++}.rrlog`);
          const endIcount = Math.max(rec.footer.endIcount, events.at(-1)?.icount ?? 0);
          rewriteLog(rec.logPath, path, { events: () => events, endIcount });
          try {
            await replayLog(path, { stallCheckpoints: 2_000 });
          } catch (err) {
            // A divergence, or a log-level error: both are labelled, neither is a stall.
            expect(err instanceof DivergenceError || err instanceof RrvmError, String(err)).toBe(true);
          }
        }),
        { numRuns: 40, seed: 4242 },
      );
    });
  }
});
