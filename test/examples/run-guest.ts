// Shared helpers for the guest tests: run a guest ELF on QEMU or on rrvm's CLI,
// always with a timeout (the child is killed with SIGKILL), so a test never hangs.
import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const EXAMPLES_DIR = join(REPO_ROOT, 'examples');
export const EXPECTED_DIR = join(REPO_ROOT, 'test', 'examples', 'expected');
export const RRVM_CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/** Every guest with a committed ELF. */
export const GUESTS = ['hello', 'echo', 'clock', 'cpu-bench', 'isa-selftest', 'rtc-loop', 'debug-demo', 'mmio-poll', 'paging'] as const;
export type Guest = (typeof GUESTS)[number];
/** Guests with a committed ELF that need virtio devices (run by their own tests, checked for reproducible builds). */
export const VIRTIO_GUESTS = ['disk-test', 'rng', 'input-log', 'audio', 'devices-all'] as const;

/** Serial input fed to the echo guest (ends with the 'q' that makes it exit). */
export const ECHO_INPUT = join(EXAMPLES_DIR, 'echo', 'input.txt');

/** Guests whose output differs between runs only in numbers written after '='. */
export const MASKED_GUESTS: ReadonlySet<Guest> = new Set(['clock']);

/** Per-guest time limits (ms). cpu-bench runs ~400 million instructions. */
export function guestTimeoutMs(guest: Guest): number {
  return guest === 'cpu-bench' ? 240_000 : 30_000;
}

export function guestElf(guest: Guest): string {
  return join(EXAMPLES_DIR, guest, `${guest}.elf`);
}

export function guestInput(guest: Guest): string | undefined {
  return guest === 'echo' ? ECHO_INPUT : undefined;
}

/** The clock guest prints times as `name=<decimal>`; replace every such number. */
export function maskNumbers(text: string): string {
  return text.replace(/=\d+/g, '=N');
}

/** Path of an executable on PATH, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** RRVM_REQUIRE_TOOLS=1 turns "tool missing, skipped" into a failure (set by .ci/run). */
export function toolsRequired(): boolean {
  return process.env.RRVM_REQUIRE_TOOLS === '1';
}

/**
 * Decide whether a suite that needs `tool` runs. Prints the reason when it is skipped.
 * With RRVM_REQUIRE_TOOLS=1 it never skips: the suite runs and fails on the missing tool.
 */
export function skipWithoutTool(suite: string, tool: string): boolean {
  if (findTool(tool) || toolsRequired()) return false;
  console.warn(`${suite}: skipped: ${tool} is not on PATH (set RRVM_REQUIRE_TOOLS=1 to fail instead)`);
  return true;
}

export interface RunResult {
  /** Exit status, or null when killed by a signal (for example on timeout). */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The guest's console bytes. */
  stdout: Buffer;
  stderr: string;
}

/**
 * Run an ELF on `qemu-system-riscv32 -M virt -bios none`.
 * QEMU's stdout goes to a file, not a pipe: QEMU drops console bytes when a pipe is read
 * slowly (TOOL-NOTES). Input, when given, comes from a file on stdin through
 * `-serial stdio`; otherwise `-nographic` with stdin at /dev/null.
 */
export function runQemu(elf: string, opts: { inputFile?: string; timeoutMs: number }): RunResult {
  const dir = mkdtempSync(join(tmpdir(), 'rrvm-qemu-'));
  const outPath = join(dir, 'console.out');
  const outFd = openSync(outPath, 'w');
  const inFd = openSync(opts.inputFile ?? '/dev/null', 'r');
  const args = ['-M', 'virt', '-bios', 'none', '-kernel', elf];
  if (opts.inputFile) args.push('-display', 'none', '-monitor', 'none', '-serial', 'stdio');
  else args.push('-nographic');
  try {
    const r = spawnSync('qemu-system-riscv32', args, {
      stdio: [inFd, outFd, 'pipe'],
      timeout: opts.timeoutMs,
      killSignal: 'SIGKILL',
      encoding: 'buffer',
    });
    closeSync(outFd);
    const stdout = readFileSync(outPath);
    return {
      code: r.status,
      signal: r.signal,
      timedOut: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT',
      stdout: normaliseQemuConsole(stdout),
      stderr: (r.stderr ?? Buffer.alloc(0)).toString('utf8') + (r.error ? String(r.error) : ''),
    };
  } finally {
    closeSync(inFd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What QEMU's own chardev may add to the guest's bytes. With stdout redirected to a
 * regular file (as here) QEMU 7.2 adds nothing: it does not translate '\n' to "\r\n"
 * (that is done by a TTY's line discipline, and QEMU only puts a TTY in raw mode) and
 * it prints no terminal escape sequences (measured: the capture is exactly the bytes
 * the guest wrote to THR). The only QEMU-made text is its "terminating on signal"
 * notice, which goes to stderr. So this normalisation is the identity; it exists so
 * that, should a future QEMU add console decoration, it is removed in one place.
 */
export function normaliseQemuConsole(bytes: Buffer): Buffer {
  return bytes;
}

/** Run an ELF with `rrvm run` from dist/ (built by `npm test` before vitest starts). */
export function runRrvm(elf: string, opts: { inputFile?: string; timeoutMs: number }): RunResult {
  const r = spawnSync(process.execPath, [RRVM_CLI, 'run', elf], {
    cwd: REPO_ROOT,
    input: opts.inputFile ? readFileSync(opts.inputFile) : Buffer.alloc(0),
    timeout: opts.timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'buffer',
  });
  return {
    code: r.status,
    signal: r.signal,
    timedOut: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT',
    stdout: r.stdout ?? Buffer.alloc(0),
    stderr: (r.stderr ?? Buffer.alloc(0)).toString('utf8') + (r.error ? String(r.error) : ''),
  };
}

/** Human-readable summary for assertion messages. */
export function describeRun(what: string, r: RunResult): string {
  const how = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  const tail = r.stderr.trim().split('\n').slice(-5).join('\n');
  return `${what}: ${how}${tail ? `\nstderr:\n${tail}` : ''}`;
}
