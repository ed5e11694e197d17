import { setFlagsFromString } from 'node:v8';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LogReader, LogWriter } from '../codecs/index.js';
import { liveSession } from '../src/engine/live-session.js';
import { replaySession } from '../src/engine/replay-session.js';
import { SerialQueue } from '../src/engine/serial-queue.js';
import { parseElf } from '../src/machine/elf-loader.js';
import type { ElfImage } from '../src/machine/elf-image.js';
import { DEFAULT_RAM_BYTES, MemoryMap } from '../src/machine/memory-map.js';

// Same V8 setting as the CLI (PERF-NOTES: OSR makes a long dispatch loop bimodal).
setFlagsFromString('--no-use-osr');

type Mode = 'run' | 'record' | 'replay';

/** One measured session. */
interface Sample {
  icount: number;
  seconds: number;
  events: number;
  logBytes: number;
}

/** A guest and the serial input it is fed. */
interface Scenario {
  name: string;
  elf: string;
  input: Uint8Array;
  runs: number;
}

const RUNS = Number(process.env.RRVM_BENCH_RUNS ?? 5);
const root = new URL('../../', import.meta.url);
const config = { ramBytes: DEFAULT_RAM_BYTES, icountShift: 3 };
const workDir = mkdtempSync(join(tmpdir(), 'rrvm-bench-'));

/** 100 000 bytes of printable text for echo, then the 'q' that ends it. */
function echoFlood(): Uint8Array {
  const bytes = new Uint8Array(100_001);
  for (let i = 0; i < 100_000; i++) bytes[i] = i % 64 === 63 ? 0x0a : 0x61 + (i % 16); // a..p: no q before the end
  bytes[100_000] = 0x71;
  return bytes;
}

const SCENARIOS: Scenario[] = [
  { name: 'cpu-bench', elf: 'examples/cpu-bench/cpu-bench.elf', input: new Uint8Array(0), runs: RUNS },
  { name: 'rtc-loop', elf: 'examples/rtc-loop/rtc-loop.elf', input: new Uint8Array(0), runs: RUNS },
  { name: 'echo-100k', elf: 'examples/echo/echo.elf', input: echoFlood(), runs: Math.max(1, Math.ceil(RUNS / 2)) },
];

/** Runs (or records) a guest to completion in this process and times the session. */
async function live(image: ElfImage, scenario: Scenario, logPath: string | null): Promise<Sample> {
  const serial = new SerialQueue();
  serial.push(scenario.input);
  serial.close();
  const writer = logPath === null ? null : LogWriter.open(logPath, header(scenario));
  const session = liveSession({
    image,
    config,
    maxInsns: Infinity,
    serial,
    interactive: false,
    idle: 'skip',
    record: writer === null ? null : { writer, checkpointEvery: 2 ** 24 },
    onConsole: () => {},
  });
  const start = performance.now();
  const { result } = await session.run();
  const seconds = (performance.now() - start) / 1000;
  if (result.stop.kind !== 'halt' || result.stop.halt.kind !== 'pass') throw new Error(`${scenario.name} did not pass: ${JSON.stringify(result.stop)}`);
  return { icount: result.icount, seconds, events: session.events.count, logBytes: logPath === null ? 0 : statSync(logPath).size };
}

/** Replays a log in this process and times the session. */
async function replay(image: ElfImage, logPath: string): Promise<Sample> {
  const reader = LogReader.open(logPath);
  const session = replaySession({ image, reader, maxInsns: Infinity, onConsole: () => {} });
  const start = performance.now();
  const result = await session.run();
  const seconds = (performance.now() - start) / 1000;
  return { icount: result.icount, seconds, events: session.events.count, logBytes: statSync(logPath).size };
}

function header(scenario: Scenario) {
  return {
    rrvmVersion: 'bench',
    createdAt: new Date().toISOString(),
    compression: 'none' as const,
    checkpointEvery: 2 ** 24,
    ramBytes: config.ramBytes,
    icountShift: config.icountShift,
    elfSha256: '0'.repeat(64),
    elfPath: scenario.elf,
    disks: [],
    devices: [],
  };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mips = (s: Sample): number => s.icount / s.seconds / 1e6;

const results: Record<string, unknown> = { node: process.version, runs: RUNS, scenarios: {} };
for (const scenario of SCENARIOS) {
  const image = parseElf(readFileSync(new URL(scenario.elf, root)), MemoryMap.RAM, config.ramBytes);
  const samples: Record<Mode, Sample[]> = { run: [], record: [], replay: [] };
  const logPath = join(workDir, `${scenario.name}.rrlog`);
  // Interleaved, so drift in machine load hits every mode alike.
  for (let i = 0; i < scenario.runs; i++) {
    samples.run.push(await live(image, scenario, null));
    samples.record.push(await live(image, scenario, logPath));
    samples.replay.push(await replay(image, logPath));
    process.stderr.write(
      `  ${scenario.name} ${i + 1}/${scenario.runs}: run ${mips(samples.run[i]!).toFixed(1)}, record ${mips(samples.record[i]!).toFixed(1)}, replay ${mips(samples.replay[i]!).toFixed(1)} MIPS\n`,
    );
  }
  const m = { run: median(samples.run.map(mips)), record: median(samples.record.map(mips)), replay: median(samples.replay.map(mips)) };
  const rec = samples.record[0]!;
  const recordSeconds = median(samples.record.map((s) => s.seconds));
  const best = { run: Math.max(...samples.run.map(mips)), record: Math.max(...samples.record.map(mips)), replay: Math.max(...samples.replay.map(mips)) };
  const summary = {
    instructions: rec.icount,
    mips: { run: round(m.run), record: round(m.record), replay: round(m.replay) },
    // Best run of each mode: V8 makes single runs bimodal, so medians of few runs are noisy.
    bestMips: { run: round(best.run), record: round(best.record), replay: round(best.replay) },
    recordOverhead: round(m.run / m.record - 1, 3),
    replaySpeedVsRun: round(m.replay / m.run, 3),
    events: rec.events,
    eventsPerSecondRecorded: round(rec.events / recordSeconds, 0),
    logBytes: rec.logBytes,
    logBytesPerEvent: round(rec.logBytes / rec.events, 2),
    logBytesPerSecond: round(rec.logBytes / recordSeconds, 0),
  };
  (results.scenarios as Record<string, unknown>)[scenario.name] = summary;
  console.log(
    `${scenario.name.padEnd(10)} ${String(rec.icount).padStart(10)} insns | MIPS run ${summary.mips.run}, record ${summary.mips.record}, replay ${summary.mips.replay}` +
      ` | record overhead ${(summary.recordOverhead * 100).toFixed(1)}%, replay at ${(summary.replaySpeedVsRun * 100).toFixed(1)}% of run` +
      ` | ${summary.events} events, ${summary.logBytesPerEvent} B/event, ${summary.eventsPerSecondRecorded} events/s, ${summary.logBytesPerSecond} log B/s` +
      ` | best run/record/replay ${summary.bestMips.run}/${summary.bestMips.record}/${summary.bestMips.replay} MIPS`,
  );
}
rmSync(workDir, { recursive: true, force: true });
writeFileSync(new URL('bench/results.json', root), JSON.stringify(results, null, 2) + '\n');
console.log('wrote bench/results.json');

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
