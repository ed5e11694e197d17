// Replaying a log whose events were tampered with (moved, dropped, duplicated, injected, their
// values changed) ends quickly, and strictly: a change the guest can observe ends in a
// divergence report or a labelled log error, never in a clean replay, let alone one with
// different output; never a stall, never an unlabelled exception. The watchdog in the harness
// turns a spinning gate into a failure.
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
  | { op: 'inject'; at: number; kind: 'WARP' | 'CHAR_READ' | 'CLOCK' | 'SHUTDOWN' | 'INPUT' }
  | { op: 'value'; at: number; by: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('shift' as const), at: fc.nat(), by: fc.integer({ min: -300, max: 300 }) }),
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('inject' as const), at: fc.nat(), kind: fc.constantFrom('WARP' as const, 'CHAR_READ' as const, 'CLOCK' as const, 'SHUTDOWN' as const, 'INPUT' as const) }),
  fc.record({ op: fc.constant('value' as const), at: fc.nat(), by: fc.integer({ min: 1, max: 255 }) }),
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
    case 'value':
      // What the guest is given: a clock reading (by whole KiB of ns: exact at 1.7e18, whose
      // ulp is 256), a received byte, the ns an idle skip advances.
      if (e.kind === 'CLOCK') e.value += m.by * 1024;
      else if (e.kind === 'CHAR_READ') e.bytes = e.bytes.map((b, i) => (i === 0 ? (b + m.by) & 0xff : b));
      else if (e.kind === 'WARP') e.ns += m.by;
      break;
  }
  return out.sort((a, b) => a.icount - b.icount);
}

/** Events as comparable plain data (seq excluded: rewriteLog renumbers). */
function canonical(events: RrEvent[]): unknown[] {
  return events.map((e) => {
    const { seq: _seq, ...rest } = e as RrEvent & Record<string, unknown>;
    return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, v instanceof Uint8Array ? Array.from(v) : v]));
  });
}

/**
 * When `mutated` differs from `original` only by push events moved to earlier icounts (same
 * kinds, payloads and order), the latest original icount of a moved event; otherwise null.
 */
function unobservedMove(original: RrEvent[], mutated: RrEvent[]): number | null {
  if (mutated.length !== original.length) return null;
  let latest = -1;
  for (let i = 0; i < original.length; i++) {
    const [o, m] = [original[i]!, mutated[i]!];
    const strip = (e: RrEvent): string => JSON.stringify(canonical([{ ...e, icount: 0 } as RrEvent]));
    if (strip(o) !== strip(m)) return null;
    if (m.icount === o.icount) continue;
    if (m.icount > o.icount || (o.kind !== 'CHAR_READ' && o.kind !== 'WARP')) return null;
    latest = Math.max(latest, o.icount);
  }
  return latest;
}

describe('replay of a tampered log', () => {
  for (const name of ['clock', 'echo'] as const) {
    it(`ends in a divergence or a labelled error whenever the guest can observe the change, in time (${name})`, { timeout: 120_000 }, async () => {
      const rec = name === 'clock' ? clock : echo;
      const original = readEvents(rec.logPath).events.filter((e) => e.kind !== 'END');
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
          const events = mutations.reduce(mutate, original);
          const path = temp.path(`${name}-${run++}.rrlog`);
          const endIcount = Math.max(rec.footer.endIcount, events.at(-1)?.icount ?? 0);
          rewriteLog(rec.logPath, path, { events: () => events, endIcount });
          const unchanged = JSON.stringify(canonical(events)) === JSON.stringify(canonical(original));
          let clean: { console: Buffer; digest: string } | null = null;
          try {
            clean = await replayLog(path, { stallCheckpoints: 2_000 });
          } catch (err) {
            // A divergence, or a log-level error: both are labelled, neither is a stall.
            expect(err instanceof DivergenceError || err instanceof RrvmError, String(err)).toBe(true);
          }
          // Mutations that leave the log as it was (a shift clamped at icount 0, a duplicate
          // then dropped, a value change on an event without one) must replay cleanly.
          if (unchanged) expect(clean, 'an unchanged log replays cleanly').not.toBe(null);
          if (clean === null) return;
          // A clean replay never shows different output or ends in a different state.
          expect(clean.console.equals(rec.console), String(JSON.stringify(mutations))).toBe(true);
          expect(clean.digest).toBe(rec.digest);
          if (unchanged) return;
          // The one way a changed log can replay cleanly: input moved a few instructions
          // earlier into the window where the guest has interrupts masked and goes to sleep
          // (irq_disable; check; wfi). Nothing reads the UART there and WFI falls through with
          // the interrupt pending, so the guest is woken at the very icount the recording woke
          // it: it cannot observe the difference. Tell it apart precisely: the same events,
          // payloads and order, only icounts moved earlier, and the state one instruction past
          // the latest original icount of a moved event is the recording's. (At that icount
          // itself the recorded hart is still flagged asleep in WFI, the mutated one is not:
          // the flag is cleared by the wake-up, before the guest can see it.)
          const moved = unobservedMove(original, events);
          expect(moved, `a changed log replayed cleanly: ${JSON.stringify(mutations)}`).not.toBe(null);
          const until = moved! + 1;
          const [mutatedThere, recordedThere] = await Promise.all([replayLog(path, { until }), replayLog(rec.logPath, { until })]);
          expect(mutatedThere.digest, 'the state where the recording applied the moved event').toBe(recordedThere.digest);
        }),
        { numRuns: 40 },
      );
    });
  }
});

describe('input moved into the guest\'s masked window before WFI', () => {
  it('replays cleanly when it lands in the window, and diverges when it lands before it', async () => {
    const original = readEvents(echo.logPath).events.filter((e) => e.kind !== 'END');
    const newline = original.findIndex((e) => e.kind === 'CHAR_READ' && e.bytes[0] === 0x0a);
    expect(newline).toBeGreaterThan(0);
    const moved = (by: number): string => {
      const path = temp.path(`echo-newline${by}.rrlog`);
      const events = original.map((e, i) => (i === newline ? ({ ...e, icount: e.icount + by } as RrEvent) : e));
      rewriteLog(echo.logPath, path, { events: () => events });
      return path;
    };
    // Two instructions early: the guest is between irq_disable and WFI; it wakes where it did.
    const inWindow = await replayLog(moved(-2));
    expect(inWindow.console.equals(echo.console)).toBe(true);
    expect(inWindow.digest).toBe(echo.digest);
    // Far earlier: the byte arrives while the guest runs with interrupts on, or it sleeps
    // waiting for a byte the log gave it before: a divergence.
    await expect(replayLog(moved(-50))).rejects.toBeInstanceOf(DivergenceError);
    // Later: the guest sleeps at the recorded icount with nothing pending.
    await expect(replayLog(moved(1))).rejects.toBeInstanceOf(DivergenceError);
  });
});
