// rrvm next to QEMU (the bench's qemu part): the same ELFs on `qemu-system-riscv32 -M virt
// -icount shift=3` (the mode QEMU's record/replay needs) and in rrvm, interleaved in one run.
// Both execute the same instructions, so the time ratio is the speed ratio. QEMU is timed as
// a whole process minus its start-up (the median time of the `hello` guest); rrvm is timed
// inside the process (the session only), so Node's start-up counts for neither.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadImage, median, mips, root, round } from './bench-util.js';
import { live, type Scenario } from './mips-bench.js';

const QEMU = 'qemu-system-riscv32';

/** One workload compared: which rrvm mode runs it, and the ratio measured. */
export interface QemuComparison {
  instructions: number;
  rrvmMode: 'run' | 'record';
  rrvmSeconds: number;
  rrvmMips: number;
  /** QEMU's median wall time minus its start-up. */
  qemuSeconds: number;
  qemuMips: number;
  /** rrvm speed ÷ QEMU speed (QEMU time ÷ rrvm time). */
  ratio: number;
  /** Slowest rrvm run ÷ median rrvm run, in time: how stable single runs are. */
  rrvmSlowestVsMedian: number;
}

/**
 * cpu-bench recorded by a fresh `rrvm record` process per run, as a user runs it: V8 compiles
 * rrvm itself and every region anew. Start-ups are subtracted on both sides (rrvm's is the
 * median wall time of `rrvm run` on the `hello` guest, as QEMU's is of QEMU on it).
 */
export interface FreshProcessComparison {
  runs: number;
  rrvmStartupSeconds: number;
  rrvmSeconds: number;
  rrvmMips: number;
  qemuMips: number;
  ratio: number;
  rrvmSlowestVsMedian: number;
}

/** What the part reports (bench/results.json `qemu`; null when QEMU is not installed). */
export interface QemuSummary {
  qemuStartupSeconds: number;
  workloads: Record<string, QemuComparison>;
  freshProcess: FreshProcessComparison;
}

/** The CLI as `npm run build` leaves it. */
const CLI = fileURLToPath(new URL('dist/src/cli/main.js', root));
/** Fresh-process runs of cpu-bench (each about a second). */
const FRESH_RUNS = 5;

/** Wall seconds of one process `argv` run to completion (its console goes to a file: QEMU drops bytes on slow pipes). */
function processSeconds(argv: string[], scratch: string): number {
  const start = performance.now();
  const r = spawnSync('sh', ['-c', 'exec "$@" > "$0"', join(scratch, 'console.txt'), ...argv], { stdio: 'ignore', timeout: 600_000 });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (status ${r.status})`);
  return seconds;
}

/** Wall seconds of one `rrvm` process with `args`. */
function rrvmSeconds(args: string[], scratch: string): number {
  return processSeconds([process.execPath, CLI, ...args], scratch);
}

/** cpu-bench in a fresh `rrvm record` process per run against QEMU's median; prints one line. */
function freshProcessComparison(cpuBench: QemuComparison, scratch: string): FreshProcessComparison {
  const hello = fileURLToPath(new URL('examples/hello/hello.elf', root));
  const elf = fileURLToPath(new URL('examples/cpu-bench/cpu-bench.elf', root));
  const startup = median(Array.from({ length: FRESH_RUNS }, () => rrvmSeconds(['run', hello], scratch)));
  const times = Array.from({ length: FRESH_RUNS }, () => rrvmSeconds(['record', '-o', join(scratch, 'fresh.rrlog'), elf], scratch) - startup);
  const rrvmMedian = median(times);
  const c: FreshProcessComparison = {
    runs: FRESH_RUNS,
    rrvmStartupSeconds: round(startup, 3),
    rrvmSeconds: round(rrvmMedian, 3),
    rrvmMips: round(cpuBench.instructions / rrvmMedian / 1e6),
    qemuMips: cpuBench.qemuMips,
    ratio: round(cpuBench.qemuSeconds / rrvmMedian, 2),
    rrvmSlowestVsMedian: round(Math.max(...times) / rrvmMedian, 2),
  };
  console.log(
    `cpu-bench, a fresh \`rrvm record\` process per run (start-up ${c.rrvmStartupSeconds} s subtracted) | rrvm ${c.rrvmMips} MIPS, QEMU -icount ${c.qemuMips} MIPS | rrvm/QEMU ${c.ratio}× | slowest ${c.rrvmSlowestVsMedian}× the median`,
  );
  return c;
}

const WORKLOADS: { name: string; elf: string; mode: 'run' | 'record' }[] = [
  { name: 'cpu-bench', elf: 'examples/cpu-bench/cpu-bench.elf', mode: 'record' },
  { name: 'long-run', elf: 'examples/long-run/long-run.elf', mode: 'run' },
  { name: 'mmio-poll', elf: 'examples/mmio-poll/mmio-poll.elf', mode: 'run' },
];

/** Wall seconds of one QEMU run of `elf` to completion. */
function qemuSeconds(elf: string, scratch: string): number {
  return processSeconds([QEMU, '-M', 'virt', '-bios', 'none', '-nographic', '-icount', 'shift=3', '-kernel', fileURLToPath(new URL(elf, root))], scratch);
}

/** True when QEMU is on PATH. */
function haveQemu(): boolean {
  return spawnSync(QEMU, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Times each workload `runs` times on QEMU and in rrvm, interleaved; prints one line each. Null without QEMU. */
export async function qemuBench(runs: number, workDir: string): Promise<QemuSummary | null> {
  if (!haveQemu()) {
    console.log(`qemu: ${QEMU} is not installed; the rrvm/QEMU ratios are not measured`);
    return null;
  }
  const scratch = mkdtempSync(join(workDir, 'qemu-'));
  try {
    const startup = median(Array.from({ length: 5 }, () => qemuSeconds('examples/hello/hello.elf', scratch)));
    const workloads: Record<string, QemuComparison> = {};
    for (const w of WORKLOADS) {
      const { image } = loadImage(w.elf);
      const scenario: Scenario = { name: w.name, elf: w.elf, input: new Uint8Array(0), runs };
      const logPath = w.mode === 'record' ? join(scratch, `${w.name}.rrlog`) : null;
      const rrvm: number[] = [];
      const qemu: number[] = [];
      // One unmeasured run first, printed: the other bench parts left V8 with feedback from other
      // workloads (the first runs after the taps part's instrumented and paged runs were 30-50%
      // slower). A fresh process per run is measured apart (freshProcessComparison).
      const settling = await live(image, scenario, logPath);
      process.stderr.write(`  ${w.name} settling run (not counted): rrvm ${w.mode} ${mips(settling).toFixed(0)} MIPS\n`);
      let icount = 0;
      for (let i = 0; i < runs; i++) {
        const sample = await live(image, scenario, logPath);
        icount = sample.icount;
        rrvm.push(sample.seconds);
        qemu.push(qemuSeconds(w.elf, scratch) - startup);
        process.stderr.write(`  ${w.name} ${i + 1}/${runs}: rrvm ${w.mode} ${mips(sample).toFixed(0)} MIPS, QEMU ${(icount / qemu[i]! / 1e6).toFixed(0)} MIPS\n`);
      }
      const rrvmSeconds = median(rrvm);
      const qemuMedian = median(qemu);
      workloads[w.name] = {
        instructions: icount,
        rrvmMode: w.mode,
        rrvmSeconds: round(rrvmSeconds, 3),
        rrvmMips: round(icount / rrvmSeconds / 1e6),
        qemuSeconds: round(qemuMedian, 3),
        qemuMips: round(icount / qemuMedian / 1e6),
        ratio: round(qemuMedian / rrvmSeconds, 2),
        rrvmSlowestVsMedian: round(Math.max(...rrvm) / rrvmSeconds, 2),
      };
      const c = workloads[w.name]!;
      console.log(
        `${w.name.padEnd(10)} ${String(icount).padStart(10)} insns | rrvm ${w.mode} ${c.rrvmMips} MIPS, QEMU -icount ${c.qemuMips} MIPS | rrvm/QEMU ${c.ratio}× | slowest rrvm run ${c.rrvmSlowestVsMedian}× the median`,
      );
    }
    return { qemuStartupSeconds: round(startup, 3), workloads, freshProcess: freshProcessComparison(workloads['cpu-bench']!, scratch) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
