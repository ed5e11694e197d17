// `rrvm record --snapshot-every`, `rrvm cut` and `rrvm verify --segments` as a user runs them.
import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogReader, LogWriter } from '../../codecs/index.js';
import { guestElf, REPO_ROOT, tempDir } from '../engine/harness.js';
import { describeCli, expectOneLineError, rrvm } from './cli-harness.js';

const temp = tempDir('cli-cut');
afterAll(temp.remove);

const log = temp.path('clock.rrlog');
let recorded = '';
let endIcount = 0;

/** Every CHECKPOINT of a log by icount: its four sub-digests as hex (the page list after them is left out). */
function checkpoints(path: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const e of LogReader.open(path).events()) {
    if (e.kind === 'CHECKPOINT') out.set(e.icount, [...(out.get(e.icount) ?? []), Buffer.from(e.digest.subarray(0, 32)).toString('hex')]);
  }
  return out;
}

beforeAll(() => {
  const rec = rrvm(['record', '--checkpoint-every', '500', '--snapshot-every', '2000', '-o', log, guestElf('clock')]);
  expect(rec.code, describeCli(rec)).toBe(0);
  recorded = rec.stdout.toString('latin1');
  expect(rec.stderr).toMatch(/^rrvm: stored 3 snapshot\(s\) in .*clock\.rrlog, every 2000 instructions, [\d.]+ KiB in all\n$/);
  endIcount = LogReader.open(log).footer!.endIcount;
  expect(endIcount).toBeGreaterThan(6000);
});

describe('rrvm record --snapshot-every', () => {
  it('stores the snapshots in the log; info lists them; the log replays and verifies as before', () => {
    const info = rrvm(['info', '--json', log]);
    expect(JSON.parse(info.stdout.toString())).toMatchObject({ snapshots: [{ icount: 2000 }, { icount: 4000 }, { icount: 6000 }], counts: { SNAPSHOT: 3 } });
    expect(rrvm(['info', log]).stdout.toString()).toContain('snapshots:    3 stored, at icount 2000, 4000, 6000');
    expect(rrvm(['dump', '--kind', 'SNAPSHOT', log]).stdout.toString()).toMatch(/^SNAPSHOT @2000 #\d+ data=52525653/);
    const replay = rrvm(['replay', log]);
    expect(replay.code, describeCli(replay)).toBe(0);
    expect(replay.stdout.toString('latin1')).toBe(recorded);
    expect(rrvm(['verify', log]).code).toBe(0);
  });

  it('refuses 0 with a usage error', () => {
    expectOneLineError(rrvm(['record', '--snapshot-every', '0', '-o', temp.path('zero.rrlog'), guestElf('clock')]), /--snapshot-every must be at least 1/);
  });
});

describe('rrvm verify --segments', () => {
  it('verifies each segment on its own, one line each', () => {
    const r = rrvm(['verify', '--segments', log]);
    expect(r.code, describeCli(r)).toBe(0);
    const lines = r.stdout.toString().trimEnd().split('\n');
    expect(lines.slice(0, 4).map((l) => l.replace(/: .*/, ''))).toEqual([
      'OK segment 0/4 (icount 0–2000)',
      'OK segment 1/4 (icount 2000–4000)',
      'OK segment 2/4 (icount 4000–6000)',
      `OK segment 3/4 (icount 6000–${endIcount})`,
    ]);
    expect(lines[4]).toMatch(/^OK .*: 4 segment\(s\) replayed identically$/);
    // The last segment ends where a whole verify does.
    const whole = JSON.parse(rrvm(['verify', '--json', log]).stdout.toString()) as { finalDigest: string };
    expect(lines[3]).toContain(`digest ${whole.finalDigest}`);
  });

  it('names the segment of a tampered log and exits 3', () => {
    const reader = LogReader.open(log);
    const events = [...reader.events()];
    const victim = events.find((e) => e.kind === 'CLOCK' && e.icount > 4000 && e.icount < 6000)!;
    expect(victim).toBeDefined();
    const tampered = temp.path('tampered.rrlog');
    const writer = LogWriter.open(tampered, reader.header);
    for (const e of events) {
      if (e.kind === 'END') writer.close({ icount: e.icount });
      else writer.append(e === victim && e.kind === 'CLOCK' ? { ...e, value: e.value + 1_000_000_000 } : e);
    }
    const r = rrvm(['verify', '--segments', tampered]);
    expect(r.code, describeCli(r)).toBe(3);
    const lines = r.stdout.toString().trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('FAILED segment'))).toEqual([expect.stringMatching(/^FAILED segment 2\/4 \(icount 4000–6000\): /)]);
    expect(lines.at(-1)).toMatch(/^FAILED .*: segment\(s\) 2 of 4 diverged$/);
    // On two worker threads: the same lines, in the same order.
    const parallel = rrvm(['verify', '--segments', '--jobs', '2', tampered]);
    expect(parallel.code, describeCli(parallel)).toBe(3);
    expect(parallel.stdout.toString()).toBe(r.stdout.toString());
  });

  it('gives the same verdicts on worker threads (--jobs 2) as serially', () => {
    const serial = rrvm(['verify', '--segments', '--json', log]);
    const parallel = rrvm(['verify', '--segments', '--json', '--jobs', '2', log]);
    expect(parallel.code, describeCli(parallel)).toBe(0);
    expect(JSON.parse(parallel.stdout.toString())).toEqual(JSON.parse(serial.stdout.toString()));
    expect((JSON.parse(parallel.stdout.toString()) as { segments: unknown[] }).segments).toHaveLength(4);
  });
});

describe('rrvm cut', () => {
  it('writes a log from N to M that replays and verifies on its own, with the same CHECKPOINTs and state at M', () => {
    const part = temp.path('part.rrlog');
    const cut = rrvm(['cut', log, '--from', '2500', '--to', '6500', '-o', part]);
    expect(cut.code, describeCli(cut)).toBe(0);
    expect(cut.stdout.toString()).toMatch(/^cut .*part\.rrlog: icount 2500 to 6500, \d+ events, starting snapshot \d+ bytes \(replayed from the snapshot at icount 2000\)\n$/);
    const verify = rrvm(['verify', part]);
    expect(verify.code, describeCli(verify)).toBe(0);
    const replay = rrvm(['replay', part]);
    expect(replay.code, describeCli(replay)).toBe(0);
    expect(replay.stderr).toBe('rrvm: stopped at icount 6500: the cut ends here (rrvm cut --to 6500)\n');
    expect(recorded).toContain(replay.stdout.toString('latin1'));
    expect(rrvm(['info', part]).stdout.toString()).toContain('cut:          starts at icount 2500');
    // Every CHECKPOINT of the cut (the closing one at 6500 included) is the original's at that icount.
    const original = checkpoints(log);
    const ofCut = checkpoints(part);
    expect([...ofCut.keys()]).toEqual([3000, 3500, 4000, 4500, 5000, 5500, 6000, 6500]);
    for (const [icount, digests] of ofCut) for (const d of digests) expect(original.get(icount)).toContain(d);
    // It verifies by segments too, and can be cut again.
    expect(rrvm(['verify', '--segments', part]).stdout.toString()).toMatch(/^OK segment 0\/1 \(icount 2500–6500\)/);
    const again = temp.path('again.rrlog');
    expect(rrvm(['cut', part, '--from', '3000', '-o', again]).code).toBe(0);
    expect(rrvm(['verify', again]).code).toBe(0);
  });

  it('without --to runs to the original end', () => {
    const tail = temp.path('tail.rrlog');
    expect(rrvm(['cut', log, '--from', '100', '-o', tail]).code).toBe(0);
    const a = JSON.parse(rrvm(['verify', '--json', log]).stdout.toString()) as { finalDigest: string; icount: number };
    const b = JSON.parse(rrvm(['verify', '--json', tail]).stdout.toString()) as { finalDigest: string; icount: number };
    expect(b).toMatchObject({ finalDigest: a.finalDigest, icount: a.icount });
  });

  it('refuses bad ranges and targets with one line and exit 1, writing nothing', () => {
    const out = temp.path('refused.rrlog');
    expectOneLineError(rrvm(['cut', log, '--from', String(endIcount), '-o', out]), new RegExp(`--from ${endIcount} is not before the end of .* \\(END at icount ${endIcount}\\)`));
    expectOneLineError(rrvm(['cut', log, '--from', '3000', '--to', '2000', '-o', out]), /--to 2000 is not after --from 3000/);
    expectOneLineError(rrvm(['cut', log, '--from', '10', '--to', String(endIcount + 1), '-o', out]), /--to \d+ is past the end/);
    expectOneLineError(rrvm(['cut', log, '--from', '10', '-o', log]), /is the log being read/);
    expectOneLineError(rrvm(['cut', log, '--to', '10', '-o', out]), /required option '--from <icount>'/);
    const notALog = temp.path('notes.txt');
    writeFileSync(notALog, 'keep me');
    expectOneLineError(rrvm(['cut', log, '--from', '10', '-o', notALog]), /refusing to overwrite .*notes\.txt/);
    expect(() => LogReader.open(out)).toThrow();
  });

  it('cuts a packed log into a packed log that replays with the ELF gone', () => {
    const elf = temp.path('clock-copy.elf');
    copyFileSync(guestElf('clock'), elf);
    const packed = temp.path('packed.rrlog');
    expect(rrvm(['record', '--pack', '--snapshot-every', '3000', '-o', packed, elf]).code).toBe(0);
    const part = temp.path('packed-part.rrlog');
    expect(rrvm(['cut', packed, '--from', '3500', '--to', '5000', '-o', part]).code).toBe(0);
    rmSync(elf);
    expect(LogReader.open(part).packed).toBe(true);
    const verify = rrvm(['verify', part]);
    expect(verify.code, describeCli(verify)).toBe(0);
  });
});

describe('rrvm cut of a recording with a disk', () => {
  it('carries block requests in flight and the disk writes so far: cuts just before completions verify', () => {
    const image = temp.path('disk.img');
    const made = spawnSync(process.execPath, [join(REPO_ROOT, 'examples', 'disk-test', 'make-image.mjs'), image], { stdio: 'ignore' });
    expect(made.status).toBe(0);
    const diskLog = temp.path('disk.rrlog');
    const rec = rrvm(['record', '--drive', `file=${image},serial=rrvm-disk0`, '--snapshot-every', '50000000', '-o', diskLog, join(REPO_ROOT, 'examples', 'disk-test', 'disk-test.elf')], { timeoutMs: 240_000 });
    expect(rec.code, describeCli(rec)).toBe(0);
    const done = [...LogReader.open(diskLog).events()].filter((e) => e.kind === 'BLOCK_DONE');
    expect(done.length).toBeGreaterThan(100);
    // One instruction before a completion: its request is in flight at the cut.
    for (const at of [Math.floor(done.length / 3), Math.floor((2 * done.length) / 3)]) {
      const part = temp.path(`disk-part-${at}.rrlog`);
      const from = done[at]!.icount - 1;
      const cut = rrvm(['cut', diskLog, '--from', String(from), '--to', String(from + 3_000_000), '-o', part], { timeoutMs: 240_000 });
      expect(cut.code, describeCli(cut)).toBe(0);
      const verify = rrvm(['verify', part], { timeoutMs: 240_000 });
      expect(verify.code, describeCli(verify)).toBe(0);
    }
    const segments = rrvm(['verify', '--segments', diskLog], { timeoutMs: 240_000 });
    expect(segments.code, describeCli(segments)).toBe(0);
  }, 600_000);
});
