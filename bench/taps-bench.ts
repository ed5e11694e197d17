// What execution taps cost, and what paging costs (the bench's `taps` part): cpu-bench run
// bare, with execution streams attached but nobody subscribed, with a pc profile, with the
// block stream, with an insns$ subscription and with the insn-trace tap; and cpu-bench-sv32
// (the same workload in S-mode under Sv32) against bare cpu-bench. Modes that report every
// instruction or block are timed over the first instructions only (MIPS is a rate).
import { performance } from 'node:perf_hooks';
import { EMPTY } from 'rxjs';
import { liveSession } from '../src/engine/live-session.js';
import { InputQueue } from '../src/engine/input-queue.js';
import type { ElfImage } from '../src/machine/elf-image.js';
import { ExecStreams } from '../streams/exec-streams.js';
import { insnTrace } from '../streams/taps/insn-trace.js';
import { profile } from '../streams/taps/profile.js';
import { config, loadImage, median, mips, round } from './bench-util.js';

/** How a run is observed. */
type Observation = 'none' | 'idle-streams' | 'profile' | 'blocks' | 'insns' | 'insn-trace';

/** What the part reports (bench/results.json `taps`). */
export interface TapsSummary {
  /** Median MIPS of cpu-bench per observation, and the instructions each run executed. */
  cpuBench: Record<Observation, { mips: number; instructions: number }>;
  /** Median MIPS of cpu-bench-sv32 and its speed as a fraction of bare cpu-bench's. */
  paged: { mips: number; bareMips: number; ratio: number; instructions: number };
}

/** Instructions timed in the modes that report every block or instruction (far fewer than cpu-bench's 400 million), and with the insn-trace tap (bound by formatting text). */
const OBSERVED_INSNS = 40_000_000;
const TRACED_TEXT_INSNS = 4_000_000;

/** Runs `image` (up to `maxInsns`) observed as `observation`; returns instructions and seconds. */
async function timedRun(image: ElfImage, observation: Observation, maxInsns: number, elf: Uint8Array): Promise<{ icount: number; seconds: number }> {
  const serial = new InputQueue();
  serial.close();
  const exec = observation === 'none' ? undefined : new ExecStreams();
  if (exec !== undefined) {
    const session = { mode: 'run' as const, events$: EMPTY, console$: EMPTY, netTx$: EMPTY, exec, elf };
    if (observation === 'profile') profile({ ...session, options: { file: '/dev/null' } });
    if (observation === 'blocks') exec.blocks$.subscribe();
    if (observation === 'insns') exec.insns$.subscribe();
    if (observation === 'insn-trace') insnTrace({ ...session, options: { file: '/dev/null' } });
  }
  const session = liveSession({
    image,
    config,
    maxInsns,
    input: serial,
    interactive: false,
    idle: 'skip',
    record: null,
    onConsole: () => {},
    ...(exec === undefined ? {} : { exec }),
  });
  const start = performance.now();
  const { result } = await session.run();
  const seconds = (performance.now() - start) / 1000;
  const stop = result.stop;
  if (stop.kind !== 'limit' && !(stop.kind === 'halt' && stop.halt.kind === 'pass')) throw new Error(`cpu-bench (${observation}) stopped with ${JSON.stringify(stop)}`);
  return { icount: result.icount, seconds };
}

/** Instructions and MIPS of a timed run. */
function sampleOf(r: { icount: number; seconds: number }): { icount: number; mips: number } {
  return { icount: r.icount, mips: mips(r) };
}

/** Runs each observation `runs` times, interleaved; prints a table; returns the medians. */
export async function tapsBench(runs: number): Promise<TapsSummary> {
  const bare = loadImage('examples/cpu-bench/cpu-bench.elf');
  const paged = loadImage('examples/cpu-bench-sv32/cpu-bench-sv32.elf');
  const observations: [Observation, number][] = [
    ['none', Infinity],
    ['idle-streams', Infinity],
    ['profile', Infinity],
    ['blocks', OBSERVED_INSNS],
    ['insns', OBSERVED_INSNS],
    ['insn-trace', TRACED_TEXT_INSNS],
  ];
  const samples = new Map<Observation, { icount: number; mips: number }[]>(observations.map(([o]) => [o, []]));
  const pagedSamples: { icount: number; mips: number }[] = [];
  for (let i = 0; i < runs; i++) {
    // Unmeasured: after the stepping and paged runs, and at the start, V8 needs a bare run to
    // settle on the bare path again (measured: the first bare run after them was 30–50% slower).
    // The bare and paged runs compared are measured next to each other (the machine's speed
    // drifts from minute to minute), each after an unmeasured run of its own.
    await timedRun(bare.image, 'none', Infinity, bare.bytes);
    samples.get('none')!.push(sampleOf(await timedRun(bare.image, 'none', Infinity, bare.bytes)));
    await timedRun(paged.image, 'none', Infinity, paged.bytes);
    pagedSamples.push(sampleOf(await timedRun(paged.image, 'none', Infinity, paged.bytes)));
    await timedRun(bare.image, 'none', Infinity, bare.bytes);
    for (const [observation, maxInsns] of observations) {
      if (observation !== 'none') samples.get(observation)!.push(sampleOf(await timedRun(bare.image, observation, maxInsns, bare.bytes)));
    }
    const line = observations.map(([o]) => `${o} ${samples.get(o)![i]!.mips.toFixed(1)}`).join(', ');
    process.stderr.write(`  taps ${i + 1}/${runs}: cpu-bench MIPS ${line}; cpu-bench-sv32 ${pagedSamples[i]!.mips.toFixed(1)}\n`);
  }
  const cpuBench = Object.fromEntries(
    observations.map(([o]) => {
      const s = samples.get(o)!;
      return [o, { mips: round(median(s.map((x) => x.mips))), instructions: s[0]!.icount }];
    }),
  ) as TapsSummary['cpuBench'];
  const pagedMips = median(pagedSamples.map((x) => x.mips));
  const summary: TapsSummary = {
    cpuBench,
    paged: { mips: round(pagedMips), bareMips: cpuBench.none.mips, ratio: round(pagedMips / cpuBench.none.mips, 3), instructions: pagedSamples[0]!.icount },
  };
  const base = cpuBench.none.mips;
  console.log(
    `taps       cpu-bench MIPS: ` +
      observations.map(([o]) => `${o} ${cpuBench[o].mips} (${((cpuBench[o].mips / base) * 100).toFixed(1)}%)`).join(', ') +
      ` | cpu-bench-sv32 (S-mode, Sv32) ${summary.paged.mips} MIPS = ${summary.paged.ratio}× bare`,
  );
  return summary;
}
