import { copyFileSync, existsSync, renameSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { LogReader } from '../../codecs/index.js';
import { guestElf, tempDir } from '../engine/harness.js';
import { describeCli, expectOneLineStderr, rrvm } from './cli-harness.js';

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
