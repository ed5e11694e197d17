import { setFlagsFromString } from 'node:v8';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseElf } from '../src/machine/elf-loader.js';
import { Machine } from '../src/machine/machine.js';
import { DEFAULT_RAM_BYTES, MemoryMap } from '../src/machine/memory-map.js';
import { SLICE_ICOUNT } from '../src/engine/session.js';

// Same V8 setting as the CLI (PERF-NOTES: OSR makes a long dispatch loop bimodal).
setFlagsFromString('--no-use-osr');

/** One measured run: instructions executed and host seconds. */
interface Sample {
  icount: number;
  seconds: number;
}

const RUNS = Number(process.env.RRVM_BENCH_RUNS ?? 5);
const guestPath = new URL('../../examples/cpu-bench/cpu-bench.elf', import.meta.url);

/** Runs cpu-bench to completion in `run` mode (live ports, no recording) and times it. */
function runOnce(elf: Uint8Array): Sample {
  const machine = new Machine({ ramBytes: DEFAULT_RAM_BYTES, icountShift: 3 }, { clock: () => Date.now() * 1e6 });
  machine.load(parseElf(elf, MemoryMap.RAM, DEFAULT_RAM_BYTES));
  const start = performance.now();
  while (machine.halted === null) {
    machine.run(machine.icount + SLICE_ICOUNT);
    machine.takeConsoleOutput();
  }
  const seconds = (performance.now() - start) / 1000;
  if (machine.halted.kind !== 'pass') throw new Error(`cpu-bench did not pass: ${JSON.stringify(machine.halted)}`);
  return { icount: machine.icount, seconds };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

const elf = readFileSync(guestPath);
const samples: Sample[] = [];
for (let i = 0; i < RUNS; i++) {
  const s = runOnce(elf);
  samples.push(s);
  process.stderr.write(`  run ${i + 1}/${RUNS}: ${s.icount} instructions in ${s.seconds.toFixed(3)} s = ${(s.icount / s.seconds / 1e6).toFixed(1)} MIPS\n`);
}
const mips = median(samples.map((s) => s.icount / s.seconds / 1e6));
const results = {
  guest: 'examples/cpu-bench/cpu-bench.elf',
  node: process.version,
  runs: RUNS,
  run: { instructions: samples[0]!.icount, medianSeconds: median(samples.map((s) => s.seconds)), medianMips: Number(mips.toFixed(1)) },
};
console.log(`cpu-bench run: ${results.run.instructions} instructions, median ${results.run.medianSeconds.toFixed(3)} s, ${results.run.medianMips} MIPS (median of ${RUNS})`);
writeFileSync(new URL('../../bench/results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
