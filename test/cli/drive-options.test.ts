import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { addDriveOption, checkDrives, parseDrives, parseDriveSpec, type DriveOption } from '../../src/cli/drive-options.js';
import { tempDir } from '../engine/harness.js';

const tmp = tempDir('drive-options');
afterAll(() => tmp.remove());

/** The RrvmError `f` throws. */
function errorOf(f: () => unknown): RrvmError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(RrvmError);
    return err as RrvmError;
  }
  throw new Error('expected an RrvmError');
}

describe('parseDriveSpec', () => {
  const good: [string, DriveOption][] = [
    ['file=disk.img', { file: 'disk.img', readOnly: false }],
    ['file=disk.img,overlay=d.ovl', { file: 'disk.img', overlay: 'd.ovl', readOnly: false }],
    ['overlay=d.ovl,file=disk.img', { file: 'disk.img', overlay: 'd.ovl', readOnly: false }],
    ['file=disk.img,readonly', { file: 'disk.img', readOnly: true }],
    ['file=disk.img,readonly=on', { file: 'disk.img', readOnly: true }],
    ['file=disk.img,readonly=off', { file: 'disk.img', readOnly: false }],
    ['file=disk.img,serial=RRVM-0001', { file: 'disk.img', readOnly: false, serial: 'RRVM-0001' }],
    ['file=a=b.img', { file: 'a=b.img', readOnly: false }],
    ['file=/tmp/my disk.img,overlay=./o v.ovl,readonly,serial=12345678901234567890', {
      file: '/tmp/my disk.img', overlay: './o v.ovl', readOnly: true, serial: '12345678901234567890',
    }],
  ];
  it.each(good)('parses %s', (spec, expected) => {
    expect(parseDriveSpec(spec)).toEqual(expected);
  });

  const bad: [string, string][] = [
    ['', "bad --drive '': expected file=IMG[,overlay=FILE][,readonly][,serial=TEXT]"],
    ['disk.img', "bad --drive 'disk.img': unknown key 'disk.img' (known: file, overlay, readonly, serial; values cannot contain commas)"],
    ['file=a,b.img', "bad --drive 'file=a,b.img': unknown key 'b.img' (known: file, overlay, readonly, serial; values cannot contain commas)"],
    ['file=disk.img,format=raw', "bad --drive 'file=disk.img,format=raw': unknown key 'format' (known: file, overlay, readonly, serial; values cannot contain commas)"],
    ['File=disk.img', "bad --drive 'File=disk.img': unknown key 'File' (known: file, overlay, readonly, serial; values cannot contain commas)"],
    ['overlay=d.ovl', "bad --drive 'overlay=d.ovl': missing file=IMG"],
    ['readonly', "bad --drive 'readonly': missing file=IMG"],
    ['file=', "bad --drive 'file=': empty value for file"],
    ['file=disk.img,overlay=', "bad --drive 'file=disk.img,overlay=': empty value for overlay"],
    ['file=disk.img,serial=', "bad --drive 'file=disk.img,serial=': empty value for serial"],
    ['file=disk.img,readonly=', "bad --drive 'file=disk.img,readonly=': empty value for readonly"],
    ['file', "bad --drive 'file': file needs a value: file=..."],
    ['file=disk.img,overlay', "bad --drive 'file=disk.img,overlay': overlay needs a value: overlay=..."],
    ['file=a.img,file=b.img', "bad --drive 'file=a.img,file=b.img': file given twice"],
    ['file=a.img,readonly,readonly', "bad --drive 'file=a.img,readonly,readonly': readonly given twice"],
    ['file=a.img,', "bad --drive 'file=a.img,': empty item between commas (values cannot contain commas)"],
    ['file=a.img,,readonly', "bad --drive 'file=a.img,,readonly': empty item between commas (values cannot contain commas)"],
    [',file=a.img', "bad --drive ',file=a.img': empty item between commas (values cannot contain commas)"],
    ['file=a.img,readonly=yes', "bad --drive 'file=a.img,readonly=yes': readonly takes no value or on/off, got 'yes'"],
    ['file=a.img,serial=123456789012345678901', "bad --drive 'file=a.img,serial=123456789012345678901': serial must be at most 20 printable ASCII characters, got '123456789012345678901'"],
    ['file=a.img,serial=dé', "bad --drive 'file=a.img,serial=dé': serial must be at most 20 printable ASCII characters, got 'dé'"],
  ];
  it.each(bad)('refuses %j', (spec, message) => {
    const err = errorOf(() => parseDriveSpec(spec));
    expect(err.code).toBe('cli.usage');
    expect(err.message).toBe(message);
    expect(err.exitCode).toBe(1);
  });
});

describe('checkDrives', () => {
  const image = tmp.path('disk.img');
  writeFileSync(image, new Uint8Array(4096));
  const other = tmp.path('other.img');
  writeFileSync(other, new Uint8Array(1024));
  const hardLink = tmp.path('same-as-disk.img');
  linkSync(image, hardLink);
  const existingOverlay = tmp.path('old.ovl');
  writeFileSync(existingOverlay, 'RRVO');
  const dir = tmp.path('a-dir');
  mkdirSync(dir);
  const missing = tmp.path('missing.img');
  const newOverlay = tmp.path('new.ovl');

  it('accepts readable images with new or existing overlays, and leaves files alone', () => {
    const drives = parseDrives([`file=${image},overlay=${newOverlay}`, `file=${image},readonly`, `file=${other},overlay=${existingOverlay},readonly`]);
    expect(drives).toEqual([
      { file: image, overlay: newOverlay, readOnly: false },
      { file: image, readOnly: true },
      { file: other, overlay: existingOverlay, readOnly: true },
    ]);
  });

  const bad: [string, () => string[], string, string][] = [
    ['a missing image', () => [`file=${missing}`], 'input.read', `cannot read disk image '${missing}': no such file`],
    ['a directory as image', () => [`file=${dir}`], 'input.read', `cannot read disk image '${dir}': it is a directory`],
    ['a device as image', () => ['file=/dev/null'], 'input.read', "cannot read disk image '/dev/null': not a regular file"],
    ['the image as its own overlay', () => [`file=${image},overlay=${image}`], 'cli.usage', `bad --drive overlay '${image}': it is the disk image '${image}' itself`],
    ['a hard link to the image as overlay', () => [`file=${image},overlay=${hardLink}`], 'cli.usage', `bad --drive overlay '${hardLink}': it is the disk image '${image}' itself`],
    ['another drive’s image as overlay', () => [`file=${image}`, `file=${other},overlay=${image}`], 'cli.usage', `bad --drive overlay '${image}': it is the disk image '${image}' itself`],
    ['a directory as overlay', () => [`file=${image},overlay=${dir}`], 'cli.usage', `bad --drive overlay '${dir}': it is a directory`],
    ['one overlay for two drives', () => [`file=${image},overlay=${existingOverlay}`, `file=${other},overlay=${existingOverlay}`], 'cli.usage', `bad --drive overlay '${existingOverlay}': two drives cannot share one overlay`],
    ['a readonly drive with a missing overlay', () => [`file=${image},overlay=${newOverlay},readonly`], 'input.read', `cannot read overlay '${newOverlay}': no such file (a readonly drive never creates one)`],
  ];
  it.each(bad)('refuses %s', (_what, specs, code, message) => {
    const err = errorOf(() => parseDrives(specs()));
    expect({ code: err.code, message: err.message }).toEqual({ code, message });
  });

  it('checks nothing for no drives', () => {
    expect(() => checkDrives([])).not.toThrow();
  });
});

describe('addDriveOption', () => {
  it('collects repeated --drive values in order, none by default', () => {
    const parse = (args: string[]): string[] => {
      const cmd = addDriveOption(new Command('run').exitOverride().argument('[elf]').action(() => undefined));
      cmd.parse(args, { from: 'user' });
      return cmd.opts<{ drive: string[] }>().drive;
    };
    expect(parse(['g.elf'])).toEqual([]);
    expect(parse(['--drive', 'file=a.img', 'g.elf', '--drive', 'file=b.img,readonly'])).toEqual(['file=a.img', 'file=b.img,readonly']);
  });
});
