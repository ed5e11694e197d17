import { renameSync, rmSync } from 'node:fs';
import { fileLogSource, LogReader, writePackedLog, type PackBlob } from '../../codecs/index.js';
import { RrvmError } from '../core/rrvm-error.js';
import { checkLogTarget } from './check-log-target.js';

/** Where `pack` finds what it embeds when the recorded path moved. */
export interface PackOptions {
  /** The guest ELF (default: the path recorded in the log). */
  elf?: string;
  /** Where each drive's base image is now, in drive order (default: the paths recorded in the log). */
  disks?: readonly string[];
}

/** What a pack embedded. */
export interface PackOutcome {
  /** Files embedded (each once, whatever uses it). */
  files: number;
  /** Size of the packed log. */
  bytes: number;
}

/**
 * Writes a copy of the log at `logPath` to `outPath` (which may be the same path) that embeds
 * the guest ELF and the base image of every disk, each checked against the hash the log
 * recorded and embedded once by SHA-256 (files the log embeds already are kept). Overlays are
 * not embedded. Written to a temporary file and renamed, so a failure leaves both files as they were.
 */
export function packRecording(logPath: string, outPath: string, options: PackOptions): PackOutcome {
  const reader = LogReader.open(logPath);
  const opened: ReturnType<typeof fileLogSource>[] = [];
  const temporary = `${outPath}.${process.pid}.pack.tmp`;
  try {
    if (outPath !== logPath) checkLogTarget(outPath, options.elf ?? reader.header.elfPath);
    const header = reader.header;
    const blobs = new Map<string, PackBlob>();
    for (const [sha256, { offset, bytes }] of reader.embedded) blobs.set(sha256, { sha256, bytes, source: reader.source, offset, name: `${logPath} (embedded ${sha256.slice(0, 16)}…)` });
    const add = (sha256: string, path: string, what: string): void => {
      if (blobs.has(sha256)) return;
      let source;
      try {
        source = fileLogSource(path);
      } catch (err) {
        throw new RrvmError('input.read', `cannot read ${what} '${path}' to pack it: ${(err as Error).message.replace(/^cannot read [^:]*: /, '')}`);
      }
      opened.push(source);
      blobs.set(sha256, { sha256, bytes: source.size, source, offset: 0, name: `${what} ${path}` });
    };
    add(header.elfSha256, options.elf ?? header.elfPath, 'the guest ELF');
    if (options.disks !== undefined && options.disks.length > 0 && options.disks.length !== header.disks.length) {
      throw new RrvmError('cli.usage', `the log was recorded with ${header.disks.length} drive(s); --drive was given ${options.disks.length} time(s)`);
    }
    header.disks.forEach((disk, i) => add(disk.baseSha256, options.disks?.[i] ?? disk.path, `the disk image of drive ${i}`));
    writePackedLog(reader, [...blobs.values()], temporary);
    renameSync(temporary, outPath);
    return { files: blobs.size, bytes: LogReader.open(outPath).fileBytes };
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  } finally {
    for (const source of opened) source.close();
    reader.close();
  }
}
