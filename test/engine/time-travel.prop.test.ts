// Time travel (TimeTravelSession): a seek anywhere, in any order, reaches the state a straight
// replay stopped there reaches; console output is delivered once however often execution goes
// back over it; the snapshot store stays under its cap; breakpoints and write watchpoints stop
// where gdb expects, forwards and backwards, and never change where the replay ends.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogReader } from '../../codecs/index.js';
import { fullStateDigest } from '../../src/engine/checkpoint-digest.js';
import { TimeTravelSession } from '../../src/engine/time-travel-session.js';
import { parseElf } from '../../src/machine/elf-loader.js';
import { MemoryMap } from '../../src/machine/memory-map.js';
import { bytesOf, guestElf, recordGuest, replayLog, tempDir, type ExampleGuest, type Recording, type SerialInput } from './harness.js';

const temp = tempDir('time-travel');
afterAll(temp.remove);

/** The value of every symbol in an ELF32's .symtab, by name (a tiny reader for tests). */
function elfSymbols(bytes: Uint8Array): Map<string, number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = view.getUint32(32, true);
  const shentsize = view.getUint16(46, true);
  const shnum = view.getUint16(48, true);
  const symbols = new Map<string, number>();
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    if (view.getUint32(sh + 4, true) !== 2 /* SHT_SYMTAB */) continue;
    const symOff = view.getUint32(sh + 16, true);
    const symSize = view.getUint32(sh + 20, true);
    const strOff = view.getUint32(shoff + view.getUint32(sh + 24, true) * shentsize + 16, true);
    for (let s = symOff; s < symOff + symSize; s += 16) {
      let end = strOff + view.getUint32(s, true);
      const start = end;
      while (bytes[end] !== 0) end++;
      const name = Buffer.from(bytes.subarray(start, end)).toString('latin1');
      if (name !== '') symbols.set(name, view.getUint32(s + 4, true));
    }
  }
  return symbols;
}

const ECHO_INPUT: SerialInput = {
  kind: 'script',
  steps: [
    { delayMs: 3, bytes: bytesOf('time travel\n') },
    { delayMs: 3, bytes: bytesOf('again and again\n') },
    { delayMs: 3, bytes: bytesOf('q') },
  ],
};

const recordings: Partial<Record<ExampleGuest, Recording>> = {};
beforeAll(async () => {
  for (const guest of ['clock', 'echo', 'debug-demo'] as const) {
    recordings[guest] = await recordGuest({
      elf: guestElf(guest),
      logPath: temp.path(`${guest}.rrlog`),
      input: guest === 'echo' ? ECHO_INPUT : { kind: 'none' },
    });
  }
});

/** A time-travel session over a recording, with the console it delivered. */
function travel(rec: Recording, options: { snapshotEvery?: number; snapshotMemBytes?: number } = {}) {
  const reader = LogReader.open(rec.logPath);
  const image = parseElf(readFileSync(reader.header.elfPath), MemoryMap.RAM, reader.header.ramBytes);
  const chunks: Buffer[] = [];
  const tt = new TimeTravelSession({ image, reader, onConsole: (bytes) => chunks.push(Buffer.from(bytes)), ...options });
  return {
    tt,
    console: (): Buffer => Buffer.concat(chunks),
    digest: (): string => fullStateDigest(tt.session.machine, tt.session.output),
  };
}

/** Digest and icount of a straight replay stopped at `icount` (memoized per log). */
const straightCache = new Map<string, { digest: string; icount: number }>();
async function straight(rec: Recording, icount: number): Promise<{ digest: string; icount: number }> {
  const key = `${rec.logPath}@${icount}`;
  let hit = straightCache.get(key);
  if (hit === undefined) {
    const rep = await replayLog(rec.logPath, { until: icount });
    hit = { digest: rep.digest, icount: rep.icount };
    straightCache.set(key, hit);
  }
  return hit;
}

describe('seeking', () => {
  for (const guest of ['clock', 'echo', 'debug-demo'] as const) {
    it(`${guest}: seeks in any order reach a straight replay's state, and the console is delivered exactly once`, async () => {
      const rec = recordings[guest]!;
      const end = rec.footer.endIcount;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 0, max: end }), { minLength: 3, maxLength: 8 }), fc.integer({ min: 500, max: 2000 }), async (targets, every) => {
          const { tt, console, digest } = travel(rec, { snapshotEvery: every });
          for (const target of targets) {
            await tt.seek(target);
            expect(tt.icount).toBe(target);
            const want = await straight(rec, target);
            expect(want.icount).toBe(target);
            expect(digest(), `at ${target}`).toBe(want.digest);
            // What was delivered is what the recording printed up to the furthest point reached: no byte twice.
            expect(rec.console.subarray(0, console().length).equals(console()), `console at ${target}`).toBe(true);
          }
          await tt.seek(end);
          expect(tt.icount).toBe(end);
          expect(tt.snapshots.count).toBeGreaterThan(1);
          expect(digest()).toBe(rec.digest);
          expect(console().equals(rec.console)).toBe(true);
          // Going back over all of it and forward again delivers nothing new.
          await tt.seek(0);
          await tt.seek(Math.floor(end / 2));
          await tt.seek(end);
          expect(console().equals(rec.console)).toBe(true);
        }),
        { numRuns: 6 },
      );
    });
  }

  it('reverse-step from N lands at N - 1 in the state of a straight replay to N - 1', async () => {
    const rec = recordings.clock!;
    const end = rec.footer.endIcount;
    const { tt, digest } = travel(rec, { snapshotEvery: 1000 });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: end }), async (n) => {
        await tt.seek(n);
        const stop = await tt.resume('reverse-step');
        expect(stop.reason).toBe('step');
        expect(tt.icount).toBe(n - 1);
        expect(digest()).toBe((await straight(rec, n - 1)).digest);
      }),
      { numRuns: 15 },
    );
    await tt.seek(0);
    expect((await tt.resume('reverse-step')).reason).toBe('start-of-log');
  });
});

/**
 * Turns a livelock of the snapshot loop into an error: the same icount snapshotted over and
 * over means the run makes no progress (a synchronous spin that no test timeout can stop).
 */
function failOnSnapshotSpin(tt: TimeTravelSession): void {
  const store = tt.snapshots;
  const add = store.add.bind(store);
  let last = -1;
  let repeats = 0;
  store.add = (snapshot) => {
    if (snapshot.icount !== last) [last, repeats] = [snapshot.icount, 0];
    else if (++repeats > 100) throw new Error(`no progress: a snapshot at icount ${snapshot.icount} taken ${repeats} times (held: ${store.icounts().join(', ')})`);
    add(snapshot);
  };
}

describe('the snapshot store', () => {
  const cap = 3 * 2 ** 20;
  let bench: Recording;
  beforeAll(async () => {
    bench = await recordGuest({ elf: guestElf('cpu-bench'), logPath: temp.path('cpu-bench.rrlog'), maxInsns: 20_000_000 });
  });

  it('stays under its memory cap while a long cpu-bench replay seeks forwards', async () => {
    const { tt, digest } = travel(bench, { snapshotEvery: 1 << 20, snapshotMemBytes: cap });
    failOnSnapshotSpin(tt);
    const targets = fc.sample(fc.integer({ min: 0, max: bench.icount }), { numRuns: 8, seed: 20_000 }).sort((a, b) => a - b);
    let checked = 0;
    for (const target of [...targets, bench.icount]) {
      await tt.seek(target);
      expect(tt.icount).toBe(target);
      expect(tt.snapshots.heldBytes).toBeLessThanOrEqual(cap);
      if (checked++ % 3 === 0) expect(digest(), `at ${target}`).toBe((await straight(bench, target)).digest);
    }
    expect(digest()).toBe(bench.digest);
    // The cap forced evictions, yet several snapshots remain to seek from.
    expect(tt.snapshots.count).toBeGreaterThan(2);
    expect(tt.snapshots.count).toBeLessThan(Math.floor(bench.icount / (1 << 20)));
  });

  // Regression: once the cap had thinned the snapshots out, a seek backwards into a gap spun
  // forever (the store evicted the snapshot the run had just taken, so the next snapshot point
  // was the run's own position). Repro: cpu-bench recorded with maxInsns 20M, snapshotEvery
  // 2^20, snapshotMemBytes 3 MiB: seek(20M), then seek(9_500_000).
  it('stays under its memory cap while seeking around a long cpu-bench replay in random order', async () => {
    const { tt, digest } = travel(bench, { snapshotEvery: 1 << 20, snapshotMemBytes: cap });
    failOnSnapshotSpin(tt);
    const targets = fc.sample(fc.integer({ min: 0, max: bench.icount }), { numRuns: 12, seed: 20_000 });
    let checked = 0;
    for (const target of [bench.icount, ...targets]) {
      await tt.seek(target);
      expect(tt.icount).toBe(target);
      expect(tt.snapshots.heldBytes).toBeLessThanOrEqual(cap);
      if (checked++ < 3) expect(digest(), `at ${target}`).toBe((await straight(bench, target)).digest);
    }
    expect(tt.snapshots.count).toBeGreaterThan(2);
    await tt.seek(bench.icount);
    expect(digest()).toBe(bench.digest);
  });
});

describe('breakpoints and watchpoints (debug-demo)', () => {
  const symbols = elfSymbols(readFileSync(guestElf('debug-demo')));
  const bump = symbols.get('bump')!;
  const counter = symbols.get('counter')!;
  const TICKS = 20;
  const counterAfter = (k: number): number => (k * (k + 1)) / 2;

  it('finds bump and counter in the symbol table', () => {
    expect(bump).toBeGreaterThanOrEqual(MemoryMap.RAM);
    expect(counter).toBeGreaterThanOrEqual(MemoryMap.RAM);
  });

  it('continue stops at bump once per call at increasing icounts; reverse-continue visits them backwards', async () => {
    const rec = recordings['debug-demo']!;
    const { tt, digest, console } = travel(rec, { snapshotEvery: 700 });
    tt.setBreakpoint(bump);
    const hits: number[] = [];
    for (;;) {
      const stop = await tt.resume('continue');
      if (stop.reason !== 'breakpoint') {
        expect(stop.reason).toBe('end-of-log');
        break;
      }
      expect(stop.pc).toBe(bump);
      expect(tt.readRegister(32)! >>> 0).toBe(bump);
      hits.push(tt.icount);
      // Each call is the one that prints tick k: its line is not out yet.
      expect(console().toString('latin1')).not.toContain(`tick ${hits.length} `);
    }
    expect(hits).toHaveLength(TICKS);
    for (let i = 1; i < hits.length; i++) expect(hits[i]!).toBeGreaterThan(hits[i - 1]!);
    expect(tt.icount).toBe(rec.footer.endIcount);
    expect(digest()).toBe(rec.digest);

    const back: number[] = [];
    for (;;) {
      const stop = await tt.resume('reverse-continue');
      if (stop.reason !== 'breakpoint') {
        expect(stop.reason).toBe('start-of-log');
        expect(tt.icount).toBe(0);
        break;
      }
      expect(stop.pc).toBe(bump);
      back.push(tt.icount);
    }
    expect(back).toEqual([...hits].reverse());
    // Forward again from the start to the end with the breakpoint still set: same hits, same end.
    const again: number[] = [];
    while ((await tt.resume('continue')).reason === 'breakpoint') again.push(tt.icount);
    expect(again).toEqual(hits);
    expect(digest()).toBe(rec.digest);
    expect(console().equals(rec.console)).toBe(true);
  });

  it('a breakpoint at a random place never changes the final digest', async () => {
    const rec = recordings['debug-demo']!;
    const image = parseElf(readFileSync(guestElf('debug-demo')), MemoryMap.RAM, LogReader.open(rec.logPath).header.ramBytes);
    const text = image.segments[0]!;
    await fc.assert(
      fc.asyncProperty(fc.nat(text.data.length / 2 - 1), fc.nat(rec.footer.endIcount), async (half, from) => {
        const { tt, digest } = travel(rec, { snapshotEvery: 1000 });
        await tt.seek(from);
        tt.setBreakpoint(text.address + 2 * half);
        let stops = 0;
        while ((await tt.resume('continue')).reason === 'breakpoint') stops++;
        expect(stops).toBeLessThan(rec.footer.endIcount);
        expect(tt.icount).toBe(rec.footer.endIcount);
        expect(digest()).toBe(rec.digest);
      }),
      { numRuns: 10 },
    );
  });

  it('a write watch on counter stops before the store (old value), a step shows the new one, reverse-continue finds the previous write', async () => {
    const rec = recordings['debug-demo']!;
    const { tt, digest } = travel(rec, { snapshotEvery: 600 });
    const storeAt = bump + 10; // bump: lui, lw, c.add, sw a5,4(a4), ret
    const word = (): number => new DataView(tt.readMemory(counter, 4)!.buffer).getUint32(0, true);
    tt.setWatchpoint('write', counter, 4);
    /** Every write stop going forwards: icount (before the store) and pc. */
    const stops: { icount: number; pc: number }[] = [];
    let k = 0;
    for (;;) {
      const stop = await tt.resume('continue');
      if (stop.reason === 'end-of-log') break;
      expect(stop).toEqual({ reason: 'watchpoint', kind: 'write', address: counter });
      const pc = tt.readRegister(32)! >>> 0;
      stops.push({ icount: tt.icount, pc });
      // crt0 clears .bss (counter too) before main: a write from elsewhere, before any call to bump.
      if (pc === storeAt) k++;
      else expect(k, `a write to counter from 0x${pc.toString(16)} after bump ran`).toBe(0);
      const old = word();
      if (pc === storeAt) expect(old, `write ${k}: old value`).toBe(counterAfter(k - 1));
      // As gdb does with a non-steppable watchpoint: lift it, step over the store, put it back.
      tt.removeWatchpoint('write', counter, 4);
      expect((await tt.resume('step')).reason).toBe('step');
      tt.setWatchpoint('write', counter, 4);
      expect(tt.icount).toBe(stops.at(-1)!.icount + 1);
      if (pc === storeAt) expect(word(), `write ${k}: new value`).toBe(counterAfter(k));
      else expect(word()).toBe(0);
    }
    expect(k).toBe(TICKS);
    expect(stops.length).toBeLessThan(TICKS + 4);
    expect(stops.slice(stops.length - TICKS).every((s) => s.pc === storeAt)).toBe(true);
    for (let i = 1; i < stops.length; i++) expect(stops[i]!.icount).toBeGreaterThan(stops[i - 1]!.icount);
    expect(digest()).toBe(rec.digest);

    // Backwards: each write is reported just after it (gdb then steps back over it).
    for (let i = stops.length - 1; i >= 0; i--) {
      const { icount, pc } = stops[i]!;
      const stop = await tt.resume('reverse-continue');
      expect(stop).toEqual({ reason: 'watchpoint', kind: 'write', address: counter });
      expect(tt.icount, `reverse to the write at ${icount}`).toBe(icount + 1);
      const n = i - (stops.length - TICKS) + 1; // which call to bump, or <= 0 for crt0
      expect(word()).toBe(pc === storeAt ? counterAfter(n) : 0);
      // Step back over the write (watch lifted, as gdb does): the value before it again.
      tt.removeWatchpoint('write', counter, 4);
      expect((await tt.resume('reverse-step')).reason).toBe('step');
      tt.setWatchpoint('write', counter, 4);
      expect(tt.icount).toBe(icount);
      expect(tt.readRegister(32)! >>> 0).toBe(pc);
      expect(word()).toBe(pc === storeAt ? counterAfter(n - 1) : 0);
    }
    expect((await tt.resume('reverse-continue')).reason).toBe('start-of-log');
  });
});
