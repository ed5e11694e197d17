// Time travel on a long recording (the bench's second part): record examples/long-run once,
// a snapshot file at the middle, a TimeTravelSession's first pass, seek / reverse-stepi /
// reverse-continue latencies at fixed random points, and what a breakpoint on the hot page costs.
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeSnapshot, encodeSnapshot, LogReader, LogWriter } from '../codecs/index.js';
import type { StopEvent } from '../src/engine/debug-target.js';
import { liveSession } from '../src/engine/live-session.js';
import { replaySession } from '../src/engine/replay-session.js';
import { InputQueue } from '../src/engine/input-queue.js';
import { TimeTravelSession } from '../src/engine/time-travel-session.js';
import { CHECKPOINT_EVERY, config, loadImage, median, recordingHeader, round, seededRandom } from './bench-util.js';
import { elfSymbols, symbolAddress } from './elf-symbols.js';
import type { ScenarioSummary } from './mips-bench.js';

const ELF = 'examples/long-run/long-run.elf';
/** The recording must be at least this long (the requirement). */
const MIN_INSNS = 2e9;
/** Random points for seek / reverse-stepi and for reverse-continue. */
const POINTS = Number(process.env.RRVM_BENCH_TT_POINTS ?? 20);
const SEED = 0x7e57_5eed;
/** Instructions of forward `continue` timed with and without a breakpoint on the hot page. */
const STRETCH = 5e8;
/** Timed pairs of that stretch (interleaved; the ratio is of the medians). */
const STRETCH_PAIRS = 3;

/** Targets of the issue. */
export const TARGETS = { reverseStepMedianMs: 100, reverseStepWorstMs: 1000, breakpointRatio: 1.5, recordOverhead: 0.03 };

interface Latency {
  medianMs: number;
  worstMs: number;
}

/** What the part reports (bench/results.json `timeTravel`). */
export interface TimeTravelSummary {
  guest: string;
  instructions: number;
  record: { seconds: number; mips: number; logBytes: number; events: number };
  snapshotFile: { icount: number; bytes: number; takeMs: number; encodeMs: number; decodeMs: number; decodeRestoreMs: number; sessionBuildMs: number; restoredRunPassed: boolean };
  firstPass: { seconds: number; mips: number; snapshots: number; heldBytes: number; capBytes: number };
  points: number;
  seek: Latency;
  reverseStep: Latency;
  reverseContinue: Latency & { breakpointStops: number; startOfLogStops: number };
  snapshotsAfterSeeks: { count: number; heldBytes: number };
  hotPageBreakpoint: { instructions: number; address: number; hotLoop: number; secondsWithout: number; secondsWith: number; ratio: number };
}

const ms = (from: number): number => performance.now() - from;
const latency = (values: number[]): Latency => ({ medianMs: round(median(values), 2), worstMs: round(Math.max(...values), 2) });
const hex = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

function expectStop(stop: StopEvent | null, reasons: StopEvent['reason'][], what: string): StopEvent {
  if (stop === null || !reasons.includes(stop.reason)) throw new Error(`${what}: unexpected stop ${JSON.stringify(stop)}`);
  return stop;
}

/** A seek inside the recording stops nowhere on the way. */
async function seekTo(tt: TimeTravelSession, icount: number): Promise<void> {
  const stop = await tt.seek(icount);
  if (stop !== null || tt.icount !== icount) throw new Error(`seek(${icount}) stopped at ${tt.icount}: ${JSON.stringify(stop)}`);
}

/** Runs the time-travel measurements; prints a table and returns the summary. */
export async function timeTravelBench(workDir: string): Promise<TimeTravelSummary> {
  const { bytes: elfBytes, image } = loadImage(ELF);
  const symbols = elfSymbols(elfBytes);
  const marker = symbolAddress(symbols, 'checkpoint_marker', ELF);
  const hotLoop = symbolAddress(symbols, 'fnv_pass', ELF);
  const neverCalled = symbolAddress(symbols, 'never_called', ELF);
  if (hotLoop >>> 12 !== neverCalled >>> 12) throw new Error(`${ELF}: never_called (${hex(neverCalled)}) is not on the hot loop's page (${hex(hotLoop)})`);
  const logPath = join(workDir, 'long-run.rrlog');
  const log = (line: string): boolean => process.stderr.write(`  time travel: ${line}\n`);

  // 1. Record once, in this process (as `rrvm record`, default checkpoint interval).
  const header = { ...recordingHeader(ELF), elfSha256: createHash('sha256').update(elfBytes).digest('hex') };
  const serial = new InputQueue();
  serial.close();
  const live = liveSession({
    image,
    config,
    maxInsns: Infinity,
    input: serial,
    interactive: false,
    idle: 'skip',
    record: { writer: LogWriter.open(logPath, header), checkpointEvery: CHECKPOINT_EVERY },
    onConsole: () => {},
  });
  let t = performance.now();
  const { result } = await live.run();
  const recordSeconds = ms(t) / 1000;
  if (result.stop.kind !== 'halt' || result.stop.halt.kind !== 'pass') throw new Error(`long-run did not pass: ${JSON.stringify(result.stop)}`);
  const end = result.icount;
  if (end < MIN_INSNS) throw new Error(`long-run ran only ${end} instructions (at least ${MIN_INSNS} wanted)`);
  const record = { seconds: round(recordSeconds, 3), mips: round(end / recordSeconds / 1e6), logBytes: statSync(logPath).size, events: live.events.count };
  log(`recorded ${end} instructions in ${record.seconds} s`);

  // 2. A snapshot file at the middle, as `rrvm replay --until N --save-snapshot FILE` writes it.
  const mid = Math.floor(end / 2);
  const toMid = replaySession({ image, reader: LogReader.open(logPath), maxInsns: mid, onConsole: () => {} });
  await toMid.run();
  t = performance.now();
  const record1 = toMid.snapshot();
  const takeMs = ms(t);
  t = performance.now();
  const encoded = encodeSnapshot(record1);
  const encodeMs = ms(t);
  const snapPath = join(workDir, 'long-run-mid.rrsnap');
  writeFileSync(snapPath, encoded);
  const fileBytes = readFileSync(snapPath);
  // A freshly built replay's machine is the shape a snapshot is checked against (as replaySession does).
  t = performance.now();
  const template = replaySession({ image, reader: LogReader.open(logPath), maxInsns: Infinity, onConsole: () => {} }).session.machine.saveRecords();
  const buildMs = ms(t);
  t = performance.now();
  decodeSnapshot(fileBytes, template, snapPath);
  const decodeMs = ms(t);
  // As `rrvm replay --from-snapshot FILE`: build the replay, decode, check, restore.
  t = performance.now();
  const fromMid = replaySession({ image, reader: LogReader.open(logPath), maxInsns: Infinity, onConsole: () => {}, from: { bytes: fileBytes, name: snapPath } });
  const decodeRestoreMs = ms(t);
  if (fromMid.session.machine.icount !== mid) throw new Error(`restored snapshot stands at ${fromMid.session.machine.icount}, not ${mid}`);
  const rest = await fromMid.run();
  const restoredRunPassed = rest.stop.kind === 'halt' && rest.stop.halt.kind === 'pass' && rest.icount === end;
  if (!restoredRunPassed) throw new Error(`the replay from the snapshot ended ${JSON.stringify(rest.stop)} at ${rest.icount}`);
  const snapshotFile = { icount: mid, bytes: fileBytes.length, takeMs: round(takeMs, 2), encodeMs: round(encodeMs, 1), decodeMs: round(decodeMs, 1), decodeRestoreMs: round(decodeRestoreMs, 1), sessionBuildMs: round(buildMs, 1), restoredRunPassed };
  log(`snapshot file at ${mid}: ${fileBytes.length} bytes`);

  // 3. A time-travel session: the first forward pass takes the automatic snapshots.
  const tt = new TimeTravelSession({ image, reader: LogReader.open(logPath), onConsole: () => {} });
  t = performance.now();
  expectStop(await tt.resume('continue'), ['end-of-log'], 'first forward pass');
  const passSeconds = ms(t) / 1000;
  if (tt.icount !== end) throw new Error(`first pass ended at ${tt.icount}, not ${end}`);
  const firstPass = { seconds: round(passSeconds, 3), mips: round(end / passSeconds / 1e6), snapshots: tt.snapshots.count, heldBytes: tt.snapshots.heldBytes, capBytes: tt.snapshots.capBytes };
  log(`first pass ${firstPass.seconds} s, ${firstPass.snapshots} snapshots`);

  // 4. seek(t), then reverse-stepi, at random points.
  const random = seededRandom(SEED);
  const point = (): number => 1 + Math.floor(random() * (end - 1));
  const seeks: number[] = [];
  const reverseSteps: number[] = [];
  for (let i = 0; i < POINTS; i++) {
    const p = point();
    t = performance.now();
    const seekStop = await tt.seek(p);
    seeks.push(ms(t));
    if (seekStop !== null || tt.icount !== p) throw new Error(`seek(${p}) stopped at ${tt.icount}: ${JSON.stringify(seekStop)}`);
    t = performance.now();
    expectStop(await tt.resume('reverse-step'), ['step'], `reverse-step from ${p}`);
    reverseSteps.push(ms(t));
    if (tt.icount !== p - 1) throw new Error(`reverse-step from ${p} went to ${tt.icount}`);
  }
  log(`seek + reverse-stepi at ${POINTS} points done`);

  // 5. reverse-continue to the previous checkpoint_marker call, from random points.
  tt.setBreakpoint(marker);
  const reverseContinues: number[] = [];
  let breakpointStops = 0;
  let startOfLogStops = 0;
  for (let i = 0; i < POINTS; i++) {
    const p = point();
    await seekTo(tt, p);
    t = performance.now();
    const stop = expectStop(await tt.resume('reverse-continue'), ['breakpoint', 'start-of-log'], `reverse-continue from ${p}`);
    reverseContinues.push(ms(t));
    if (stop.reason === 'breakpoint') {
      if (stop.pc !== marker || tt.icount >= p) throw new Error(`reverse-continue from ${p} stopped at pc ${hex(stop.pc)}, icount ${tt.icount}`);
      breakpointStops++;
    } else startOfLogStops++;
  }
  tt.removeBreakpoint(marker);
  const snapshotsAfterSeeks = { count: tt.snapshots.count, heldBytes: tt.snapshots.heldBytes };
  log(`reverse-continue from ${POINTS} points done`);

  // 6. Forward continue over the last STRETCH instructions, with and without a breakpoint on
  // an address of the hot loop's 4 KiB page that never executes.
  const from = end - STRETCH;
  const without: number[] = [];
  const withBp: number[] = [];
  for (let i = 0; i < STRETCH_PAIRS; i++) {
    for (const armed of [false, true]) {
      if (armed) tt.setBreakpoint(neverCalled);
      await seekTo(tt, from);
      t = performance.now();
      expectStop(await tt.resume('continue'), ['end-of-log'], `continue from ${from}${armed ? ' with the hot-page breakpoint' : ''}`);
      (armed ? withBp : without).push(ms(t) / 1000);
      if (armed) tt.removeBreakpoint(neverCalled);
    }
  }
  const secondsWithout = median(without);
  const secondsWith = median(withBp);
  const hotPageBreakpoint = { instructions: STRETCH, address: neverCalled, hotLoop, secondsWithout: round(secondsWithout, 3), secondsWith: round(secondsWith, 3), ratio: round(secondsWith / secondsWithout, 3) };

  return {
    guest: ELF,
    instructions: end,
    record,
    snapshotFile,
    firstPass,
    points: POINTS,
    seek: latency(seeks),
    reverseStep: latency(reverseSteps),
    reverseContinue: { ...latency(reverseContinues), breakpointStops, startOfLogStops },
    snapshotsAfterSeeks,
    hotPageBreakpoint,
  };
}

/** The part's table; `cpu` is cpu-bench's summary, when the MIPS part ran. */
export function printTimeTravelTable(s: TimeTravelSummary, cpu: ScenarioSummary | undefined): void {
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const check = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
  const lat = (l: Latency): string => `median ${l.medianMs.toFixed(1)} ms, worst ${l.worstMs.toFixed(1)} ms`;
  const rows: [string, string, string][] = [
    ['record long-run', `${s.instructions} insns in ${s.record.seconds.toFixed(2)} s (${s.record.mips} MIPS), log ${s.record.logBytes} B, ${s.record.events} events`, ''],
    ['snapshot file at the middle', `${s.snapshotFile.bytes} B (${mib(s.snapshotFile.bytes)}) at icount ${s.snapshotFile.icount}`, ''],
    ['  take + encode', `${(s.snapshotFile.takeMs + s.snapshotFile.encodeMs).toFixed(1)} ms (take ${s.snapshotFile.takeMs.toFixed(1)}, encode ${s.snapshotFile.encodeMs.toFixed(1)})`, ''],
    ['  decode + restore', `${s.snapshotFile.decodeRestoreMs.toFixed(1)} ms (decode alone ${s.snapshotFile.decodeMs.toFixed(1)}, a plain replay builds in ${s.snapshotFile.sessionBuildMs.toFixed(1)}); replay from it to the end passes`, ''],
    ['first forward pass', `${s.firstPass.seconds.toFixed(2)} s (${s.firstPass.mips} MIPS), ${s.firstPass.snapshots} snapshots, ${mib(s.firstPass.heldBytes)} held of ${mib(s.firstPass.capBytes)} cap`, ''],
    [`seek (${s.points} random points)`, lat(s.seek), ''],
    ['reverse-stepi after the seek', lat(s.reverseStep), `≤ ${TARGETS.reverseStepMedianMs} ms / ≤ ${TARGETS.reverseStepWorstMs} ms: ${check(s.reverseStep.medianMs <= TARGETS.reverseStepMedianMs && s.reverseStep.worstMs <= TARGETS.reverseStepWorstMs)}`],
    [
      'reverse-continue to checkpoint_marker',
      `${lat(s.reverseContinue)} (${s.reverseContinue.breakpointStops} at the breakpoint, ${s.reverseContinue.startOfLogStops} at the start)`,
      '',
    ],
    ['snapshots after the seeks', `${s.snapshotsAfterSeeks.count}, ${mib(s.snapshotsAfterSeeks.heldBytes)} held`, ''],
    [
      `continue ${s.hotPageBreakpoint.instructions / 1e6} M insns, hot-page bp`,
      `${s.hotPageBreakpoint.secondsWith.toFixed(3)} s vs ${s.hotPageBreakpoint.secondsWithout.toFixed(3)} s without: ${s.hotPageBreakpoint.ratio.toFixed(2)}× (bp ${hex(s.hotPageBreakpoint.address)}, loop ${hex(s.hotPageBreakpoint.hotLoop)})`,
      `≤ ${TARGETS.breakpointRatio}×: ${check(s.hotPageBreakpoint.ratio <= TARGETS.breakpointRatio)}`,
    ],
  ];
  if (cpu !== undefined) {
    const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
    const best = cpu.bestMips.run / cpu.bestMips.record - 1;
    const digests = cpu.checkpointDigests;
    rows.push([
      'record overhead (cpu-bench)',
      `${pct(cpu.recordOverhead)} of medians, ${pct(best)} best vs best` +
        (digests === undefined ? '' : `; the digests alone: ${(digests.shareOfRecord * 100).toFixed(2)}% (${digests.checkpoints} × ${digests.msEach.toFixed(2)} ms)`),
      `≤ ${TARGETS.recordOverhead * 100}%: ${check(cpu.recordOverhead <= TARGETS.recordOverhead)}`,
    ]);
  }
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`\ntime travel (${s.guest})`);
  console.log(`${'measure'.padEnd(w0)} | ${'result'.padEnd(w1)} | target`);
  console.log(`${'-'.repeat(w0)}-+-${'-'.repeat(w1)}-+-------`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)} | ${b.padEnd(w1)} | ${c}`);
}
