// Drives a real gdb-multiarch in batch mode against an rrvm GDB server, and picks apart its
// output. gdb runs with a time limit and is killed with SIGKILL when it overruns.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a gdb run printed: stdout and stderr interleaved as on a terminal (console packets go to stderr). */
export interface GdbRun {
  code: number | null;
  timedOut: boolean;
  output: string;
}

/** Runs gdb-multiarch on `elf`, connected to `address`, with one `-ex` per command. */
export async function runGdb(elf: string, address: string, commands: readonly string[], timeoutMs = 120_000): Promise<GdbRun> {
  const args = ['-nx', '-batch', '-ex', 'set architecture riscv:rv32', '-ex', `target remote ${address}`];
  for (const command of commands) args.push('-ex', command);
  args.push(elf);
  // One file for both streams keeps their order (two pipes would not).
  const dir = mkdtempSync(join(tmpdir(), 'rrvm-gdb-out-'));
  const file = join(dir, 'output.txt');
  const fd = openSync(file, 'w');
  try {
    const child = spawn('gdb-multiarch', args, { stdio: ['ignore', fd, fd] });
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(killer);
    return { code, timedOut, output: readFileSync(file, 'utf8') };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A gdb command that prints `==label==` on a line of its own, to split the output at. */
export function marker(label: string): string {
  return `echo ==${label}==\\n`;
}

/** The output printed after `==label==` up to the next marker (or the end). */
export function section(output: string, label: string): string {
  const start = output.indexOf(`==${label}==\n`);
  if (start < 0) throw new Error(`no ==${label}== in gdb output:\n${output}`);
  const rest = output.slice(start + label.length + 5);
  const next = rest.search(/^==[^=\n]+==$/m);
  return next < 0 ? rest : rest.slice(0, next);
}
