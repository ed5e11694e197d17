// Replay against log size (the bench's log-size part): the echo guest records 1×, 10× and 100×
// as much serial input (one CHAR_READ of about 7 bytes per input byte), then `rrvm replay
// --stats` runs each log in a child process of its own, which reports its peak RSS (VmHWM).
// The reader holds one chunk at a time, so the RSS should not follow the log's size. A whole
// replay of a longer log also runs longer (V8's heap settles in the first seconds), so each log
// is also replayed only as far as the 1× log goes: the same work, only the log's size differs.
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { root, round } from './bench-util.js';

const CLI = fileURLToPath(new URL('dist/src/cli/main.js', root));
const ELF = fileURLToPath(new URL('examples/echo/echo.elf', root));
/** Input lines of the 1× log (97 bytes each). */
const BASE_LINES = 100;

/** One log size's replay (bench/results.json `logSize`). */
export interface LogSizeRow {
  factor: number;
  logBytes: number;
  events: number;
  instructions: number;
  replaySeconds: number;
  /** Log bytes replayed per second of wall time. */
  logMBPerSecond: number;
  eventsPerSecond: number;
  peakRssMiB: number;
  /** Peak RSS of a replay of this log stopped where the 1× log ends (`--until`). */
  peakRssSameWorkMiB: number;
}

/** Records and replays the echo guest at 1×, 10× and 100× the input; one row per size. */
export function logSizeBench(workDir: string): LogSizeRow[] {
  const rows: LogSizeRow[] = [];
  let sameWork = 0;
  for (const factor of [1, 10, 100]) {
    const input = join(workDir, `echo-input-${factor}.txt`);
    writeFileSync(input, ('abcdefghijklmnop'.repeat(6) + '\n').repeat(BASE_LINES * factor) + 'q');
    const log = join(workDir, `echo-${factor}.rrlog`);
    execFileSync(process.execPath, [CLI, 'record', '--serial-in', input, '-o', log, ELF], { stdio: 'ignore' });
    const info = JSON.parse(execFileSync(process.execPath, [CLI, 'info', '--json', log], { encoding: 'utf8' })) as { instructions: number; counts: Record<string, number> };
    const events = Object.values(info.counts).reduce((a, b) => a + b, 0);
    if (factor === 1) sameWork = info.instructions;
    const started = performance.now();
    const rss = replayPeakRss(log, []);
    const seconds = (performance.now() - started) / 1000;
    const sameWorkRss = replayPeakRss(log, ['--until', String(sameWork)]);
    const logBytes = statSync(log).size;
    rows.push({
      factor,
      logBytes,
      events,
      instructions: info.instructions,
      replaySeconds: round(seconds, 2),
      logMBPerSecond: round(logBytes / seconds / 1e6, 2),
      eventsPerSecond: Math.round(events / seconds),
      peakRssMiB: rss,
      peakRssSameWorkMiB: sameWorkRss,
    });
    console.log(
      `log-size ${factor}×: ${logBytes} bytes, ${events} events, replay ${seconds.toFixed(2)} s, peak RSS ${rss} MiB; to icount ${sameWork} (as far as 1×) ${sameWorkRss} MiB`,
    );
  }
  return rows;
}

/** The peak RSS in MiB that `rrvm replay --stats ARGS LOG` reports. */
function replayPeakRss(log: string, args: string[]): number {
  const replay = spawnSync(process.execPath, [CLI, 'replay', '--stats', ...args, log], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const rss = /peak RSS ([\d.]+) MiB/.exec(replay.stderr);
  if (rss === null) throw new Error(`replay --stats printed no peak RSS: ${replay.stderr}`);
  return Number(rss[1]);
}
