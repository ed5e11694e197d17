import { RrvmError } from '../core/rrvm-error.js';
import { storeSnapshots } from '../engine/store-snapshots.js';
import { openReplaySource } from './open-replay-source.js';
import { rewriteLog } from './rewrite-log.js';

/**
 * `record --snapshot-every N`, once the recording is written: replays it and rewrites it with a
 * SNAPSHOT every N instructions, saying on stderr how many and how big. Returns false (after a
 * one-line message) when that fails; the log is then kept as recorded, without snapshots.
 */
export async function storeRecordedSnapshots(logPath: string, elfPath: string, every: number): Promise<boolean> {
  try {
    const source = openReplaySource(logPath, { elf: elfPath });
    try {
      const stored = await rewriteLog(source.reader, logPath, (open) => storeSnapshots(source, every, open));
      const kib = (stored.bytes / 1024).toFixed(1);
      process.stderr.write(`rrvm: stored ${stored.count} snapshot(s) in ${logPath}, every ${every} instructions, ${kib} KiB in all\n`);
      return true;
    } finally {
      source.close();
    }
  } catch (err) {
    if (!(err instanceof RrvmError)) throw err;
    process.stderr.write(`rrvm: --snapshot-every: ${err.message.split('\n')[0]}; ${logPath} is kept without snapshots\n`);
    return false;
  }
}
