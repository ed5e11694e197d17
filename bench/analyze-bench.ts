// `rrvm analyze` throughput (the bench's analyze part): records LOGS runs of the rtc-loop guest
// (about 6·10^6 instructions and a few hundred clock reads each), then times `rrvm analyze`
// over all of them with 1 and 2 worker threads, each in a child process of its own (start-up,
// the pool and every replay included). Logs per second of wall time; the speed-up is bounded by
// the cores (2 here) and by whatever else the machine runs. Then the same for one long log
// verified by segments: long-run (2.2·10^9 instructions) recorded with a snapshot every
// SEGMENT_INSNS, `rrvm verify --segments` with 1 and 2 worker threads.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, root, round } from './bench-util.js';

const CLI = fileURLToPath(new URL('dist/src/cli/main.js', root));
const ELF = fileURLToPath(new URL('examples/rtc-loop/rtc-loop.elf', root));
/** Logs analyzed per run. */
const LOGS = 16;

/** One `--jobs` setting (bench/results.json `analyze.rows`). */
export interface AnalyzeRow {
  jobs: number;
  /** Median wall time of `rrvm analyze` over the LOGS logs. */
  seconds: number;
  logsPerSecond: number;
}

/** Instructions between the snapshots of the segment-verification log. */
const SEGMENT_INSNS = 250_000_000;

/** `verify --segments` of one long log with 1 and 2 threads (bench/results.json `analyze.segments`). */
export interface SegmentsBench {
  segments: number;
  /** Median wall seconds with `--jobs 1` and `--jobs 2`. */
  seconds: [number, number];
  /** Time with 1 thread over time with 2. */
  speedup: number;
}

/** What the analyze part reports. */
export interface AnalyzeBench {
  logs: number;
  instructionsPerLog: number;
  rows: AnalyzeRow[];
  /** logs/s with 2 workers over logs/s with 1. */
  speedup: number;
  segments: SegmentsBench;
}

/** Records the logs, then times analyze with 1 and 2 workers, `runs` times each (median). */
export function analyzeBench(runs: number, workDir: string): AnalyzeBench {
  const logs = Array.from({ length: LOGS }, (_, i) => join(workDir, `analyze-${i}.rrlog`));
  for (const log of logs) execFileSync(process.execPath, [CLI, 'record', '-o', log, ELF], { stdio: 'ignore' });
  const info = JSON.parse(execFileSync(process.execPath, [CLI, 'info', '--json', logs[0]!], { encoding: 'utf8' })) as { instructions: number };
  const rows: AnalyzeRow[] = [];
  for (const jobs of [1, 2]) {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const r = spawnSync(process.execPath, [CLI, 'analyze', '--jobs', String(jobs), ...logs], { encoding: 'utf8' });
      times.push((performance.now() - started) / 1000);
      if (r.status !== 0 || !r.stdout.includes(`${LOGS} logs: ${LOGS} ok`)) throw new Error(`analyze --jobs ${jobs} failed (exit ${r.status}): ${r.stderr || r.stdout}`);
    }
    const seconds = median(times);
    rows.push({ jobs, seconds: round(seconds, 2), logsPerSecond: round(LOGS / seconds, 2) });
    console.log(`analyze: ${LOGS} rtc-loop logs with ${jobs} worker(s): ${seconds.toFixed(2)} s, ${(LOGS / seconds).toFixed(2)} logs/s`);
  }
  const speedup = round(rows[1]!.logsPerSecond / rows[0]!.logsPerSecond, 2);
  console.log(`analyze: 2 workers / 1 worker = ${speedup}×`);
  return { logs: LOGS, instructionsPerLog: info.instructions, rows, speedup, segments: segmentsBench(runs, workDir) };
}

/** Records long-run with stored snapshots, then times `verify --segments` with 1 and 2 threads. */
function segmentsBench(runs: number, workDir: string): SegmentsBench {
  const log = join(workDir, 'segments.rrlog');
  const elf = fileURLToPath(new URL('examples/long-run/long-run.elf', root));
  execFileSync(process.execPath, [CLI, 'record', '--snapshot-every', String(SEGMENT_INSNS), '-o', log, elf], { stdio: 'ignore' });
  const seconds: number[] = [];
  let segments = 0;
  for (const jobs of [1, 2]) {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const r = spawnSync(process.execPath, [CLI, 'verify', '--segments', '--jobs', String(jobs), log], { encoding: 'utf8' });
      times.push((performance.now() - started) / 1000);
      const ok = /: (\d+) segment\(s\) replayed identically/.exec(r.stdout);
      if (r.status !== 0 || ok === null) throw new Error(`verify --segments --jobs ${jobs} failed (exit ${r.status}): ${r.stderr || r.stdout}`);
      segments = Number(ok[1]);
    }
    seconds.push(round(median(times), 2));
    console.log(`analyze: verify --segments of long-run (${segments} segments) with ${jobs} thread(s): ${median(times).toFixed(2)} s`);
  }
  const speedup = round(seconds[0]! / seconds[1]!, 2);
  console.log(`analyze: segments on 2 threads / 1 thread = ${speedup}×`);
  return { segments, seconds: [seconds[0]!, seconds[1]!], speedup };
}
