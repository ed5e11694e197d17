import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { LogReader } from '../../codecs/index.js';
import type { RrEvent } from '../../src/core/event.js';
import { guestElf, rewriteLog, tempDir } from '../engine/harness.js';
import { describeCli, expectOneLineStderr, rrvm, RRVM_CLI } from './cli-harness.js';

const temp = tempDir('log-files');
afterAll(temp.remove);

describe('paths that are not logs', () => {
  it('refuses a device, a directory and a FIFO at once, with one line and exit 1', () => {
    const dir = temp.path('a-directory');
    mkdirSync(dir);
    const fifo = temp.path('a-fifo');
    execFileSync('mkfifo', [fifo]);
    for (const path of ['/dev/zero', dir, fifo]) {
      for (const command of ['info', 'dump', 'replay', 'verify']) {
        const r = rrvm([command, path], { timeoutMs: 10_000 });
        expect(r.code, `${command} ${path}: ${describeCli(r)}`).toBe(1);
        expectOneLineStderr(r.stderr, /cannot read .*: not a regular file/);
      }
    }
  });

  it('refuses a large file that is not a log after reading its first bytes', () => {
    // 3 GiB of zeros (sparse): more than a reader holding the whole file could even allocate.
    const big = temp.path('big.bin');
    writeFileSync(big, '');
    truncateSync(big, 3 * 1024 ** 3);
    const r = rrvm(['info', big], { timeoutMs: 10_000 });
    expect(r.code, describeCli(r)).toBe(1);
    expectOneLineStderr(r.stderr, /not an rrvm log/);
  });
});

/**
 * The peak RSS `replay --stats` reports, in MiB (the lowest of `runs` runs, to damp noise). The
 * console goes into a pipe, as in any test: before replay batched its console writes, the echo
 * guest's byte-per-slice output queued there at several hundred bytes per write (477 MiB peaks).
 */
function replayPeakRssMiB(log: string, until: number, runs: number): number {
  let lowest = Infinity;
  for (let i = 0; i < runs; i++) {
    const r = rrvm(['replay', '--stats', '--until', String(until), log], { timeoutMs: 300_000 });
    expect(r.code, describeCli(r)).toBe(0);
    const match = /peak RSS ([\d.]+) MiB/.exec(r.stderr);
    expect(match, r.stderr).not.toBeNull();
    lowest = Math.min(lowest, Number(match![1]));
  }
  return lowest;
}

describe('replay memory against log size', () => {
  it('reports the peak RSS of the replay itself, not the RSS its parent had when it forked the child', () => {
    // getrusage's maxRSS survives execve: a child forked by a 256 MiB process reports at least
    // 256 MiB whatever it does. That, not the reader, is why this test once saw the replay's
    // peak grow with the log in full CI runs (the test worker's RSS grew between the two replays).
    const log = temp.path('hello-rss.rrlog');
    expect(rrvm(['record', '-o', log, guestElf('hello')], { timeoutMs: 60_000 }).code).toBe(0);
    const ballast = Buffer.alloc(256 * 1024 * 1024, 1);
    expect(process.memoryUsage().rss / 2 ** 20).toBeGreaterThan(256);
    const r = rrvm(['replay', '--stats', log], { timeoutMs: 60_000 });
    expect(ballast.length).toBe(256 * 1024 * 1024); // still held while the child ran
    expect(r.code, describeCli(r)).toBe(0);
    const peak = Number(/peak RSS ([\d.]+) MiB/.exec(r.stderr)?.[1]);
    expect(peak, r.stderr).toBeGreaterThan(10);
    expect(peak, r.stderr).toBeLessThan(200);
  }, 120_000);

  it('replays the same instructions from a 10x larger log in the same memory (peak RSS the child reports)', () => {
    // The echo guest turns every input byte into one CHAR_READ (about 7 bytes of log).
    const line = 'abcdefghijklmnop'.repeat(6) + '\n';
    const logs = [10, 100].map((factor) => {
      const input = temp.path(`in-${factor}.txt`);
      writeFileSync(input, line.repeat(1000 * factor) + 'q');
      const log = temp.path(`echo-${factor}.rrlog`);
      const rec = rrvm(['record', '--serial-in', input, '-o', log, guestElf('echo')], { timeoutMs: 600_000 });
      expect(rec.code, describeCli(rec)).toBe(0);
      return log;
    });
    const small = LogReader.open(logs[0]!);
    const large = LogReader.open(logs[1]!);
    expect(large.fileBytes).toBeGreaterThan(10 * small.fileBytes * 0.95);
    // Both replays run the same instructions and events: only the log's size differs (6.8 MB and
    // 68 MB). A reader that held the file would need 61 MiB more, one that kept the decoded
    // events far more. Alone and in full runs the two peaks (VmHWM) differ by under 5 MiB; the
    // margin leaves room for V8's heap sizing on a loaded machine.
    const until = small.footer!.endIcount;
    const smallRss = replayPeakRssMiB(logs[0]!, until, 2);
    const largeRss = replayPeakRssMiB(logs[1]!, until, 2);
    console.log(`replay peak RSS: ${smallRss} MiB for ${small.fileBytes} bytes, ${largeRss} MiB for ${large.fileBytes} bytes`);
    expect(largeRss, `peak RSS ${smallRss} MiB for ${small.fileBytes} bytes, ${largeRss} MiB for ${large.fileBytes} bytes`).toBeLessThan(smallRss + 16);
  }, 1_500_000);
});

describe('faults while recording and in the log', () => {
  it('ends a recording whose disk fills up with one line, SHUTDOWN and END written, the log verifying', () => {
    for (const guest of ['rtc-loop', 'echo'] as const) {
      const log = temp.path(`full-${guest}.rrlog`);
      const input = temp.path('full-input.txt');
      writeFileSync(input, 'abcdefghijklmnop'.repeat(4000) + 'q');
      // A 40 KiB file size limit (ulimit -f counts KiB): the recorder's writes fail with EFBIG.
      const r = spawnSync('bash', ['-c', `ulimit -f 40; exec "${process.execPath}" "${RRVM_CLI}" record --serial-in "${input}" -o "${log}" "${guestElf(guest)}"`], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(1);
      expectOneLineStderr(r.stderr, /cannot write .*EFBIG.*the log ends with SHUTDOWN and END at icount \d+ and replays to there/);
      const endIcount = Number(/at icount (\d+)/.exec(r.stderr)![1]);
      const reader = LogReader.open(log);
      expect(reader.footer?.endIcount).toBe(endIcount);
      expect([...reader.events()].at(-2)).toMatchObject({ kind: 'SHUTDOWN', icount: endIcount, reason: expect.stringMatching(/EFBIG/) });
      const v = rrvm(['verify', log], { timeoutMs: 60_000 });
      expect(v.code, describeCli(v)).toBe(0);
      expect(v.stdout.toString()).toMatch(new RegExp(`^OK .*: ${endIcount} instructions`));
    }
  }, 180_000);

  it('replays every complete chunk before a zeroed tail that starts inside a chunk, saying where', () => {
    const log = temp.path('rtc-zeroed.rrlog');
    expect(rrvm(['record', '-o', log, guestElf('rtc-loop')], { timeoutMs: 60_000 }).code).toBe(0);
    const whole = LogReader.open(log);
    const victim = whole.chunks[Math.floor(whole.chunks.length / 2)]!;
    const bytes = readFileSync(log);
    // Power loss: from the middle of a chunk on, the blocks never reached the disk.
    bytes.fill(0, victim.offset + 8 + Math.floor(victim.length / 2));
    const zeroed = temp.path('rtc-zeroed-tail.rrlog');
    writeFileSync(zeroed, bytes);
    const cut = LogReader.open(zeroed);
    expect(cut.truncatedAt).toMatchObject({ offset: victim.offset, reason: expect.stringMatching(/CRC-32 does not match/) });
    expect(cut.chunks).toHaveLength(whole.chunks.indexOf(victim));
    const r = rrvm(['replay', zeroed], { timeoutMs: 60_000 });
    expect(r.code, describeCli(r)).toBe(0);
    expectOneLineStderr(r.stderr, new RegExp(`log ends without END at icount ${cut.truncatedAt!.icount}: its complete chunks end at offset ${victim.offset}, followed by a chunk whose CRC-32 does not match`));
  }, 120_000);

  it('says log.device, exit 1, for a CHAR_READ naming a serial port the header does not list', () => {
    const input = temp.path('port-input.txt');
    writeFileSync(input, 'hi q');
    const log = temp.path('echo-port.rrlog');
    expect(rrvm(['record', '--serial-in', input, '-o', log, guestElf('echo')]).code).toBe(0);
    const edited = temp.path('echo-port-7.rrlog');
    rewriteLog(log, edited, {
      events: (events) => events.map((e): RrEvent => (e.kind === 'CHAR_READ' ? { ...e, port: 7 } : e)),
    });
    for (const command of ['verify', 'replay']) {
      const r = rrvm([command, edited]);
      expect(r.code, describeCli(r)).toBe(1);
      expectOneLineStderr(r.stderr, /CHAR_READ at icount \d+ names serial port 7, but the log's header lists only the uart16550 at port 0/);
    }
  });
});
