// rrvm cut (src/engine/log-cut.ts) and stored snapshots (src/engine/store-snapshots.ts): a cut
// at any N/M replays and verifies on its own and reaches the original's state at M; a log
// rewritten with snapshots replays as before; segments verify on their own and a tampered
// segment is the one that fails.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot, LogReader, LogWriter, type LogHeader } from '../../codecs/index.js';
import type { RrEvent } from '../../src/core/event.js';
import { fullStateDigest } from '../../src/engine/checkpoint-digest.js';
import { cutLog } from '../../src/engine/log-cut.js';
import { diffLogs } from '../../src/engine/log-diff.js';
import { replayQuietly, type ReplaySource } from '../../src/engine/replay-quietly.js';
import { encodeStoredSnapshot } from '../../src/engine/encode-stored-snapshot.js';
import { replaySession } from '../../src/engine/replay-session.js';
import { logSegments, verifySegment } from '../../src/engine/segment-verify.js';
import { storeSnapshots } from '../../src/engine/store-snapshots.js';
import { TimeTravelSession } from '../../src/engine/time-travel-session.js';
import { parseElf } from '../../src/machine/elf-loader.js';
import { MemoryMap } from '../../src/machine/memory-map.js';
import { bytesOf, guestElf, recordGuest, tempDir, type ExampleGuest, type SerialInput } from './harness.js';

const temp = tempDir('log-cut');
afterAll(temp.remove);

/** A log opened for replay in-process (no drives: the guests here have none). */
function sourceOf(logPath: string): ReplaySource {
  const reader = LogReader.open(logPath);
  const image = parseElf(readFileSync(reader.header.elfPath), MemoryMap.RAM, reader.header.ramBytes);
  return { reader, image, drives: [] };
}

/** `open` for the engine's log writers: the new log at `path`. */
const writerAt =
  (path: string) =>
  (header: LogHeader): LogWriter =>
    LogWriter.open(path, header);

/** The state digest and console output of a replay of `logPath` to `toIcount` (Infinity: the end). */
async function stateAt(logPath: string, toIcount: number): Promise<{ digest: string; console: Buffer; icount: number }> {
  const source = sourceOf(logPath);
  const chunks: Uint8Array[] = [];
  const replay = replaySession({ ...source, maxInsns: toIcount, onConsole: (b) => chunks.push(Uint8Array.from(b)) });
  const result = await replay.run();
  source.reader.close();
  return { digest: fullStateDigest(replay.session.machine, replay.session.output), console: Buffer.concat(chunks), icount: result.icount };
}

interface Subject {
  guest: ExampleGuest;
  input: SerialInput;
  plain: string;
  snapshotted: string;
  endIcount: number;
  snapshotCount: number;
}

const SUBJECTS: { guest: ExampleGuest; input: SerialInput }[] = [
  { guest: 'clock', input: { kind: 'none' } },
  { guest: 'echo', input: { kind: 'all', bytes: bytesOf('first line\nsecond line\nthird\nq') } },
];
const subjects: Subject[] = [];
const SNAPSHOT_EVERY = 1500;

beforeAll(async () => {
  for (const { guest, input } of SUBJECTS) {
    const plain = temp.path(`${guest}.rrlog`);
    const rec = await recordGuest({ elf: guestElf(guest), logPath: plain, input, checkpointEvery: 500 });
    const snapshotted = temp.path(`${guest}-snapshots.rrlog`);
    const source = sourceOf(plain);
    const stored = await storeSnapshots(source, SNAPSHOT_EVERY, writerAt(snapshotted));
    source.reader.close();
    subjects.push({ guest, input, plain, snapshotted, endIcount: rec.icount, snapshotCount: stored.count });
  }
}, 60_000);

describe('record --snapshot-every (storeSnapshots)', () => {
  it('stores a SNAPSHOT every N instructions, listed in the footer, and the log replays to the same end state', async () => {
    for (const s of subjects) {
      const reader = LogReader.open(s.snapshotted);
      const expected = Array.from({ length: Math.ceil(s.endIcount / SNAPSHOT_EVERY) - 1 }, (_, i) => (i + 1) * SNAPSHOT_EVERY);
      expect(reader.footer!.snapshots.map((m) => m.icount)).toEqual(expected);
      expect(s.snapshotCount).toBe(expected.length);
      const stored = [...reader.events()].filter((e) => e.kind === 'SNAPSHOT').map((e) => [e.icount, e.seq]);
      expect(stored).toEqual(reader.footer!.snapshots.map((m) => [m.icount, m.seq]));
      // The other events are the original's, in order.
      const strip = (events: RrEvent[]): string[] => events.filter((e) => e.kind !== 'SNAPSHOT').map((e) => `${e.kind}@${e.icount}`);
      expect(strip([...reader.events()])).toEqual(strip([...LogReader.open(s.plain).events()]));
      // rrvm diff sees the same run.
      expect(diffLogs(LogReader.open(s.plain), LogReader.open(s.snapshotted))).toBeNull();
      const [a, b] = [await stateAt(s.plain, Infinity), await stateAt(s.snapshotted, Infinity)];
      expect(b.digest).toBe(a.digest);
      expect(b.console.equals(a.console)).toBe(true);
    }
  });
});

describe('rrvm cut (cutLog)', () => {
  it('a cut at any N (and M) replays and verifies on its own, and reaches the original state at M', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: SUBJECTS.length - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        fc.boolean(),
        async (which, fromAt, toAt, fromSnapshots) => {
          const s = subjects[which]!;
          const fromIcount = Math.min(s.endIcount - 1, Math.floor(fromAt * s.endIcount));
          const toIcount = toAt === undefined ? undefined : fromIcount + 1 + Math.floor(toAt * (s.endIcount - fromIcount - 1));
          const log = fromSnapshots ? s.snapshotted : s.plain;
          const out = temp.path(`cut-${run++}.rrlog`);
          const source = sourceOf(log);
          const outcome = await cutLog(source, { fromIcount, ...(toIcount === undefined ? {} : { toIcount }) }, writerAt(out));
          source.reader.close();
          const end = toIcount ?? s.endIcount;
          expect(outcome.toIcount).toBe(end);
          // The nearest stored snapshot was used when there was one.
          expect(outcome.startedAt).toBe(fromSnapshots && fromIcount >= SNAPSHOT_EVERY ? fromIcount - (fromIcount % SNAPSHOT_EVERY) : null);

          const cut = LogReader.open(out);
          expect(cut.header.cut).toMatchObject({ fromIcount, sourceEndIcount: s.endIcount });
          const events = [...cut.events()];
          expect(events[0]).toMatchObject({ kind: 'SNAPSHOT', icount: fromIcount, seq: 0 });
          expect(events.filter((e) => e.kind === 'SNAPSHOT')).toHaveLength(1);
          // CHECKPOINT icounts stay absolute: every one the cut holds is the original's, where the original has one.
          const original = new Map([...LogReader.open(s.plain).events()].filter((e) => e.kind === 'CHECKPOINT').map((e) => [e.icount, Buffer.from(e.kind === 'CHECKPOINT' ? e.digest.subarray(0, 32) : [])]));
          for (const e of events) {
            if (e.kind === 'CHECKPOINT' && original.has(e.icount)) expect(Buffer.from(e.digest.subarray(0, 32)).equals(original.get(e.icount)!)).toBe(true);
          }
          // It replays on its own with every check, to the original's state at M, with the console output after N.
          const replayed = await stateAt(out, Infinity);
          const [atFrom, atEnd] = [await stateAt(s.plain, fromIcount), await stateAt(s.plain, end)];
          expect(replayed.icount).toBe(end);
          expect(replayed.digest).toBe(atEnd.digest);
          expect(replayed.console.equals(atEnd.console.subarray(atFrom.console.length))).toBe(true);
          // And its one segment verifies (as `rrvm verify --segments` does).
          const verdict = await verifySegment(sourceOf(out), 0);
          expect(verdict).toMatchObject({ ok: true, fromIcount, toIcount: end, digest: atEnd.digest });
        },
      ),
      { numRuns: 10 },
    );
  }, 120_000);

  it('refuses a range outside the log with a usage error', async () => {
    const s = subjects[0]!;
    const source = sourceOf(s.plain);
    const out = temp.path('refused.rrlog');
    await expect(cutLog(source, { fromIcount: s.endIcount }, writerAt(out))).rejects.toMatchObject({ code: 'cli.usage', message: expect.stringContaining(`END at icount ${s.endIcount}`) });
    await expect(cutLog(source, { fromIcount: 100, toIcount: 50 }, writerAt(out))).rejects.toMatchObject({ code: 'cli.usage', message: expect.stringContaining('--to 50 is not after --from 100') });
    await expect(cutLog(source, { fromIcount: 100, toIcount: 100 }, writerAt(out))).rejects.toMatchObject({ code: 'cli.usage' });
    await expect(cutLog(source, { fromIcount: 100, toIcount: s.endIcount + 1 }, writerAt(out))).rejects.toMatchObject({ code: 'cli.usage', message: expect.stringContaining('past the end') });
  });

  it('cuts a cut log again, never before its start', async () => {
    const s = subjects[1]!;
    const first = temp.path('first-cut.rrlog');
    await cutLog(sourceOf(s.plain), { fromIcount: 1000 }, writerAt(first));
    await expect(cutLog(sourceOf(first), { fromIcount: 999 }, writerAt(temp.path('never.rrlog')))).rejects.toMatchObject({ code: 'cli.usage', message: expect.stringContaining('before the start') });
    const second = temp.path('second-cut.rrlog');
    const outcome = await cutLog(sourceOf(first), { fromIcount: 2000, toIcount: 3000 }, writerAt(second));
    expect(outcome.startedAt).toBe(1000);
    expect((await stateAt(second, Infinity)).digest).toBe((await stateAt(s.plain, 3000)).digest);
  });
});

describe('a cut log under time travel (rrvm gdb)', () => {
  it('starts at the cut, seeks within it, and stops at its start going back', async () => {
    const s = subjects[1]!;
    const cut = temp.path('debug-cut.rrlog');
    await cutLog(sourceOf(s.plain), { fromIcount: 1000, toIcount: 3000 }, writerAt(cut));
    const { reader, image } = sourceOf(cut);
    const target = new TimeTravelSession({ reader, image, onConsole: () => {} });
    expect(target.icount).toBe(1000);
    expect(await target.seek(2500)).toBeNull();
    expect(target.icount).toBe(2500);
    expect(await target.seek(0)).toEqual({ reason: 'start-of-log' });
    expect(target.icount).toBe(1000);
    expect(await target.resume('reverse-step')).toEqual({ reason: 'start-of-log' });
    expect(await target.resume('continue')).toMatchObject({ reason: 'end-of-log' });
    expect(target.icount).toBe(3000);
  });
});

describe('verify --segments (verifySegment)', () => {
  it('verifies every segment of a clean log on its own', async () => {
    for (const s of subjects) {
      const source = sourceOf(s.snapshotted);
      const segments = logSegments(source);
      expect(segments).toHaveLength(s.snapshotCount + 1);
      for (let i = 0; i < segments.length; i++) {
        const verdict = await verifySegment(source, i);
        expect(verdict, verdict.problem ?? '').toMatchObject({ ok: true, index: i, segments: segments.length, fromIcount: i * SNAPSHOT_EVERY });
      }
      expect((await verifySegment(source, segments.length - 1)).digest).toBe((await stateAt(s.plain, Infinity)).digest);
      await expect(verifySegment(source, segments.length)).rejects.toMatchObject({ code: 'cli.usage' });
    }
  });

  it('starts segment 0 at reset even when the first event of the log is a SNAPSHOT', async () => {
    const s = subjects[0]!;
    const source = sourceOf(s.plain);
    const events = [...source.reader.events()];
    expect(events[0]!.icount).toBeGreaterThan(10);
    // One snapshot at icount 10, before any event, as storeSnapshots places it.
    const { replay } = await replayQuietly(source, null, 10);
    const record = replay.snapshot();
    expect(record.seq).toBe(0);
    const early = temp.path('early-snapshot.rrlog');
    const writer = LogWriter.open(early, source.reader.header);
    writer.append({ kind: 'SNAPSHOT', icount: 10, seq: 0, data: encodeStoredSnapshot(record, source.reader.header, 1) });
    for (const e of events) {
      if (e.kind === 'END') writer.close({ icount: e.icount });
      else writer.append(e);
    }
    const withEarly = sourceOf(early);
    expect(withEarly.reader.footer!.snapshots).toEqual([{ icount: 10, seq: 0 }]);
    expect(logSegments(withEarly)).toEqual([
      { from: null, to: { icount: 10, seq: 0 } },
      { from: { icount: 10, seq: 0 }, to: null },
    ]);
    expect(await verifySegment(withEarly, 0)).toMatchObject({ ok: true, fromIcount: 0, toIcount: 10 });
    expect(await verifySegment(withEarly, 1)).toMatchObject({ ok: true, fromIcount: 10, toIcount: s.endIcount });
  });

  it('fails exactly the segment whose events were tampered with, naming the icount', async () => {
    const s = subjects[0]!;
    const reader = LogReader.open(s.snapshotted);
    const events = [...reader.events()];
    const marks = reader.footer!.snapshots;
    // A CLOCK read inside segment 2 answers another value.
    const victim = events.find((e) => e.kind === 'CLOCK' && e.icount > marks[1]!.icount && e.icount < marks[2]!.icount)!;
    expect(victim).toBeDefined();
    const tampered = temp.path('tampered.rrlog');
    const writer = LogWriter.open(tampered, reader.header);
    for (const e of events) {
      if (e.kind === 'END') writer.close({ icount: e.icount });
      else writer.append(e === victim && e.kind === 'CLOCK' ? { ...e, value: e.value + 1_000_000_000 } : e);
    }
    const source = sourceOf(tampered);
    const verdicts = await Promise.all(logSegments(source).map((_, i) => verifySegment(source, i)));
    expect(verdicts.filter((v) => !v.ok).map((v) => v.index)).toEqual([2]);
    expect(verdicts[2]!.problem).toMatch(/diverged at icount \d+|differs/);
  });

  it('fails the segment that ends at a stored snapshot whose RAM differs, naming the page', async () => {
    const s = subjects[0]!;
    const reader = LogReader.open(s.snapshotted);
    const events = [...reader.events()];
      const template = replaySession({ ...sourceOf(s.snapshotted), maxInsns: 0, onConsole: () => {} }).session.machine.saveRecords();
    const mark = reader.footer!.snapshots[1]!;
    const tampered = temp.path('tampered-snapshot.rrlog');
    const writer = LogWriter.open(tampered, reader.header);
    for (const e of events) {
      if (e.kind === 'END') writer.close({ icount: e.icount });
      else if (e.kind === 'SNAPSHOT' && e.seq === mark.seq) {
        const record = decodeSnapshot(e.data, template, 'stored');
        const page = record.machine.pages.findIndex((p) => p !== null);
        const changed = Uint8Array.from(record.machine.pages[page]!);
        changed[100] ^= 0xff;
        record.machine.pages[page] = changed;
        writer.append({ ...e, data: encodeSnapshot(record) });
      } else writer.append(e);
    }
    const source = sourceOf(tampered);
    const verdicts = await Promise.all(logSegments(source).map((_, i) => verifySegment(source, i)));
    // Segment 1 ends at it and names the RAM page; segment 2 starts from it and meets a CHECKPOINT (or the next snapshot) that disagrees.
    expect(verdicts.filter((v) => !v.ok).map((v) => v.index)).toEqual([1, 2]);
    expect(verdicts[1]!.problem).toMatch(/state at icount \d+ differs from the stored snapshot: RAM differs; first differing RAM page: \d+/);
  });
});
