import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { RrvmError } from '../core/rrvm-error.js';

/** Writes `bytes` to `path` through a temporary file and a rename: a reader never sees half a file. */
export function writeFileAtomically(path: string, bytes: Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw new RrvmError('output.write', `cannot write '${path}': ${(err as Error).message}`);
  }
}
