import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { LogReader, type LogHeader } from '../../codecs/index.js';
import { RrvmError } from '../core/rrvm-error.js';
import type { ElfImage } from '../machine/elf-image.js';
import { loadGuest, parseGuest } from './load-guest.js';

/** How to find the guest of a recording. */
export interface OpenRecordingOptions {
  /** The guest ELF (default: the path stored in the log). */
  elf?: string;
  /** Accept an ELF whose SHA-256 differs from the recorded one. */
  force?: boolean;
}

/** A log opened and checked, with its guest loaded. */
export interface Recording {
  reader: LogReader;
  header: LogHeader;
  image: ElfImage;
  /** The guest ELF file's bytes. */
  elf: Uint8Array;
}

/**
 * Opens a log and the guest it was recorded with: the ELF is found at the recorded path
 * (or `--elf`) and must have the recorded SHA-256 unless `force`.
 */
export function openRecording(logPath: string, options: OpenRecordingOptions): Recording {
  const reader = LogReader.open(logPath);
  const header = reader.header;
  const elfPath = options.elf ?? header.elfPath;
  // A packed log carries its ELF (checked against the header's hash when it was packed); --elf still wins.
  const embedded = options.elf === undefined ? reader.readEmbedded(header.elfSha256) : null;
  if (embedded === null && options.elf === undefined && !existsSync(elfPath)) {
    throw new RrvmError('input.read', `the guest ELF recorded in the log, '${elfPath}', is gone; pass --elf FILE (or \`rrvm pack\` the log where the ELF is)`);
  }
  const { bytes, image } = embedded !== null ? parseGuest(embedded, `${logPath} (embedded ELF)`, header.ramBytes) : loadGuest(elfPath, header.ramBytes);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== header.elfSha256 && options.force !== true) {
    throw new RrvmError(
      'replay.elf',
      `${elfPath} is not the ELF this log was recorded with (sha256 ${sha.slice(0, 16)}…, the log expects ${header.elfSha256.slice(0, 16)}…); pass --elf with the right file, or --force to replay anyway`,
    );
  }
  return { reader, header, image, elf: bytes };
}
