import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogReader } from '../../codecs/index.js';
import { DivergenceError, describeEvent } from '../../src/engine/divergence.js';
import type { RrEvent } from '../../src/core/event.js';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { bytesOf, guestElf, readEvents, recordGuest, replayLog, rewriteLog, stopText, tempDir } from './harness.js';
import type { Recording, ReplayOutcome } from './harness.js';

const temp = tempDir('divergence');
afterAll(temp.remove);

/** Every case must end this fast (a hang is a failure, not a slow pass). */
const WITHIN_MS = 20_000;

/** Replays and returns the error it ends with (fails if the replay succeeds). */
async function replayError(logPath: string, options: Parameters<typeof replayLog>[1] = {}): Promise<unknown> {
  let outcome: ReplayOutcome;
  try {
    outcome = await replayLog(logPath, options);
  } catch (err) {
    return err;
  }
  throw new Error(`replay of ${logPath} did not diverge: stop ${stopText(outcome.stop)} at icount ${outcome.icount}`);
}

/** Asserts a DivergenceError with code, exit status and a report naming icount, pc, expected and actual. */
function expectDivergence(err: unknown): DivergenceError {
  expect(err).toBeInstanceOf(DivergenceError);
  const d = err as DivergenceError;
  expect(d.code).toBe('replay.divergence');
  expect(d.exitCode).toBe(3);
  expect(Number.isSafeInteger(d.report.icount)).toBe(true);
  expect(d.report.expected.length).toBeGreaterThan(0);
  expect(d.report.actual.length).toBeGreaterThan(0);
  expect(d.message).toContain(`at icount ${d.report.icount} (pc 0x${(d.report.pc >>> 0).toString(16).padStart(8, '0')})`);
  expect(d.message).toContain(`expected: ${d.report.expected}`);
  expect(d.message).toContain(`actual:   ${d.report.actual}`);
  return d;
}

/** Replaces the `index`-th event of `kind` (negative: from the end) by `edit(event)`. */
function editNth(kind: RrEvent['kind'], index: number, edit: (e: RrEvent) => RrEvent): (events: RrEvent[]) => RrEvent[] {
  return (events) => {
    const positions = events.flatMap((e, i) => (e.kind === kind ? [i] : []));
    const at = positions.at(index);
    if (at === undefined) throw new Error(`no ${kind} event #${index} (log has ${positions.length})`);
    return events.map((e, i) => (i === at ? edit(e) : e));
  };
}

let clock: Recording;
let echo: Recording;
let hello: Recording;

beforeAll(async () => {
  clock = await recordGuest({ elf: guestElf('clock'), logPath: temp.path('clock.rrlog') });
  echo = await recordGuest({
    elf: guestElf('echo'),
    logPath: temp.path('echo.rrlog'),
    input: { kind: 'all', bytes: bytesOf('divergence test\nq') },
  });
  hello = await recordGuest({ elf: guestElf('hello'), logPath: temp.path('hello.rrlog') });
  // The unedited logs replay cleanly: every failure below comes from the edit.
  for (const rec of [clock, echo, hello]) expect((await replayLog(rec.logPath)).digest).toBe(rec.digest);
});

describe('a log edited to move one event', () => {
  for (const delta of [+1, -1]) {
    it(`diverges at a CLOCK event moved by ${delta} instruction`, { timeout: WITHIN_MS }, async () => {
      const moved = readEvents(clock.logPath).events.filter((e) => e.kind === 'CLOCK')[2]!;
      const path = temp.path(`clock-moved${delta}.rrlog`);
      rewriteLog(clock.logPath, path, { events: editNth('CLOCK', 2, (e) => ({ ...e, icount: e.icount + delta })) });
      const d = expectDivergence(await replayError(path));
      // A pull must match its icount exactly: the guest reads the clock where it was recorded.
      expect(d.report.icount).toBe(moved.icount);
      expect(d.report.expected).toBe(describeEvent({ ...moved, icount: moved.icount + delta }));
      expect(d.report.actual).toBe(`the guest read the rtc clock at icount ${moved.icount}`);
    });
  }

  for (const which of [0, 3, -1]) {
    it(`diverges at CHAR_READ #${which} moved one instruction later: the guest already sleeps`, { timeout: WITHIN_MS }, async () => {
      const moved = readEvents(echo.logPath).events.filter((e) => e.kind === 'CHAR_READ').at(which)!;
      const path = temp.path(`echo-later-${which}.rrlog`);
      rewriteLog(echo.logPath, path, { events: editNth('CHAR_READ', which, (e) => ({ ...e, icount: e.icount + 1 })) });
      const d = expectDivergence(await replayError(path));
      expect(d.report.icount).toBe(moved.icount);
      expect(d.report.expected).toMatch(new RegExp(`^CHAR_READ @${moved.icount + 1} #${moved.seq} `));
      expect(d.report.actual).toBe(`the guest waits in WFI at icount ${moved.icount} with nothing pending`);
    });
  }

  it('replays identically when a CHAR_READ moves one instruction earlier, which the guest cannot observe', { timeout: WITHIN_MS }, async () => {
    // The echo guest takes each byte in WFI with interrupts masked; one instruction earlier the
    // byte is pending when WFI executes, which then does not sleep: the same instructions run.
    // A push event carries no request from the guest to check, so there is nothing to detect.
    const path = temp.path('echo-earlier.rrlog');
    rewriteLog(echo.logPath, path, { events: editNth('CHAR_READ', 3, (e) => ({ ...e, icount: e.icount - 1 })) });
    const rep = await replayLog(path);
    expect(rep.console.equals(echo.console)).toBe(true);
    expect(rep.digest).toBe(echo.digest);
  });

  it('diverges when a CHAR_READ carries more bytes than the UART can take', { timeout: WITHIN_MS }, async () => {
    const path = temp.path('echo-fat.rrlog');
    rewriteLog(echo.logPath, path, {
      events: editNth('CHAR_READ', 0, (e) => (e.kind === 'CHAR_READ' ? { ...e, bytes: Uint8Array.of(...e.bytes, 0x41, 0x42) } : e)),
    });
    const d = expectDivergence(await replayError(path));
    expect(d.report.actual).toMatch(/UART accepted \d+ of \d+ bytes/);
  });
});

describe('a log with a changed clock value', () => {
  it('diverges at the final CHECKPOINT: the guest printed another time', { timeout: WITHIN_MS }, async () => {
    const path = temp.path('clock-value.rrlog');
    rewriteLog(clock.logPath, path, {
      // Flip one byte (bits 24..31) of the first RTC value: the guest prints it.
      events: editNth('CLOCK', 0, (e) => (e.kind === 'CLOCK' ? { ...e, value: Number(BigInt(e.value) ^ (0xffn << 24n)) } : e)),
    });
    const d = expectDivergence(await replayError(path));
    expect(d.report.expected).toMatch(/^CHECKPOINT/);
    expect(d.report.icount).toBe(clock.icount);
  });

  it('diverges (never spins) when a push event stands behind a pull at the same icount', { timeout: WITHIN_MS }, async () => {
    // No recorder writes this: the clock read at icount N happens during instruction N + 1,
    // after every push event of icount N was applied.
    const path = temp.path('clock-push-after-pull.rrlog');
    rewriteLog(clock.logPath, path, {
      events: (events) => {
        const at = events.findIndex((e) => e.kind === 'CLOCK');
        const read = events[at]!;
        const warp: RrEvent = { kind: 'WARP', icount: read.icount, seq: 0, ns: 1000 };
        return [...events.slice(0, at + 1), warp, ...events.slice(at + 1)];
      },
    });
    const d = expectDivergence(await replayError(path));
    expect(d.report.expected).toMatch(/^WARP/);
  });

  // A recording stopped by --max-insns ends SHUTDOWN "max-insns", CHECKPOINT, END.
  const recordLimited = (name: string): Promise<Recording> =>
    recordGuest({ elf: guestElf('clock'), logPath: temp.path(name), maxInsns: 3_000 });

  it('checks the closing CHECKPOINT and END of a --max-insns recording', { timeout: WITHIN_MS }, async () => {
    const limited = await recordLimited('clock-limited.rrlog');
    expect(stopText(limited.stop)).toBe('limit');
    const clean = await replayLog(limited.logPath);
    expect(clean.digest).toBe(limited.digest);
    expect(stopText(clean.stop)).toBe('limit');
    // Replay applies (re-emits) every event of the log, the closing CHECKPOINT and END included.
    expect(clean.events).toBe(limited.footer.eventCount);
  });

  it('diverges when a --max-insns recording gets a changed clock value', { timeout: WITHIN_MS }, async () => {
    const limited = await recordLimited('clock-limited-2.rrlog');
    const path = temp.path('clock-limited-value.rrlog');
    rewriteLog(limited.logPath, path, {
      events: editNth('CLOCK', 0, (e) => (e.kind === 'CLOCK' ? { ...e, value: Number(BigInt(e.value) ^ (0xffn << 24n)) } : e)),
    });
    const d = expectDivergence(await replayError(path));
    expect(d.report.expected).toMatch(/^CHECKPOINT/);
  });
});

describe('a log replayed against a patched ELF', () => {
  const original = readFileSync(guestElf('hello'));

  it('diverges when one byte of the message string differs', { timeout: WITHIN_MS }, async () => {
    const patched = Buffer.from(original);
    const at = patched.indexOf('Hello from');
    expect(at).toBeGreaterThan(0);
    patched[at] = 'J'.charCodeAt(0);
    const d = expectDivergence(await replayError(hello.logPath, { elf: patched, force: true }));
    expect(d.report.expected).toMatch(/^CHECKPOINT/);
    expect(d.report.actual).toContain('console output');
  });

  it('diverges when one instruction differs (li a0,42 becomes li a0,43)', { timeout: WITHIN_MS }, async () => {
    const patched = Buffer.from(original);
    const at = patched.indexOf(Buffer.from('1305a002', 'hex'));
    expect(at).toBeGreaterThan(0);
    patched.writeUInt32LE(0x02b00513, at);
    expectDivergence(await replayError(hello.logPath, { elf: patched, force: true }));
  });

  it('diverges when the guest halts before the events the log still holds', { timeout: WITHIN_MS }, async () => {
    // The clock log replayed with the hello image: hello never reads the RTC and halts early.
    const d = expectDivergence(await replayError(clock.logPath, { elf: guestElf('hello'), force: true }));
    expect(d.report.icount).toBe(hello.icount);
    expect(d.report.expected).toMatch(/^CLOCK @/);
    expect(d.report.actual).toBe(`the guest halted (pass) at icount ${hello.icount}`);
  });

  it('diverges when the guest does not take the input the log delivers', { timeout: WITHIN_MS }, async () => {
    // The echo log replayed with the hello image: hello never reads its UART.
    const d = expectDivergence(await replayError(echo.logPath, { elf: guestElf('hello'), force: true }));
    expect(d.report.expected).toMatch(/^CHAR_READ @/);
    expect(d.report.actual).toMatch(/UART accepted 0 of 1 bytes/);
  });
});

describe('a log whose header has another icount shift', () => {
  for (const shift of [0, 4, 10]) {
    it(`fails clearly and in time with icountShift ${shift} (clock guest)`, { timeout: WITHIN_MS }, async () => {
      const path = temp.path(`clock-shift${shift}.rrlog`);
      rewriteLog(clock.logPath, path, { header: (h) => ({ ...h, icountShift: shift }) });
      const started = Date.now();
      const err = await replayError(path);
      expect(Date.now() - started).toBeLessThan(WITHIN_MS);
      expect(err).toBeInstanceOf(RrvmError);
      expect((err as RrvmError).code).toBe('replay.divergence');
      expectDivergence(err);
    });
  }

  it('fails clearly and in time with icountShift 4 (echo guest)', { timeout: WITHIN_MS }, async () => {
    const path = temp.path('echo-shift4.rrlog');
    rewriteLog(echo.logPath, path, { header: (h) => ({ ...h, icountShift: 4 }) });
    // echo never reads a clock and sets no timer: virtual time does not reach the guest, so
    // the replay may legitimately match; it must end either way, and never hang.
    const outcome = await replayLog(path).catch((err: unknown) => err);
    if (outcome instanceof Error) expectDivergence(outcome);
    else expect((outcome as ReplayOutcome).console.equals(echo.console)).toBe(true);
  });
});

describe('a log cut short', () => {
  it('replays an rtc-loop log cut inside its last chunk up to the cut, without spinning', { timeout: WITHIN_MS }, async () => {
    const full = await recordGuest({
      elf: guestElf('rtc-loop'),
      logPath: temp.path('rtc-loop.rrlog'),
      writer: { eventsPerChunk: 1000 },
    });
    const bytes = readFileSync(full.logPath);
    const chunks = LogReader.fromBytes(bytes).chunks;
    // Cut in the middle of the chunk before the last (whose last event is a CLOCK read).
    const cutChunk = chunks.at(-2)!;
    const cutPath = temp.path('rtc-loop-cut.rrlog');
    writeFileSync(cutPath, bytes.subarray(0, cutChunk.offset + Math.floor(cutChunk.length / 2)));
    const cut = LogReader.open(cutPath);
    expect(cut.footer).toBeNull();
    const lastKept = [...cut.events()].at(-1)!;
    expect(lastKept.kind).toBe('CLOCK');
    const rep = await replayLog(cutPath);
    expect(rep.complete).toBe(false);
    expect(stopText(rep.stop)).toBe('log-end');
    expect(rep.icount).toBeGreaterThanOrEqual(cut.truncatedAt!.icount);
    expect(rep.icount).toBeLessThanOrEqual(cut.truncatedAt!.icount + 1);
  });
});
