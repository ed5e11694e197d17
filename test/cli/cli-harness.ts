// Spawns the built CLI (dist/src/cli/main.js; `npm test` builds it first) with a time limit:
// a child that overruns is killed with SIGKILL and the result says so, so no test hangs.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from '../engine/harness.js';

export { REPO_ROOT };
export const RRVM_CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/** What a CLI run produced. */
export interface CliResult {
  /** Exit status, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

/** Runs `rrvm ...args` to completion (stdin: `input`, default empty) within `timeoutMs`. */
export function rrvm(args: readonly string[], options: { input?: Uint8Array | string; timeoutMs?: number } = {}): CliResult {
  const started = Date.now();
  const r = spawnSync(process.execPath, [RRVM_CLI, ...args], {
    cwd: REPO_ROOT,
    input: options.input ?? '',
    timeout: options.timeoutMs ?? 20_000,
    killSignal: 'SIGKILL',
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'buffer',
    env: { ...process.env, RRVM_DEBUG: '' },
  });
  return {
    code: r.status,
    signal: r.signal,
    timedOut: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT',
    stdout: r.stdout ?? Buffer.alloc(0),
    stderr: (r.stderr ?? Buffer.alloc(0)).toString('utf8'),
    ms: Date.now() - started,
  };
}

/** A human-readable summary for assertion messages. */
export function describeCli(r: CliResult): string {
  const how = r.timedOut ? 'timed out' : r.signal !== null ? `killed by ${r.signal}` : `exit ${r.code}`;
  return `${how} after ${r.ms} ms; stderr: ${r.stderr.trim().split('\n').slice(-6).join(' | ')}`;
}

/** Starts `rrvm ...args` in the background; `kill` sends SIGKILL, `exited` resolves with the status. */
export function rrvmBackground(args: readonly string[]): {
  kill: () => void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const child = spawn(process.execPath, [RRVM_CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { kill: () => child.kill('SIGKILL'), exited };
}

/**
 * Runs `rrvm ...args` with a slow reader on stdout: nothing is read for `pauseMs`, so the pipe
 * fills and the child's further writes wait in its memory. Returns everything it wrote.
 */
export async function rrvmSlowReader(args: readonly string[], pauseMs: number, timeoutMs = 20_000): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn(process.execPath, [RRVM_CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stdout.pause();
  const resume = setTimeout(() => child.stdout.resume(), pauseMs);
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(resume);
  clearTimeout(killer);
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') };
}

/** No JavaScript stack trace reaches the user. */
export const NO_STACK = /^\s{4}at /m;

/** stderr is one line starting `rrvm: ` and matching `pattern`, without a stack trace, and the exit status is 1. */
export function expectOneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code, describeCli(r)).toBe(1);
  expectOneLineStderr(r.stderr, pattern);
}

/**
 * `rrvm ...args` in the background (stdin empty), so several long runs share the cores; killed
 * after `timeoutMs` (default 120 s). `onStdout` hears the whole output so far after each chunk.
 */
export function rrvmAsync(
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number; onStdout?: (text: string) => void } = {},
): Promise<CliResult> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RRVM_CLI, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, RRVM_DEBUG: '' },
    });
    child.stdin.end();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      options.onStdout?.(Buffer.concat(out).toString('latin1'));
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, timedOut, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - started });
    });
  });
}

/** stderr is exactly one line, `rrvm: …`, matching `pattern` (whatever the exit status). */
export function expectOneLineStderr(stderr: string, pattern: RegExp): void {
  expect(stderr).not.toMatch(NO_STACK);
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^rrvm: /);
  expect(lines[0]).toMatch(pattern);
}
