// Differential test for the virtio devices (issue 7, item 8): disk-test with a virtio-blk
// drive and rng with a virtio-rng device run on QEMU's riscv32 `virt` board (modern
// virtio-mmio: -global virtio-mmio.force-legacy=false) and on `rrvm run`, and the console
// output must be the same bytes (for rng, after masking the random hex). QEMU gets a copy
// of the image (it writes through to it); rrvm gets the original (opened read-only). Needs
// qemu-system-riscv32; skips with a printed reason without it (fails instead when
// RRVM_REQUIRE_TOOLS=1), like qemu-diff.test.ts.
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../engine/harness.js';
import { EXAMPLES_DIR, REPO_ROOT, RRVM_CLI, type RunResult, describeRun, findTool, normaliseQemuConsole, skipWithoutTool } from './run-guest.js';

const QEMU = 'qemu-system-riscv32';
const skip = skipWithoutTool('virtio-qemu-diff', QEMU);

const DISK_ELF = join(EXAMPLES_DIR, 'disk-test', 'disk-test.elf');
const RNG_ELF = join(EXAMPLES_DIR, 'rng', 'rng.elf');
/** QEMU runs disk-test in under a second; rrvm takes ~7 s (it polls ~2·10^9 instructions). */
const TIMEOUT_MS = 90_000;

const temp = tempDir('virtio-qemu-diff');
afterAll(temp.remove);

const statusOf = (r: ReturnType<typeof spawnSync>, stdout: Buffer): RunResult => ({
  code: r.status,
  signal: r.signal,
  timedOut: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT',
  stdout,
  stderr: (r.stderr ?? Buffer.alloc(0)).toString('utf8') + (r.error ? String(r.error) : ''),
});

/** `qemu-system-riscv32 -M virt -bios none -nographic <device args> -kernel ELF`, console captured to a file (QEMU drops bytes on slow pipes). */
function runQemuWith(elf: string, deviceArgs: readonly string[], name: string): RunResult {
  const outPath = temp.path(`${name}.qemu.out`);
  const outFd = openSync(outPath, 'w');
  const inFd = openSync('/dev/null', 'r');
  try {
    const r = spawnSync(QEMU, ['-M', 'virt', '-bios', 'none', '-nographic', '-global', 'virtio-mmio.force-legacy=false', ...deviceArgs, '-kernel', elf], {
      stdio: [inFd, outFd, 'pipe'],
      timeout: TIMEOUT_MS,
      killSignal: 'SIGKILL',
      encoding: 'buffer',
    });
    closeSync(outFd);
    return statusOf(r, normaliseQemuConsole(readFileSync(outPath)));
  } finally {
    closeSync(inFd);
  }
}

/** `rrvm run <args> ELF` from dist/, stdin empty. */
function runRrvmWith(elf: string, args: readonly string[]): RunResult {
  const r = spawnSync(process.execPath, [RRVM_CLI, 'run', ...args, elf], {
    cwd: REPO_ROOT,
    input: Buffer.alloc(0),
    timeout: TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'buffer',
  });
  return statusOf(r, r.stdout ?? Buffer.alloc(0));
}

describe.skipIf(skip)('virtio guests behave the same on QEMU and on rrvm', () => {
  const image = temp.path('disk.img');
  const qemuCopy = temp.path('qemu-copy.img');

  beforeAll(() => {
    const made = spawnSync(process.execPath, [join(EXAMPLES_DIR, 'disk-test', 'make-image.mjs'), image], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    copyFileSync(image, qemuCopy);
  });

  it('disk-test (virtio-blk, serial=rrvm-disk0): same console output, exit 0', () => {
    expect(findTool(QEMU), `${QEMU} is required (RRVM_REQUIRE_TOOLS=1) but is not on PATH`).toBeTruthy();
    const q = runQemuWith(DISK_ELF, ['-drive', `file=${qemuCopy},if=none,format=raw,id=d0`, '-device', 'virtio-blk-device,drive=d0,serial=rrvm-disk0'], 'disk-test');
    expect(q.timedOut, describeRun('qemu disk-test', q)).toBe(false);
    expect(q.code, describeRun('qemu disk-test', q)).toBe(0); // test finisher: pass

    expect(existsSync(RRVM_CLI), `rrvm CLI not built: ${RRVM_CLI} is missing (npm test runs tsc first)`).toBe(true);
    const r = runRrvmWith(DISK_ELF, ['--drive', `file=${image},serial=rrvm-disk0`]);
    expect(r.timedOut, describeRun('rrvm disk-test', r)).toBe(false);

    const want = q.stdout.toString('latin1');
    expect(want).toMatch(/disk-test: done\n$/);
    expect(r.stdout.toString('latin1')).toBe(want);
    expect(r.code, describeRun('rrvm disk-test', r)).toBe(0);
    // The guest restores what it wrote: QEMU's copy ends as it started.
    expect(readFileSync(qemuCopy).equals(readFileSync(image))).toBe(true);
  }, 2 * TIMEOUT_MS + 10_000);

  it('rng (virtio-rng): same console output with the random bytes masked, exit 0', () => {
    expect(findTool(QEMU), `${QEMU} is required (RRVM_REQUIRE_TOOLS=1) but is not on PATH`).toBeTruthy();
    const q = runQemuWith(RNG_ELF, ['-device', 'virtio-rng-device'], 'rng');
    expect(q.timedOut, describeRun('qemu rng', q)).toBe(false);
    expect(q.code, describeRun('qemu rng', q)).toBe(0);

    expect(existsSync(RRVM_CLI), `rrvm CLI not built: ${RRVM_CLI} is missing (npm test runs tsc first)`).toBe(true);
    const r = runRrvmWith(RNG_ELF, ['--rng']);
    expect(r.timedOut, describeRun('rrvm rng', r)).toBe(false);

    const want = q.stdout.toString('latin1');
    const got = r.stdout.toString('latin1');
    expect(want).toMatch(/rng: done\n$/);
    // Each "N bytes=HEX" carries N bytes of hex on both machines.
    for (const text of [want, got]) {
      const lines = [...text.matchAll(/(\d+) bytes=([0-9a-f]+)/g)];
      expect(lines.length, text).toBeGreaterThan(0);
      for (const m of lines) expect(m[2]!.length, m[0]).toBe(2 * Number(m[1]));
    }
    const mask = (t: string): string => t.replace(/bytes=[0-9a-f]+/g, 'bytes=X');
    expect(mask(got)).toBe(mask(want));
    expect(r.code, describeRun('rrvm rng', r)).toBe(0);
  }, 2 * TIMEOUT_MS + 10_000);
});
