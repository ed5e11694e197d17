// One-shot BHs (DESIGN §3): virtio-rng defers its fill, so every fill is a BH event followed by
// the RANDOM pulls it made. With `--chaos-io` the BH falls due milliseconds later while the
// guest polls; whatever the delays, the log replays to the recorded state, a snapshot file
// taken with a BH pending resumes it, and a BH the log invents is a divergence.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot, LogReader } from '../../codecs/index.js';
import { fullStateDigest } from '../../src/engine/checkpoint-digest.js';
import { DivergenceError } from '../../src/engine/divergence.js';
import { replaySession } from '../../src/engine/replay-session.js';
import { parseElf } from '../../src/machine/elf-loader.js';
import { MemoryMap } from '../../src/machine/memory-map.js';
import type { RrEvent } from '../../src/core/event.js';
import { REPO_ROOT } from '../examples/run-guest.js';
import { readEvents, recordGuest, replayLog, rewriteLog, tempDir, type Recording } from './harness.js';

const temp = tempDir('bh');
afterAll(temp.remove);

const RNG_ELF = join(REPO_ROOT, 'examples', 'rng', 'rng.elf');
const RNG = [{ kind: 'virtio-rng' as const }];

/** Every BH event is followed, at its icount, by the RANDOM pulls its fill made. */
function expectFillsAfterBhs(events: readonly RrEvent[]): void {
  const random = events.filter((e) => e.kind === 'RANDOM');
  expect(random.length).toBeGreaterThan(0);
  for (const e of random) {
    let i = events.indexOf(e) - 1;
    while (events[i]!.kind === 'RANDOM') i--;
    expect(events[i]!.kind, `event before RANDOM #${e.seq}`).toBe('BH');
    expect(events[i]!.icount).toBe(e.icount);
  }
}

describe('BH events (virtio-rng fills)', () => {
  let rec: Recording;
  beforeAll(async () => {
    rec = await recordGuest({ elf: RNG_ELF, logPath: temp.path('chaos.rrlog'), virtio: RNG, chaosSeed: 7 });
  });

  it('records one BH per fill, before the pulls it made, and replays to the recorded state', async () => {
    const { events } = readEvents(rec.logPath);
    const bhs = events.filter((e) => e.kind === 'BH');
    // Request 1 alone (polled), then requests 2 and 3 (posted together: one fill or two).
    expect(bhs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(bhs.map((e) => (e.kind === 'BH' ? e.id : -1))).size).toBe(bhs.length);
    expectFillsAfterBhs(events);
    const replay = await replayLog(rec.logPath);
    expect(replay.console.equals(rec.console)).toBe(true);
    expect(replay.digest).toBe(rec.digest);
  });

  it('whatever the chaos delays, a recording replays to its own state', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
        const r = await recordGuest({ elf: RNG_ELF, logPath: temp.path(`seed-${n++}.rrlog`), virtio: RNG, chaosSeed: seed });
        expect(r.console.toString('latin1')).toContain('rng: done');
        expectFillsAfterBhs(readEvents(r.logPath).events);
        const replay = await replayLog(r.logPath);
        expect(replay.console.equals(r.console)).toBe(true);
        expect(replay.digest).toBe(r.digest);
      }),
      { numRuns: 6 },
    );
  }, 120_000);

  it('a snapshot file taken while a BH is pending resumes it: the rest replays to the recorded end', async () => {
    const reader = LogReader.open(rec.logPath);
    const image = parseElf(readFileSync(RNG_ELF), MemoryMap.RAM, reader.header.ramBytes);
    const firstBh = [...reader.events()].find((e) => e.kind === 'BH')!;
    // The first request is polled: the guest spins while its fill BH waits out the chaos delay.
    const head = replaySession({ image, reader, maxInsns: firstBh.icount - 50, drives: [], onConsole: () => {} });
    await head.run();
    const record = head.snapshot();
    expect(record.io.bhs, 'the chaos delay left the fill BH pending').toHaveLength(1);
    const bytes = encodeSnapshot(record);
    const decoded = decodeSnapshot(bytes, head.session.machine.saveRecords(), 'pending.rrsnap');
    expect(decoded.io).toEqual(record.io);
    const tailConsole: Uint8Array[] = [];
    const tail = replaySession({
      image,
      reader: LogReader.open(rec.logPath),
      maxInsns: Infinity,
      drives: [],
      onConsole: (out) => tailConsole.push(Uint8Array.from(out)),
      from: { bytes, name: 'pending.rrsnap' },
    });
    await tail.run();
    expect(fullStateDigest(tail.session.machine, tail.session.output)).toBe(rec.digest);
    expect(rec.console.toString('latin1')).toContain(Buffer.concat(tailConsole).toString('latin1'));
  });

  it('a BH no device deferred is a divergence that names it', async () => {
    const path = temp.path('invented.rrlog');
    rewriteLog(rec.logPath, path, { events: (events) => events.map((e) => (e.kind === 'BH' ? { ...e, id: e.id + 1000 } : e)) });
    const err = await replayLog(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect(String((err as Error).message)).toMatch(/no device deferred BH 100\d/);
  });

  it('a BH missing from the log is a divergence, not a hang', async () => {
    const path = temp.path('dropped.rrlog');
    let dropped = false;
    rewriteLog(rec.logPath, path, {
      events: (events) =>
        events.filter((e) => {
          if (e.kind !== 'BH' || dropped) return true;
          dropped = true;
          return false;
        }),
    });
    await expect(replayLog(path)).rejects.toBeInstanceOf(DivergenceError);
  });
});
