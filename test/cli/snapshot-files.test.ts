import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestElf, tempDir } from '../engine/harness.js';
import { describeCli, rrvm } from './cli-harness.js';

const temp = tempDir('cli-snapshots');
afterAll(temp.remove);

const NO_STACK = /^\s{4}at /m;

/** stderr is one line starting `rrvm: ` and matching `pattern`. */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  expect(stderr).not.toMatch(NO_STACK);
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('replay --save-snapshot / --from-snapshot', () => {
  const echoLog = temp.path('echo.rrlog');
  const clockLog = temp.path('clock.rrlog');
  const snapshot = temp.path('mid.rrsnap');
  let fullOutput = '';
  let cut = 0;

  beforeAll(() => {
    const input = Buffer.from('first line\nsecond line\nthird line\nq');
    const rec = rrvm(['record', '-o', echoLog, guestElf('echo')], { input });
    expect(rec.code, describeCli(rec)).toBe(0);
    fullOutput = rec.stdout.toString('latin1');
    expect(rrvm(['record', '-o', clockLog, guestElf('clock')]).code).toBe(0);
    // A point in the middle of the run, by its event stream.
    const dump = rrvm(['dump', '--json', echoLog]).stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { kind: string; icount: number });
    const reads = dump.filter((e) => e.kind === 'CHAR_READ');
    cut = reads[Math.floor(reads.length / 2)]!.icount + 1;
  });

  it('a replay from a snapshot prints only the later console output, with the same exit status and final digest', () => {
    const head = rrvm(['replay', '--until', String(cut), '--save-snapshot', snapshot, echoLog]);
    expect(head.code, describeCli(head)).toBe(0);
    expect(head.stderr).toContain(`stopped at icount ${cut} (--until); state saved to ${snapshot}`);
    const tail = rrvm(['replay', '--from-snapshot', snapshot, echoLog]);
    expect(tail.code, describeCli(tail)).toBe(0);
    const headText = head.stdout.toString('latin1');
    const tailText = tail.stdout.toString('latin1');
    expect(headText.length).toBeGreaterThan(0);
    expect(tailText.length).toBeGreaterThan(0);
    expect(headText + tailText).toBe(fullOutput);

    const whole = rrvm(['verify', '--json', echoLog]);
    const fromSnapshot = rrvm(['verify', '--json', '--from-snapshot', snapshot, echoLog]);
    expect(whole.code, describeCli(whole)).toBe(0);
    expect(fromSnapshot.code, describeCli(fromSnapshot)).toBe(0);
    const a = JSON.parse(whole.stdout.toString()) as { finalDigest: string; icount: number };
    const b = JSON.parse(fromSnapshot.stdout.toString()) as { finalDigest: string; icount: number };
    expect(b.finalDigest).toBe(a.finalDigest);
    expect(b.icount).toBe(a.icount);
  });

  it('refuses a snapshot of another recording with one line and exit 1', () => {
    const r = rrvm(['replay', '--from-snapshot', snapshot, clockLog]);
    expect(r.code, describeCli(r)).toBe(1);
    expectOneLineError(r.stderr, /was taken from another recording/);
  });

  it('refuses a damaged or truncated snapshot, or a file that is not one', () => {
    const bytes = readFileSync(snapshot);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 5]! ^= 0x40;
    const damaged = temp.path('damaged.rrsnap');
    writeFileSync(damaged, flipped);
    const truncated = temp.path('truncated.rrsnap');
    writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
    for (const [file, pattern] of [
      [damaged, /CRC mismatch/],
      [truncated, /CRC mismatch/],
      [echoLog, /not an rrvm snapshot/],
      [temp.path('missing.rrsnap'), /cannot read snapshot .*no such file/],
    ] as const) {
      const r = rrvm(['replay', '--from-snapshot', file, echoLog]);
      expect(r.code, describeCli(r)).toBe(1);
      expectOneLineError(r.stderr, pattern);
    }
  });

  it('never writes a snapshot over the log, the ELF or another kind of file', () => {
    const other = temp.path('notes.txt');
    writeFileSync(other, 'keep me\n');
    for (const [target, pattern] of [
      [echoLog, /refusing to write the snapshot over/],
      [other, /refusing to overwrite .* not an rrvm snapshot/],
    ] as const) {
      const r = rrvm(['replay', '--until', '1000', '--save-snapshot', target, echoLog]);
      expect(r.code, describeCli(r)).toBe(1);
      expectOneLineError(r.stderr, pattern);
    }
    expect(readFileSync(other, 'utf8')).toBe('keep me\n');
  });
});
