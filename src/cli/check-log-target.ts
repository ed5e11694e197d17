import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { RrvmError } from '../core/rrvm-error.js';

/**
 * Refuses a `record -o` target that would destroy something that is not a log: an existing
 * file that does not start with the `RRVM` magic (a typo like `-o guest.elf`), or the guest
 * ELF itself. An existing rrvm log is overwritten, as `-o` promises.
 */
export function checkLogTarget(logPath: string, elfPath: string): void {
  let stat;
  try {
    stat = statSync(logPath);
  } catch {
    return; // does not exist yet
  }
  if (stat.isDirectory()) throw new RrvmError('cli.usage', `cannot write the log to '${logPath}': it is a directory`);
  if (realpathSync(logPath) === realpathSync(elfPath)) {
    throw new RrvmError('cli.usage', `refusing to write the log over the guest ELF '${elfPath}'`);
  }
  if (stat.size === 0) return;
  const magic = Buffer.alloc(4);
  const fd = openSync(logPath, 'r');
  try {
    readSync(fd, magic, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (magic.toString('latin1') !== 'RRVM') {
    throw new RrvmError('cli.usage', `refusing to overwrite '${logPath}': it exists and is not an rrvm log`);
  }
}
