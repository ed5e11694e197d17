import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The cross binutils' addr2line. */
export const ADDR2LINE = 'riscv64-unknown-elf-addr2line';

/** A source position: file and 1-based line. */
export interface SourceLine {
  file: string;
  line: number;
}

/**
 * The source line of each of `addresses` in the ELF `elf` (null where the debug information
 * has none), from one run of `riscv64-unknown-elf-addr2line`; null when the tool is not
 * installed. Other failures of the tool throw an Error with its message.
 */
export function addr2line(elf: Uint8Array, addresses: readonly number[]): (SourceLine | null)[] | null {
  const dir = mkdtempSync(join(tmpdir(), 'rrvm-addr2line-'));
  try {
    const path = join(dir, 'guest.elf');
    writeFileSync(path, elf);
    const input = addresses.map((a) => a.toString(16)).join('\n') + '\n';
    const run = spawnSync(ADDR2LINE, ['-e', path], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return null;
    if (run.error !== undefined) throw run.error;
    if (run.status !== 0) throw new Error(`${ADDR2LINE} failed: ${run.stderr.trim().split('\n')[0] ?? `status ${run.status}`}`);
    const lines = run.stdout.split('\n');
    return addresses.map((_, i) => {
      // "file:line", "file:line (discriminator N)", or "??:0" / "file:?" when unknown.
      const m = /^(.*):(\d+)(?: \(discriminator \d+\))?$/.exec(lines[i] ?? '');
      return m === null || m[1] === '??' || m[2] === '0' ? null : { file: m[1]!, line: Number(m[2]) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
