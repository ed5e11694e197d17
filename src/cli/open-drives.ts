import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LogDisk } from '../../codecs/index.js';
import { RrvmError } from '../core/rrvm-error.js';
import { MAX_DRIVES, type Drive } from '../engine/block-io.js';
import { DiskImage } from '../engine/disk/disk-image.js';
import type { VirtioSpec } from '../machine/machine.js';
import type { DriveOption } from './drive-options.js';

/** Drives opened for a live run, with what the machine and the log header need of them. */
export interface OpenDrives {
  drives: Drive[];
  virtio: VirtioSpec[];
  disks: LogDisk[];
  close(): void;
}

/** Opens the `--drive` images of `run`/`record`: bases read-only, writes to each overlay. */
export function openLiveDrives(options: readonly DriveOption[]): OpenDrives {
  if (options.length > MAX_DRIVES) throw new RrvmError('cli.usage', `at most ${MAX_DRIVES} --drive options (the board has ${MAX_DRIVES} virtio slots)`);
  const drives: Drive[] = [];
  try {
    for (const option of options) {
      const image = DiskImage.open(option.file, { ...(option.overlay === undefined ? {} : { overlay: option.overlay }), readOnly: option.readOnly });
      drives.push({ image, serial: option.serial ?? '' });
    }
  } catch (err) {
    for (const d of drives) d.image.close();
    throw err;
  }
  return {
    drives,
    virtio: drives.map((d, drive) => ({ kind: 'virtio-blk', drive, sectors: d.image.sectors, readOnly: d.image.readOnly })),
    disks: drives.map((d, drive) => {
      const overlay = options[drive]!.overlay;
      const sha256 = d.image.overlaySha256;
      return {
        id: `drive${drive}`,
        baseSha256: d.image.baseSha256,
        bytes: d.image.baseBytes,
        path: resolve(d.image.path),
        serial: d.serial,
        overlay: overlay === undefined || sha256 === null ? null : { path: resolve(overlay), bytes: d.image.overlayBytes ?? 0, sha256 },
      };
    }),
    close: () => {
      for (const d of drives) d.image.close();
    },
  };
}

/** Files a packed log embeds (`LogReader.embedded`), and the log's path. */
export interface EmbeddedFiles {
  path: string;
  files: ReadonlyMap<string, { offset: number; bytes: number }>;
}

/**
 * Opens the drives a log was recorded with, for replay: each base read-only from the image the
 * log embeds (a packed log), else at its recorded path, unless a `--drive file=` is given in the
 * same order; checked against the recorded SHA-256; writes stay in memory; a recorded starting
 * overlay is read as it was then, never changed.
 */
export function openReplayDrives(disks: readonly LogDisk[], given: readonly DriveOption[], embedded: EmbeddedFiles | null = null): Drive[] {
  if (given.length > 0 && given.length !== disks.length) {
    throw new RrvmError('cli.usage', `the log was recorded with ${disks.length} drive(s); --drive was given ${given.length} time(s)`);
  }
  const drives: Drive[] = [];
  try {
    disks.forEach((disk, i) => {
      const region = given[i] === undefined ? embedded?.files.get(disk.baseSha256) : undefined;
      const path = region !== undefined ? embedded!.path : (given[i]?.file ?? disk.path);
      if (region === undefined && given[i] === undefined && !existsSync(path)) {
        throw new RrvmError('input.read', `the disk image drive ${i} was recorded with, '${path}', is gone; pass --drive file=IMG (or \`rrvm pack\` the log where the image is)`);
      }
      const overlayPath = given[i]?.overlay ?? disk.overlay?.path;
      if (disk.overlay !== null && overlayPath === undefined) throw new RrvmError('cli.usage', `drive ${i} was recorded with the overlay ${disk.overlay.path}: give it with --drive file=…,overlay=…`);
      // The device refuses writes to a read-only drive itself; replay's writes stay in memory.
      const image = DiskImage.open(path, {
        ...(disk.overlay !== null && overlayPath !== undefined ? { overlay: overlayPath, overlayStartBytes: disk.overlay.bytes } : {}),
        ...(region === undefined ? {} : { baseRegion: region }),
      });
      drives.push({ image, serial: disk.serial });
      if (image.baseSha256 !== disk.baseSha256) {
        throw new RrvmError('replay.disk', `${path} is not the disk image drive ${i} was recorded with (sha256 ${image.baseSha256.slice(0, 16)}…, the log expects ${disk.baseSha256.slice(0, 16)}…)`);
      }
      if (disk.overlay !== null && image.overlaySha256 !== disk.overlay.sha256) {
        throw new RrvmError('replay.disk', `${overlayPath}: the overlay drive ${i} started from has changed since the recording`);
      }
    });
  } catch (err) {
    for (const d of drives) d.image.close();
    throw err;
  }
  return drives;
}
