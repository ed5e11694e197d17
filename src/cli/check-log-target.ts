import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { RrvmError } from '../core/rrvm-error.js';

/**
 * Refuses a `record -o` target that would destroy something that is not a log: an existing
 * file that does not start with the `RRVM` magic (a typo like `-o guest.elf`), or the guest
 * ELF itself. An existing rrvm log is overwritten, as `-o` promises.
 */
export function checkLogTarget(logPath: string, elfPath: string): void {
  checkOutputTarget(logPath, 'RRVM', 'the log', 'an rrvm log', [elfPath]);
}

/** The same check for `--save-snapshot`: only an earlier snapshot (`RRVS`) is overwritten, never the log or the ELF. */
export function checkSnapshotTarget(snapshotPath: string, protectedPaths: string[]): void {
  checkOutputTarget(snapshotPath, 'RRVS', 'the snapshot', 'an rrvm snapshot', protectedPaths);
}

function checkOutputTarget(path: string, magic: string, what: string, kind: string, protectedPaths: string[]): void {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return; // does not exist yet
  }
  if (stat.isDirectory()) throw new RrvmError('cli.usage', `cannot write ${what} to '${path}': it is a directory`);
  for (const other of protectedPaths) {
    let same = false;
    try {
      same = realpathSync(path) === realpathSync(other);
    } catch {
      same = false;
    }
    if (same) throw new RrvmError('cli.usage', `refusing to write ${what} over '${other}'`);
  }
  if (stat.size === 0) return;
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1') !== magic) {
    throw new RrvmError('cli.usage', `refusing to overwrite '${path}': it exists and is not ${kind}`);
  }
}
