// `--drive` and `--rng` end to end through the built CLI (issue 7, items 3, 6, 8, 9): the
// disk-test guest records with QEMU's exact output, replays and verifies from the log, leaves
// the base image (and every other host file) untouched; an overlay file is created in its own
// format and replays from its recorded or given path; bad input is one line and exit 1;
// the rng guest round-trips. disk-test polls for most of its ~1.7·10^8 instructions (about
// 0.5 s per record or replay alone), so the two recordings run at once in beforeAll, and their
// replays and verifies start as soon as they end and run in the background while the short
// tests run; the tests that check them come last and wait for them.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSnapshot } from '../../codecs/index.js';
import { Machine } from '../../src/machine/machine.js';
import { tempDir } from '../engine/harness.js';
import { type CliResult, REPO_ROOT, describeCli, expectOneLineError, rrvm, rrvmAsync } from './cli-harness.js';

const temp = tempDir('cli-disk-drives');
afterAll(temp.remove);
/** For the short tests' files, so that they never show in the long runs' directory listings. */
const misc = tempDir('cli-disk-drives-misc');
afterAll(misc.remove);

const DISK_TEST = join(REPO_ROOT, 'examples', 'disk-test');
const DISK_ELF = join(DISK_TEST, 'disk-test.elf');
const RNG_ELF = join(REPO_ROOT, 'examples', 'rng', 'rng.elf');
/** Generous: a disk-test record or replay takes ~0.5 s alone, but several run at once on 2 cores. */
const LONG_MS = 120_000;

/** The guest output recorded in expected.txt: everything after the leading `#` comment block. */
function expectedOutput(): { text: string; imageSha256: string } {
  const content = readFileSync(join(DISK_TEST, 'expected.txt'), 'latin1');
  const lines = content.split('\n');
  const first = lines.findIndex((l) => !l.startsWith('#'));
  const sha = /make-image\.mjs output: sha256 ([0-9a-f]{64})/.exec(content);
  if (first < 0 || sha === null) throw new Error('examples/disk-test/expected.txt: no output after the comment block, or no image sha256');
  return { text: lines.slice(first).join('\n'), imageSha256: sha[1]! };
}

const sha256File = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Name, size and mtime (ns) of every file under `dir`, recursively, sorted. */
function listing(dir: string): string[] {
  const rows: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const s = statSync(path, { bigint: true });
    rows.push(`${path.slice(dir.length)} ${entry.isDirectory() ? 'dir' : s.size} ${s.mtimeNs}`);
  }
  return rows.sort();
}

/** Output of `dump --kind KIND` as lines, with the exit status checked. */
function dumpLines(kind: string, log: string): string[] {
  const r = rrvm(['dump', '--kind', kind, log]);
  expect(r.code, describeCli(r)).toBe(0);
  return r.stdout.toString('utf8').trimEnd().split('\n').filter((l) => l !== '');
}

function infoJson(log: string): { header: { devices: { kind: string }[]; disks: { path: string; baseSha256: string; serial: string; overlay: { path: string; bytes: number } | null }[] }; counts: Record<string, number> } {
  const r = rrvm(['info', '--json', log]);
  expect(r.code, describeCli(r)).toBe(0);
  return JSON.parse(r.stdout.toString('utf8')) as ReturnType<typeof infoJson>;
}

// The main recording and its image in `disk/`, the overlay recording (a copy of the image
// and the overlay file) in `ov/`; each replay runs with its directory as the working directory.
const DISK_DIR = temp.path('disk');
const IMG = join(DISK_DIR, 'disk.img');
const DLOG = join(DISK_DIR, 'd.rrlog');
const OV_DIR = temp.path('ov');
const OV_IMG = join(OV_DIR, 'base.img');
const OV = join(OV_DIR, 'writes.rrvo');
const OLOG = join(OV_DIR, 'o.rrlog');
const MOVED_IMG = join(OV_DIR, 'moved.img');
const RLOG = misc.path('r.rrlog');

interface FileState {
  sha256: string;
  mtimeNs: bigint;
}
const fileState = (path: string): FileState => ({ sha256: sha256File(path), mtimeNs: statSync(path, { bigint: true }).mtimeNs });

/** A replay and a verify of one log, run together, with the directory listed before and after. */
interface ReplayPair {
  replay: CliResult;
  verify: CliResult;
  before: string[];
  after: string[];
}

/** Once `recorded` has settled: list `dir`, run `replay` and `verify` (with `extra` args) at once, list again. */
async function replayPair(recorded: Promise<CliResult>, dir: string, log: string, verifyExtra: string[] = [], prepare: () => void = () => {}): Promise<ReplayPair> {
  const rec = await recorded;
  if (rec.code !== 0) throw new Error(`recording failed: ${describeCli(rec)}`);
  prepare();
  const before = listing(dir);
  const [replay, verify] = await Promise.all([rrvmAsync(['replay', log], { cwd: dir }), rrvmAsync(['verify', ...verifyExtra, log], { cwd: dir })]);
  return { replay, verify, before, after: listing(dir) };
}

const expected = expectedOutput();
let imageBefore: FileState;
let overlayBaseBefore: FileState;
let record: CliResult;
let overlayRecord: CliResult;
let mainReplays: Promise<ReplayPair>;
let overlayReplays: Promise<ReplayPair>;

beforeAll(async () => {
  mkdirSync(DISK_DIR);
  mkdirSync(OV_DIR);
  const made = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [join(DISK_TEST, 'make-image.mjs'), IMG], { stdio: 'ignore' });
    child.on('close', (code) => resolve(code));
  });
  expect(made).toBe(0);
  copyFileSync(IMG, OV_IMG);
  imageBefore = fileState(IMG);
  overlayBaseBefore = fileState(OV_IMG);
  // Both recordings at once (one core each); each one's replay and verify start when it ends.
  const mainRecord = rrvmAsync(['record', '--drive', `file=${IMG},serial=rrvm-disk0`, '-o', DLOG, DISK_ELF], { cwd: DISK_DIR });
  const ovRecord = rrvmAsync(['record', '--drive', `file=${OV_IMG},overlay=${OV},serial=rrvm-disk0`, '-o', OLOG, DISK_ELF], { cwd: OV_DIR });
  mainReplays = replayPair(mainRecord, DISK_DIR, DLOG);
  // The verify names the image at another path (a copy) and the overlay explicitly; the replay uses the recorded paths.
  overlayReplays = replayPair(ovRecord, OV_DIR, OLOG, ['--drive', `file=${MOVED_IMG},overlay=${OV}`], () => copyFileSync(OV_IMG, MOVED_IMG));
  // Rejections are reported by the tests that await these; none goes unhandled meanwhile.
  mainReplays.catch(() => {});
  overlayReplays.catch(() => {});
  [record, overlayRecord] = await Promise.all([mainRecord, ovRecord]);
}, LONG_MS);

describe('rrvm record --drive (disk-test)', () => {
  it('make-image.mjs writes the image expected.txt names', () => {
    expect(imageBefore.sha256).toBe(expected.imageSha256);
    expect(statSync(IMG).size).toBe(1 << 20);
  });

  it('record prints exactly QEMU 7.2\'s output (expected.txt), exit 0, and leaves the base image untouched', () => {
    expect(record.timedOut, describeCli(record)).toBe(false);
    expect(record.code, describeCli(record)).toBe(0);
    expect(record.stdout.toString('latin1')).toBe(expected.text);
    expect(fileState(IMG)).toEqual(imageBefore);
  });

  it('info lists the virtio-blk device and the drive: path, size, SHA-256, serial', () => {
    const info = infoJson(DLOG);
    expect(info.header.devices.map((d) => d.kind)).toContain('virtio-blk');
    expect(info.header.disks).toHaveLength(1);
    expect(info.header.disks[0]).toMatchObject({ path: IMG, baseSha256: expected.imageSha256, serial: 'rrvm-disk0', overlay: null });
    const text = rrvm(['info', DLOG]).stdout.toString('utf8');
    expect(text).toMatch(/^devices: .*virtio-blk \(drive 0\)/m);
    expect(text).toContain(`${IMG} (1048576 bytes, sha256 ${expected.imageSha256}), serial "rrvm-disk0"`);
  });

  it('dump --kind BLOCK_DONE lists the completions with request and status', () => {
    const lines = dumpLines('BLOCK_DONE', DLOG);
    expect(lines.length).toBeGreaterThan(100); // 8-deep whole-disk reads, twice, and the writes
    for (const line of lines) expect(line).toMatch(/^BLOCK_DONE @\d+ #\d+ request=\d+ status=\d+$/);
    // Request numbers are id × 8 + drive: all on drive 0 here.
    for (const line of lines) expect(Number(/request=(\d+)/.exec(line)![1]) % 8).toBe(0);
    expect(lines.length).toBe(infoJson(DLOG).counts.BLOCK_DONE);
    const json = rrvm(['dump', '--json', '--kind', 'BLOCK_DONE', DLOG]).stdout.toString('utf8').trim().split('\n');
    expect(JSON.parse(json[0]!)).toMatchObject({ kind: 'BLOCK_DONE', request: expect.any(Number), status: 0 });
  });
});

describe('rrvm record --drive with an overlay file', () => {
  it('record creates the overlay (magic RRVO), leaves the base untouched, and pins the overlay in the header', () => {
    expect(overlayRecord.code, describeCli(overlayRecord)).toBe(0);
    expect(overlayRecord.stdout.toString('latin1')).toBe(expected.text);
    const ov = readFileSync(OV);
    expect(ov.subarray(0, 4).toString('latin1')).toBe('RRVO');
    expect(ov.length).toBeGreaterThan(512); // the guest's writes (restored at the end, but written)
    expect(fileState(OV_IMG)).toEqual(overlayBaseBefore);
    expect(infoJson(OLOG).header.disks[0]!.overlay).toMatchObject({ path: OV, bytes: 0 });
  });
});

describe('bad --drive input: one line, exit 1', () => {
  it('a missing image (run, record, replay --drive)', () => {
    const missing = misc.path('no-such.img');
    const pattern = /cannot (read|open) disk image .*no such file/;
    expectOneLineError(rrvm(['run', '--drive', `file=${missing}`, DISK_ELF]), pattern);
    expectOneLineError(rrvm(['record', '--drive', `file=${missing}`, '-o', misc.path('never.rrlog'), DISK_ELF]), pattern);
    expectOneLineError(rrvm(['replay', '--drive', `file=${missing}`, DLOG]), pattern);
  });

  it('an image changed since the recording (replay and verify refuse it)', () => {
    const copy = misc.path('changed.img');
    const log = misc.path('changed.rrlog');
    copyFileSync(IMG, copy);
    // A short recording is enough: the image is checked when the replay opens it.
    const rec = rrvm(['record', '--max-insns', '2000000', '--drive', `file=${copy}`, '-o', log, DISK_ELF]);
    expect(rec.code, describeCli(rec)).toBe(4); // stopped by --max-insns
    const bytes = readFileSync(copy);
    bytes[600]! ^= 0x01;
    writeFileSync(copy, bytes); // in place, same inode
    for (const cmd of ['replay', 'verify']) {
      expectOneLineError(rrvm([cmd, log]), /changed\.img is not the disk image drive 0 was recorded with \(sha256 [0-9a-f]+…, the log expects [0-9a-f]+…\)/);
    }
    // The unchanged image at another path is accepted (exit 4: the recorded run was cut by --max-insns).
    const ok = rrvm(['replay', '--drive', `file=${IMG}`, log]);
    expect(ok.code, describeCli(ok)).toBe(4);
    expect(ok.stdout.toString('latin1')).toBe(rec.stdout.toString('latin1'));
  });

  it('bad --drive syntax', () => {
    for (const [spec, pattern] of [
      [`fil=${IMG}`, /unknown key 'fil'/],
      [`file=${IMG},bogus`, /unknown key 'bogus'/],
      [`file=${IMG},serial=`, /empty value for serial/],
      [`file=${IMG},file=${IMG}`, /file given twice/],
      ['serial=x', /missing file=IMG/],
    ] as const) {
      const r = rrvm(['run', '--drive', spec, DISK_ELF]);
      expectOneLineError(r, /^rrvm: bad --drive '/);
      expectOneLineError(r, pattern);
    }
  });

  it('an overlay that cannot be created, is a directory, or is not an overlay file (nothing written)', () => {
    const log = misc.path('never-ov.rrlog');
    expectOneLineError(rrvm(['run', '--drive', `file=${IMG},overlay=${misc.path('no-dir/x.rrvo')}`, DISK_ELF]), /cannot create overlay '.*no-dir\/x\.rrvo': no such file/);
    const dir = misc.path('ov-dir');
    mkdirSync(dir);
    expectOneLineError(rrvm(['run', '--drive', `file=${IMG},overlay=${dir}`, DISK_ELF]), /overlay '.*ov-dir': it is a directory/);
    const garbage = misc.path('garbage.rrvo');
    writeFileSync(garbage, 'not an overlay\n');
    expectOneLineError(rrvm(['record', '--drive', `file=${IMG},overlay=${garbage}`, '-o', log, DISK_ELF]), /is not an rrvm overlay file/);
    expect(readFileSync(garbage, 'utf8')).toBe('not an overlay\n');
    expect(() => statSync(log)).toThrow();
  });

  it('replay or verify with a --drive count other than the recording\'s', () => {
    const pattern = /recorded with 1 drive\(s\); --drive was given 2 time\(s\)/;
    expectOneLineError(rrvm(['replay', '--drive', `file=${IMG}`, '--drive', `file=${IMG}`, DLOG]), pattern);
    expectOneLineError(rrvm(['verify', '--drive', `file=${IMG}`, '--drive', `file=${IMG}`, DLOG]), pattern);
  });

  it('rrvm gdb checks the drives like replay', () => {
    expectOneLineError(rrvm(['gdb', '--port', '0', '--drive', `file=${IMG}`, '--drive', `file=${IMG}`, DLOG], { timeoutMs: 10_000 }), /recorded with 1 drive\(s\); --drive was given 2 time\(s\)/);
  });
});

describe('rrvm record/replay --rng (rng guest)', () => {
  let rec: CliResult;
  beforeAll(() => {
    rec = rrvm(['record', '--rng', '-o', RLOG, RNG_ELF]);
  });

  it('record exits 0; replay and verify need no --rng and give the same bytes', () => {
    expect(rec.code, describeCli(rec)).toBe(0);
    const text = rec.stdout.toString('latin1');
    expect(text).toMatch(/^rng: virtio-rng ready\n/);
    expect(text).toMatch(/rng: done\n$/);
    const replay = rrvm(['replay', RLOG]);
    expect(replay.code, describeCli(replay)).toBe(0);
    expect(replay.stdout.toString('latin1')).toBe(text);
    const verify = rrvm(['verify', RLOG]);
    expect(verify.code, describeCli(verify)).toBe(0);
  });

  it('dump --kind BH lists the fills virtio-rng deferred, each followed by its RANDOM pulls', () => {
    const lines = dumpLines('BH', RLOG);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^BH @\d+ #\d+ id=\d+$/);
    expect(lines.length).toBe(infoJson(RLOG).counts.BH);
    const all = rrvm(['dump', RLOG]).stdout.toString('utf8').split('\n');
    const firstRandom = all.findIndex((l) => l.startsWith('RANDOM '));
    expect(all[firstRandom - 1]).toMatch(/^BH /);
  });

  it('dump --kind RANDOM shows the entropy the guest printed', () => {
    const lines = dumpLines('RANDOM', RLOG);
    expect(lines.length).toBeGreaterThan(0);
    const printed = rec.stdout.toString('latin1');
    for (const line of lines) {
      const m = /^RANDOM @\d+ #\d+ bytes=([0-9a-f]+)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(printed).toContain(`bytes=${m![1]}`);
    }
  });

  it('info lists the virtio-rng device; replay refuses a --drive the recording did not have', () => {
    expect(infoJson(RLOG).header.devices.map((d) => d.kind)).toContain('virtio-rng');
    expect(rrvm(['info', RLOG]).stdout.toString('utf8')).toMatch(/^devices: .*virtio-rng/m);
    expectOneLineError(rrvm(['replay', '--drive', `file=${IMG}`, RLOG]), /recorded with 0 drive\(s\); --drive was given 1 time\(s\)/);
  });
});

// Last: these wait for the replays started in beforeAll.
describe('rrvm replay/verify of the disk recordings', () => {
  it('a snapshot file taken with block requests in flight resumes the replay: head + tail print the whole output, the checkpoints match', async () => {
    // Just before the 12th completion from the end: 8 requests are in flight, and the sectors
    // written since the start (which the guest reads back and restores later) are in memory.
    const done = dumpLines('BLOCK_DONE', DLOG).map((line) => Number(/@(\d+)/.exec(line)![1]));
    const at = done[done.length - 12]! - 1;
    const snapshot = misc.path('disk.rrsnap');
    const head = rrvm(['replay', '--until', String(at), '--save-snapshot', snapshot, DLOG]);
    expect(head.code, describeCli(head)).toBe(0);
    const ports = { clock: () => 0, random: (n: number) => new Uint8Array(n), blockIo: () => {}, defer: () => 0, netTx: () => {}, audioStream: () => {} };
    const template = new Machine({ ramBytes: 128 << 20, icountShift: 3, virtio: [{ kind: 'virtio-blk', drive: 0, sectors: 2048, readOnly: false }] }, ports);
    const io = decodeSnapshot(readFileSync(snapshot), template.saveRecords(), snapshot).io;
    expect(io.blocks.length).toBe(8);
    expect(io.disks[0]!.length).toBeGreaterThan(0);
    const tail = await rrvmAsync(['replay', '--from-snapshot', snapshot, DLOG], { cwd: DISK_DIR });
    expect(tail.code, describeCli(tail)).toBe(0);
    expect(head.stdout.toString('latin1') + tail.stdout.toString('latin1')).toBe(expected.text);
  }, LONG_MS);


  it('replay prints the same output and verify says OK; neither creates or changes a file (base image included)', async () => {
    const { replay, verify, before, after } = await mainReplays;
    expect(replay.code, describeCli(replay)).toBe(0);
    expect(replay.stdout.toString('latin1')).toBe(expected.text);
    expect(verify.code, describeCli(verify)).toBe(0);
    expect(verify.stdout.toString('utf8')).toMatch(/^OK .*replayed identically/);
    expect(before.map((row) => row.split(' ')[0])).toEqual(['/d.rrlog', '/disk.img']);
    expect(after).toEqual(before);
    expect(fileState(IMG)).toEqual(imageBefore);
  }, LONG_MS);

  it('the overlay recording replays from its recorded paths and verifies with --drive naming the image elsewhere; the overlay and base are not changed', async () => {
    const { replay, verify, before, after } = await overlayReplays;
    expect(replay.code, describeCli(replay)).toBe(0);
    expect(replay.stdout.toString('latin1')).toBe(expected.text);
    expect(verify.code, describeCli(verify)).toBe(0);
    expect(verify.stdout.toString('utf8')).toMatch(/^OK /);
    expect(before.map((row) => row.split(' ')[0])).toEqual(['/base.img', '/moved.img', '/o.rrlog', '/writes.rrvo']);
    expect(after).toEqual(before);
    expect(fileState(OV_IMG)).toEqual(overlayBaseBefore);
  }, LONG_MS);
});
