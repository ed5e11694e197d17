// Run, record and replay MIPS of three guests, interleaved, medians (the bench's first part).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LogReader, LogWriter } from '../codecs/index.js';
import { checkpointDigest } from '../src/engine/checkpoint-digest.js';
import { liveSession, type LiveSession } from '../src/engine/live-session.js';
import { replaySession } from '../src/engine/replay-session.js';
import { serialFamily } from '../src/engine/families/serial.js';
import { InputQueue } from '../src/engine/input-queue.js';
import type { ElfImage } from '../src/machine/elf-image.js';
import { CHECKPOINT_EVERY, config, loadImage, median, mips, recordingHeader, round } from './bench-util.js';

type Mode = 'run' | 'record' | 'replay';

/** One measured session. */
export interface Sample {
  icount: number;
  seconds: number;
  /** CPU time of this process during the session (every thread: V8's GC helpers too). */
  cpuSeconds: number;
  events: number;
  logBytes: number;
}

/** A guest and the serial input it is fed. */
export interface Scenario {
  name: string;
  elf: string;
  input: Uint8Array;
  runs: number;
}

/** What the part reports for one guest (bench/results.json `scenarios.<name>`). */
export interface ScenarioSummary {
  instructions: number;
  mips: Record<Mode, number>;
  /** Median instructions per CPU second (see cpuMips): the figure to compare modes by on a loaded machine. */
  cpuMips: Record<Mode, number>;
  bestMips: Record<Mode, number>;
  recordOverhead: number;
  replaySpeedVsRun: number;
  /** replaySpeedVsRun in CPU time. */
  replayCpuSpeedVsRun: number;
  events: number;
  eventsPerSecondRecorded: number;
  logBytes: number;
  logBytesPerEvent: number;
  logBytesPerSecond: number;
  /** cpu-bench only: what the CHECKPOINT digests cost, measured directly (see checkpointCost). */
  checkpointDigests?: CheckpointCost;
}

/** The CHECKPOINT digests' share of a recording, timed outside the noisy whole-run comparison. */
export interface CheckpointCost {
  checkpoints: number;
  /** Pages the guest wrote at all: each digest below rehashes every one of them (an upper bound). */
  pagesRehashed: number;
  msEach: number;
  /** checkpoints × msEach ÷ the median record time. */
  shareOfRecord: number;
}

/** 100 000 bytes of printable text for echo, then the 'q' that ends it. */
function echoFlood(): Uint8Array {
  const bytes = new Uint8Array(100_001);
  for (let i = 0; i < 100_000; i++) bytes[i] = i % 64 === 63 ? 0x0a : 0x61 + (i % 16); // a..p: no q before the end
  bytes[100_000] = 0x71;
  return bytes;
}

/** Runs (or records) a guest to completion in this process and times the session. */
export async function live(image: ElfImage, scenario: Scenario, logPath: string | null, keep?: (session: LiveSession) => void): Promise<Sample> {
  const serial = new InputQueue();
  serial.push(serialFamily.capture(scenario.input));
  serial.close();
  const writer = logPath === null ? null : LogWriter.open(logPath, recordingHeader(scenario.elf));
  const session = liveSession({
    image,
    config,
    maxInsns: Infinity,
    input: serial,
    interactive: false,
    idle: 'skip',
    record: writer === null ? null : { writer, checkpointEvery: CHECKPOINT_EVERY },
    onConsole: () => {},
  });
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const { result } = await session.run();
  const cpuSeconds = cpuSecondsSince(cpuStart);
  const seconds = (performance.now() - start) / 1000;
  if (result.stop.kind !== 'halt' || result.stop.halt.kind !== 'pass') throw new Error(`${scenario.name} did not pass: ${JSON.stringify(result.stop)}`);
  keep?.(session);
  return { icount: result.icount, seconds, cpuSeconds, events: session.events.count, logBytes: logPath === null ? 0 : statSync(logPath).size };
}

/** Replays a log in this process and times the session. */
async function replay(image: ElfImage, logPath: string): Promise<Sample> {
  const reader = LogReader.open(logPath);
  const session = replaySession({ image, reader, maxInsns: Infinity, onConsole: () => {} });
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const result = await session.run();
  const cpuSeconds = cpuSecondsSince(cpuStart);
  const seconds = (performance.now() - start) / 1000;
  return { icount: result.icount, seconds, cpuSeconds, events: session.events.count, logBytes: statSync(logPath).size };
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** Millions of guest instructions per second of a sample. */

/**
 * Millions of guest instructions per CPU second: on a machine shared with other work, wall time
 * also counts the time other processes held the core, and swings far more than this.
 */
const cpuMips = (s: Sample): number => s.icount / s.cpuSeconds / 1e6;

/**
 * Times checkpointDigest on a finished recording's machine with every page the guest ever
 * wrote marked dirty again (more than any one checkpoint interval rehashes), so the digests'
 * share of a recording is known without comparing whole runs, which V8 makes bimodal.
 */
function checkpointCost(session: LiveSession, checkpoints: number, recordSeconds: number): CheckpointCost {
  const machine = session.session.machine;
  const ram = machine.ram;
  const touched: number[] = [];
  for (let p = 0; p < ram.pages; p++) if (ram.pageEpoch[p] !== 0) touched.push(p);
  const times: number[] = [];
  for (let i = 0; i < 60; i++) {
    for (const p of touched) ram.markPage(p);
    const start = performance.now();
    checkpointDigest(machine, session.session.output);
    times.push(performance.now() - start);
  }
  const msEach = median(times.slice(10));
  return { checkpoints, pagesRehashed: touched.length, msEach: round(msEach, 3), shareOfRecord: round((checkpoints * msEach) / 1000 / recordSeconds, 4) };
}

/** Runs, records and replays each guest `runs` times, interleaved; prints one line per guest. */
export async function mipsBench(runs: number, workDir: string): Promise<Record<string, ScenarioSummary>> {
  const scenarios: Scenario[] = [
    { name: 'cpu-bench', elf: 'examples/cpu-bench/cpu-bench.elf', input: new Uint8Array(0), runs },
    { name: 'rtc-loop', elf: 'examples/rtc-loop/rtc-loop.elf', input: new Uint8Array(0), runs },
    { name: 'echo-100k', elf: 'examples/echo/echo.elf', input: echoFlood(), runs: Math.max(1, Math.ceil(runs / 2)) },
  ];
  const out: Record<string, ScenarioSummary> = {};
  for (const scenario of scenarios) {
    const { image } = loadImage(scenario.elf);
    const samples: Record<Mode, Sample[]> = { run: [], record: [], replay: [] };
    const logPath = join(workDir, `${scenario.name}.rrlog`);
    let recorded: LiveSession | undefined;
    // Interleaved, so drift in machine load hits every mode alike.
    for (let i = 0; i < scenario.runs; i++) {
      samples.run.push(await live(image, scenario, null));
      samples.record.push(await live(image, scenario, logPath, (session) => (recorded = session)));
      samples.replay.push(await replay(image, logPath));
      process.stderr.write(
        `  ${scenario.name} ${i + 1}/${scenario.runs}: run ${mips(samples.run[i]!).toFixed(1)}, record ${mips(samples.record[i]!).toFixed(1)}, replay ${mips(samples.replay[i]!).toFixed(1)} MIPS` +
          ` (per CPU second ${cpuMips(samples.run[i]!).toFixed(1)}, ${cpuMips(samples.record[i]!).toFixed(1)}, ${cpuMips(samples.replay[i]!).toFixed(1)})\n`,
      );
    }
    const m = { run: median(samples.run.map(mips)), record: median(samples.record.map(mips)), replay: median(samples.replay.map(mips)) };
    const cpu = { run: median(samples.run.map(cpuMips)), record: median(samples.record.map(cpuMips)), replay: median(samples.replay.map(cpuMips)) };
    const rec = samples.record[0]!;
    const recordSeconds = median(samples.record.map((s) => s.seconds));
    const best = { run: Math.max(...samples.run.map(mips)), record: Math.max(...samples.record.map(mips)), replay: Math.max(...samples.replay.map(mips)) };
    const summary: ScenarioSummary = {
      instructions: rec.icount,
      mips: { run: round(m.run), record: round(m.record), replay: round(m.replay) },
      cpuMips: { run: round(cpu.run), record: round(cpu.record), replay: round(cpu.replay) },
      // Best run of each mode: V8 makes single runs bimodal, so medians of few runs are noisy.
      bestMips: { run: round(best.run), record: round(best.record), replay: round(best.replay) },
      recordOverhead: round(m.run / m.record - 1, 3),
      replaySpeedVsRun: round(m.replay / m.run, 3),
      replayCpuSpeedVsRun: round(cpu.replay / cpu.run, 3),
      events: rec.events,
      eventsPerSecondRecorded: round(rec.events / recordSeconds, 0),
      logBytes: rec.logBytes,
      logBytesPerEvent: round(rec.logBytes / rec.events, 2),
      logBytesPerSecond: round(rec.logBytes / recordSeconds, 0),
    };
    if (scenario.name === 'cpu-bench' && recorded !== undefined) {
      summary.checkpointDigests = checkpointCost(recorded, Math.floor(rec.icount / CHECKPOINT_EVERY), recordSeconds);
    }
    out[scenario.name] = summary;
    const digests = summary.checkpointDigests;
    console.log(
      `${scenario.name.padEnd(10)} ${String(rec.icount).padStart(10)} insns | MIPS run ${summary.mips.run}, record ${summary.mips.record}, replay ${summary.mips.replay}` +
        ` | record overhead ${(summary.recordOverhead * 100).toFixed(1)}%, replay at ${(summary.replaySpeedVsRun * 100).toFixed(1)}% of run` +
        ` | per CPU second run ${summary.cpuMips.run}, record ${summary.cpuMips.record}, replay ${summary.cpuMips.replay} (replay at ${(summary.replayCpuSpeedVsRun * 100).toFixed(1)}% of run)` +
        ` | ${summary.events} events, ${summary.logBytesPerEvent} B/event, ${summary.eventsPerSecondRecorded} events/s, ${summary.logBytesPerSecond} log B/s` +
        ` | best run/record/replay ${summary.bestMips.run}/${summary.bestMips.record}/${summary.bestMips.replay} MIPS` +
        (digests === undefined
          ? ''
          : ` | CHECKPOINT digests ${digests.checkpoints} × ${digests.msEach} ms (${digests.pagesRehashed} pages rehashed) = ${(digests.shareOfRecord * 100).toFixed(2)}% of the record time`),
    );
  }
  return out;
}
