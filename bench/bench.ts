// `npm run bench`: run/record/replay MIPS of three guests (bench/mips-bench.ts), time travel
// on a 2.2·10^9-instruction recording (bench/time-travel-bench.ts), disk-test throughput
// (bench/disk-bench.ts), NET_RX throughput (bench/net-bench.ts), key presses and audio
// (bench/input-audio-bench.ts), replay throughput and peak RSS against log size
// (bench/log-size-bench.ts), the cost of execution taps and of Sv32 paging (bench/taps-bench.ts),
// `rrvm analyze` logs per second with 1 and 2 workers (bench/analyze-bench.ts), then rrvm next
// to QEMU -icount on the same ELFs (bench/qemu-bench.ts, when QEMU is installed). Results go to
// bench/results.json.
// RRVM_BENCH_ONLY=mips, =time-travel, =disk, =net, =input, =audio, =log-size, =taps, =analyze or =qemu runs one
// part (the other parts' results already in bench/results.json are kept); RRVM_BENCH_RUNS sets
// the runs of the MIPS part (default 5) and of the QEMU part (default 10: its stability target
// is about the slowest of 10 runs); the disk, net and taps parts run at most 3 times.
import { setFlagsFromString } from 'node:v8';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './bench-util.js';
import { mipsBench, type ScenarioSummary } from './mips-bench.js';
import { printTimeTravelTable, timeTravelBench } from './time-travel-bench.js';
import { diskBench } from './disk-bench.js';
import { netBench } from './net-bench.js';
import { qemuBench } from './qemu-bench.js';
import { audioBench, inputBench } from './input-audio-bench.js';
import { logSizeBench } from './log-size-bench.js';
import { tapsBench } from './taps-bench.js';
import { analyzeBench } from './analyze-bench.js';

// Same V8 setting as the CLI (PERF-NOTES: OSR makes a long dispatch loop bimodal).
setFlagsFromString('--no-use-osr');

const PARTS = ['mips', 'time-travel', 'disk', 'net', 'input', 'audio', 'log-size', 'taps', 'analyze', 'qemu'] as const;
const only = process.env.RRVM_BENCH_ONLY;
if (only !== undefined && only !== '' && !(PARTS as readonly string[]).includes(only)) {
  throw new Error(`RRVM_BENCH_ONLY=${only}: expected one of ${PARTS.join(', ')}`);
}
const runs = (part: (typeof PARTS)[number]): boolean => only === undefined || only === '' || only === part;
const RUNS = Number(process.env.RRVM_BENCH_RUNS ?? 5);
const QEMU_RUNS = Number(process.env.RRVM_BENCH_RUNS ?? 10);
const resultsUrl = new URL('bench/results.json', root);
const workDir = mkdtempSync(join(tmpdir(), 'rrvm-bench-'));

// A partial run keeps the other part's results from the previous file.
const previous = only && existsSync(resultsUrl) ? (JSON.parse(readFileSync(resultsUrl, 'utf8')) as Record<string, unknown>) : {};
const results: Record<string, unknown> = { ...previous, node: process.version, date: new Date().toISOString() };
const started = performance.now();
try {
  if (runs('mips')) {
    results.runs = RUNS;
    results.scenarios = await mipsBench(RUNS, workDir);
  }
  if (runs('time-travel')) {
    const timeTravel = await timeTravelBench(workDir);
    results.timeTravel = timeTravel;
    const scenarios = results.scenarios as Record<string, ScenarioSummary> | undefined;
    printTimeTravelTable(timeTravel, runs('mips') ? scenarios?.['cpu-bench'] : undefined);
  }
  if (runs('disk')) results.disk = await diskBench(Math.min(RUNS, 3), workDir);
  if (runs('net')) results.net = await netBench(Math.min(RUNS, 3), workDir);
  if (runs('input')) results.input = await inputBench(workDir);
  if (runs('audio')) results.audio = await audioBench(workDir);
  if (runs('log-size')) results.logSize = logSizeBench(workDir);
  if (runs('taps')) results.taps = await tapsBench(Math.min(RUNS, 3));
  if (runs('analyze')) results.analyze = analyzeBench(Math.min(RUNS, 3), workDir);
  if (runs('qemu')) results.qemu = await qemuBench(QEMU_RUNS, workDir);
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
writeFileSync(resultsUrl, JSON.stringify(results, null, 2) + '\n');
console.log(`wrote bench/results.json (${((performance.now() - started) / 1000).toFixed(0)} s)`);
