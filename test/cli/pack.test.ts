import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LogReader } from '../../codecs/index.js';
import { guestElf, REPO_ROOT, tempDir } from '../engine/harness.js';
import { describeCli, expectOneLineError, expectOneLineStderr, rrvm, rrvmAsync } from './cli-harness.js';

const temp = tempDir('pack');
afterAll(temp.remove);

/** A copy of the clock guest at a path the test can move away. */
function movableGuest(name: string): string {
  const elf = temp.path(`${name}.elf`);
  copyFileSync(guestElf('clock'), elf);
  return elf;
}

describe('rrvm pack', () => {
  it('embeds the ELF: with the ELF moved away the packed log replays and verifies, the original does not', () => {
    const elf = movableGuest('clock-a');
    const log = temp.path('a.rrlog');
    const packed = temp.path('a-packed.rrlog');
    expect(rrvm(['record', '-o', log, elf]).code).toBe(0);
    const p = rrvm(['pack', log, '-o', packed]);
    expect(p.code, describeCli(p)).toBe(0);
    expect(p.stdout.toString()).toMatch(/packed .*: 1 file\(s\) embedded/);
    renameSync(elf, temp.path('elsewhere.elf'));

    const original = rrvm(['replay', log]);
    expect(original.code).toBe(1);
    expectOneLineStderr(original.stderr, /is gone; pass --elf FILE/);
    const replay = rrvm(['replay', packed]);
    expect(replay.code, describeCli(replay)).toBe(0);
    expect(replay.stdout.toString()).toContain('clock');
    const verify = rrvm(['verify', packed]);
    expect(verify.code, describeCli(verify)).toBe(0);
    expect(rrvm(['info', packed]).stdout.toString()).toMatch(/packed: the ELF is embedded in the log/);
    expect(rrvm(['info', log]).stdout.toString()).not.toMatch(/packed/);
    // The events are the same, byte for byte.
    expect([...LogReader.open(packed).events()]).toEqual([...LogReader.open(log).events()]);
  });

  it('record --pack packs in place; packing again embeds each file once', () => {
    const elf = movableGuest('clock-b');
    const log = temp.path('b.rrlog');
    expect(rrvm(['record', '--pack', '-o', log, elf]).code).toBe(0);
    const reader = LogReader.open(log);
    expect(reader.packed).toBe(true);
    renameSync(elf, temp.path('elsewhere-b.elf'));
    const again = rrvm(['pack', log]);
    expect(again.code, describeCli(again)).toBe(0);
    expect(LogReader.open(log).fileBytes).toBe(reader.fileBytes);
    expect(LogReader.open(log).header.embedded).toHaveLength(1);
    expect(rrvm(['verify', log]).code).toBe(0);
  });

  it('refuses an ELF that is not the recorded one, writing nothing', () => {
    const elf = movableGuest('clock-c');
    const log = temp.path('c.rrlog');
    expect(rrvm(['record', '-o', log, elf]).code).toBe(0);
    const out = temp.path('c-packed.rrlog');
    const r = rrvm(['pack', log, '--elf', guestElf('hello'), '-o', out]);
    expect(r.code, describeCli(r)).toBe(1);
    expectOneLineStderr(r.stderr, /is not the file the log was recorded with/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('rrvm pack with disks', () => {
  const DISK_TEST = join(REPO_ROOT, 'examples', 'disk-test');
  const sha256File = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

  it('embeds each disk base once: with the ELF and both images moved away the packed log replays the same, and stays unchanged', async () => {
    const elf = temp.path('disk-test.elf');
    copyFileSync(join(DISK_TEST, 'disk-test.elf'), elf);
    const img = temp.path('disk.img');
    expect(spawnSync(process.execPath, [join(DISK_TEST, 'make-image.mjs'), img]).status).toBe(0);
    const twin = temp.path('twin.img');
    copyFileSync(img, twin);
    const log = temp.path('disk.rrlog');
    const packed = temp.path('disk-packed.rrlog');
    const recorded = await rrvmAsync(['record', '-o', log, '--drive', `file=${img}`, '--drive', `file=${twin}`, elf]);
    expect(recorded.code, describeCli(recorded)).toBe(0);
    expect(recorded.stdout.toString()).toContain('disk-test: done');
    const p = rrvm(['pack', log, '-o', packed]);
    expect(p.code, describeCli(p)).toBe(0);
    // The ELF and one image: the two drives have the same base.
    expect(p.stdout.toString()).toMatch(/: 2 file\(s\) embedded/);
    expect(rrvm(['info', packed]).stdout.toString()).toMatch(/disk drive1: .*, embedded in the log/);

    const away = temp.path('away');
    mkdirSync(away);
    for (const file of [elf, img, twin]) renameSync(file, join(away, file.replace(/^.*\//, '')));
    const before = sha256File(packed);
    const replay = await rrvmAsync(['replay', packed]);
    expect(replay.code, describeCli(replay)).toBe(0);
    expect(replay.stdout.toString()).toBe(recorded.stdout.toString());
    const verify = await rrvmAsync(['verify', packed]);
    expect(verify.code, describeCli(verify)).toBe(0);
    const analyze = await rrvmAsync(['analyze', packed]);
    expect(analyze.code, describeCli(analyze)).toBe(0);
    // The guest wrote to its disks: the writes stayed in memory, the embedded bases are as packed.
    expect(sha256File(packed)).toBe(before);

    // The unpacked log names what is missing; --drive still wins over the embedded images.
    const unpacked = rrvm(['replay', '--elf', join(away, 'disk-test.elf'), log]);
    expectOneLineError(unpacked, /the disk image drive 0 was recorded with, '.*disk\.img', is gone; pass --drive file=IMG \(or `rrvm pack`/);
    const given = await rrvmAsync(['replay', '--drive', `file=${join(away, 'disk.img')}`, '--drive', `file=${join(away, 'twin.img')}`, packed]);
    expect(given.code, describeCli(given)).toBe(0);
    expect(given.stdout.toString()).toBe(recorded.stdout.toString());
  }, 180_000);
});
