import { realpathSync, renameSync, rmSync } from 'node:fs';
import { LogReader, LogWriter, writePackedLog, type LogHeader, type PackBlob } from '../../codecs/index.js';
import { PULL_FAMILIES } from '../engine/families/registry.js';
import { RrvmError } from '../core/rrvm-error.js';

/**
 * Writes a log derived from `source` (a cut, a copy with snapshots) to `outPath` through a
 * temporary file and a rename, so a failure leaves every file as it was. `write` gets the
 * function that opens the new log's writer with its header. When `source` is packed, the
 * result embeds the same files. Resolves with what `write` resolved with.
 */
export async function rewriteLog<T>(source: LogReader, outPath: string, write: (open: (header: LogHeader) => LogWriter) => Promise<T>): Promise<T> {
  const temporary = `${outPath}.${process.pid}.tmp`;
  const packedTemporary = `${outPath}.${process.pid}.pack.tmp`;
  let writer: LogWriter | null = null;
  try {
    const outcome = await write((header) => (writer = LogWriter.open(temporary, header, { pullKinds: PULL_FAMILIES.map((f) => f.kind) })));
    if (writer === null) throw new RrvmError('log.write', `${outPath}: nothing was written`);
    if (source.embedded.size === 0) {
      renameSync(temporary, outPath);
      return outcome;
    }
    const written = LogReader.open(temporary);
    try {
      const blobs: PackBlob[] = [...source.embedded].map(([sha256, { offset, bytes }]) => ({ sha256, bytes, source: source.source, offset, name: `${source.name} (embedded ${sha256.slice(0, 16)}…)` }));
      writePackedLog(written, blobs, packedTemporary);
    } finally {
      written.close();
    }
    renameSync(packedTemporary, outPath);
    rmSync(temporary, { force: true });
    return outcome;
  } catch (err) {
    rmSync(temporary, { force: true });
    rmSync(packedTemporary, { force: true });
    throw err;
  }
}

/** Throws RrvmError `cli.usage` when `outPath` names the same file as `inPath`. */
export function refuseSameFile(inPath: string, outPath: string): void {
  let same = false;
  try {
    same = realpathSync(inPath) === realpathSync(outPath);
  } catch {
    same = false;
  }
  if (same) throw new RrvmError('cli.usage', `-o ${outPath} is the log being read; write the result to another file`);
}
