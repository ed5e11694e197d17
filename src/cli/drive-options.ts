import { closeSync, fstatSync, openSync, statSync, type Stats } from 'node:fs';
import { Option, type Command } from 'commander';
import { RrvmError } from '../core/rrvm-error.js';

/** One `--drive` of the command line. */
export interface DriveOption {
  /** The raw base image (opened read-only, never written). */
  file: string;
  /** The overlay file holding the writes; without it, writes stay in memory. */
  overlay?: string;
  readOnly: boolean;
  /** Answer to virtio-blk GET_ID: at most 20 printable ASCII characters. */
  serial?: string;
}

const KEYS = ['file', 'overlay', 'readonly', 'serial'] as const;
type Key = (typeof KEYS)[number];
/** Length of the virtio-blk GET_ID string (VIRTIO_BLK_ID_BYTES). */
const SERIAL_MAX_CHARS = 20;

/** Adds the repeatable `--drive` option (values are collected as given; `parseDrives` reads them). */
export function addDriveOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--drive <spec>', 'attach a virtio-blk disk: file=IMG[,overlay=FILE][,readonly][,serial=TEXT] (repeatable; values cannot contain commas)')
      .argParser((spec: string, previous: string[]) => [...previous, spec])
      .default([], 'none'),
  );
}

/** Parses every `--drive` value, in order, and checks them against the host (`checkDrives`). */
export function parseDrives(specs: readonly string[]): DriveOption[] {
  const drives = specs.map(parseDriveSpec);
  checkDrives(drives);
  return drives;
}

/** Parses one `--drive` value; bad syntax is a one-line `cli.usage` error. */
export function parseDriveSpec(spec: string): DriveOption {
  const bad = (why: string): RrvmError => new RrvmError('cli.usage', `bad --drive '${spec}': ${why}`);
  const seen = new Map<Key, string | null>();
  for (const item of spec.split(',')) {
    if (item === '') throw bad(spec === '' ? 'expected file=IMG[,overlay=FILE][,readonly][,serial=TEXT]' : 'empty item between commas (values cannot contain commas)');
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? null : item.slice(eq + 1);
    if (!(KEYS as readonly string[]).includes(key)) {
      throw bad(`unknown key '${key}' (known: ${KEYS.join(', ')}; values cannot contain commas)`);
    }
    if (seen.has(key as Key)) throw bad(`${key} given twice`);
    if (value === '') throw bad(`empty value for ${key}`);
    if (value === null && key !== 'readonly') throw bad(`${key} needs a value: ${key}=...`);
    seen.set(key as Key, value);
  }
  const file = seen.get('file');
  if (file === undefined || file === null) throw bad('missing file=IMG');
  const drive: DriveOption = { file, readOnly: false };
  const overlay = seen.get('overlay');
  if (overlay !== undefined && overlay !== null) drive.overlay = overlay;
  if (seen.has('readonly')) {
    const flag = seen.get('readonly');
    if (flag !== null && flag !== 'on' && flag !== 'off') throw bad(`readonly takes no value or on/off, got '${flag}'`);
    drive.readOnly = flag !== 'off';
  }
  const serial = seen.get('serial');
  if (serial !== undefined && serial !== null) {
    if (serial.length > SERIAL_MAX_CHARS || !/^[\x20-\x7e]+$/.test(serial)) {
      throw bad(`serial must be at most ${SERIAL_MAX_CHARS} printable ASCII characters, got '${serial}'`);
    }
    drive.serial = serial;
  }
  return drive;
}

/**
 * Checks drives against the host: every image exists, is a regular file and can be read
 * (`input.read`); no overlay is an image or another drive's overlay, or a directory; a read-only
 * drive's overlay exists (it is never created) (`cli.usage` / `input.read`).
 */
export function checkDrives(drives: readonly DriveOption[]): void {
  const images = drives.map((d) => ({ path: d.file, stat: readableImage(d.file) }));
  const overlays: { path: string; stat: Stats }[] = [];
  for (const drive of drives) {
    if (drive.overlay === undefined) continue;
    const stat = statOrNull(drive.overlay);
    if (stat === null) {
      if (drive.readOnly) throw new RrvmError('input.read', `cannot read overlay '${drive.overlay}': no such file (a readonly drive never creates one)`);
      continue;
    }
    if (stat.isDirectory()) throw new RrvmError('cli.usage', `bad --drive overlay '${drive.overlay}': it is a directory`);
    const image = images.find((i) => sameFile(i.stat, stat));
    if (image !== undefined) {
      throw new RrvmError('cli.usage', `bad --drive overlay '${drive.overlay}': it is the disk image '${image.path}' itself`);
    }
    const other = overlays.find((o) => sameFile(o.stat, stat));
    if (other !== undefined) throw new RrvmError('cli.usage', `bad --drive overlay '${drive.overlay}': two drives cannot share one overlay`);
    overlays.push({ path: drive.overlay, stat });
  }
}

/** Stats an image after opening it for reading, so an unreadable one fails here with one line. */
function readableImage(path: string): Stats {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new RrvmError('input.read', `cannot read disk image '${path}': ${reason}`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new RrvmError('input.read', `cannot read disk image '${path}': it is a directory`);
    if (!stat.isFile()) throw new RrvmError('input.read', `cannot read disk image '${path}': not a regular file`);
    return stat;
  } finally {
    closeSync(fd);
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}
