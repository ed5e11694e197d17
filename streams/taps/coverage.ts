import type { Subscription } from 'rxjs';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { ADDR2LINE, addr2line } from './internal/addr2line.js';
import { elfCode } from './internal/elf-code.js';
import { hex8 } from './internal/hex.js';
import { lcovText } from './internal/lcov.js';
import { openLineFile } from './internal/line-file.js';
import type { BlockBatch } from '../exec-streams.js';
import type { TapSession } from './tap.js';

/** Default output file of the `coverage` tap. */
export const COVERAGE_FILE = 'coverage.txt';

/**
 * Built-in tap `coverage[=FILE][,lcov=FILE.info]`: the code the guest executed, from the
 * basic-block stream. At the end it writes the bytes of code run as sorted, merged address
 * ranges, `80000000-80000046 70 bytes`, after `# N ranges, M bytes` and `# B blocks, R block runs`.
 * With `lcov=`, it also writes an lcov tracefile of the ELF's source lines (every instruction of
 * its executable sections, with how often it ran) through `riscv64-unknown-elf-addr2line`; when
 * the tool is missing it says so on stderr and writes no lcov file.
 */
export function coverage(session: TapSession): Subscription | Promise<void> {
  const path = session.options['file'] ?? COVERAGE_FILE;
  let lcovPath: string | undefined = session.options['lcov'];
  if (lcovPath === '') throw new RrvmError('tap.load', 'tap coverage: lcov= needs a file name');
  if (lcovPath !== undefined && session.elf === undefined) throw new RrvmError('tap.load', 'tap coverage: lcov output needs the guest ELF, which this session does not have');
  if (lcovPath !== undefined && !haveAddr2line()) {
    process.stderr.write(`coverage: ${ADDR2LINE} is not installed; no lcov file (only the address ranges)\n`);
    lcovPath = undefined;
  }
  // Fails now, before the run, when the file cannot be created.
  if (lcovPath !== undefined) openLineFile(lcovPath, 'coverage').close();
  const file = openLineFile(path, 'coverage');
  /** Each distinct block (blockKey) → how many times it ran. */
  const runs = new Map<number, number>();
  const finish = (): void => {
    const blocks = [...runs.keys()].map(blockOf);
    blocks.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const ranges: [number, number][] = [];
    for (const [start, bytes] of blocks) {
      const end = start + bytes;
      const last = ranges[ranges.length - 1];
      if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
      else ranges.push([start, end]);
    }
    const total = ranges.reduce((n, [a, b]) => n + b - a, 0);
    file.write(`# ${ranges.length} ranges, ${total} bytes`);
    file.write(`# ${blocks.length} blocks, ${[...runs.values()].reduce((a, b) => a + b, 0)} block runs`);
    for (const [a, b] of ranges) file.write(`${hex8(a)}-${hex8(b)} ${b - a} bytes`);
    file.close();
    if (lcovPath !== undefined) writeLcov(lcovPath, session.elf!, runs);
  };
  const next = (b: BlockBatch): void => {
    for (let i = 0; i < b.count; i++) {
      const key = b.pc[i]! * BYTES_RANGE + b.bytes[i]!;
      runs.set(key, (runs.get(key) ?? 0) + 1);
    }
  };
  if (lcovPath === undefined) return session.exec.blocks$.subscribe({ next, complete: finish, error: () => file.close() });
  // addr2line runs at the end and may fail: a promise carries that failure to rrvm.
  return new Promise((resolve, reject) => {
    session.exec.blocks$.subscribe({
      next,
      complete() {
        try {
          finish();
          resolve();
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      },
      error() {
        file.close();
        resolve();
      },
    });
  });
}

/** Block sizes in bytes are below this (at most 64 instructions of 4 bytes): a block's key is `pc * BYTES_RANGE + bytes`, an exact integer. */
const BYTES_RANGE = 512;

/** The pc and size in bytes of the block with key `key`. */
function blockOf(key: number): [number, number] {
  return [Math.floor(key / BYTES_RANGE), key % BYTES_RANGE];
}

/** True when the cross binutils' addr2line runs. */
function haveAddr2line(): boolean {
  return spawnSync(ADDR2LINE, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Writes the lcov file for block runs `runs` (blockKey → count) of the code in `elf`. */
function writeLcov(path: string, elf: Uint8Array, runs: Map<number, number>): void {
  const code = elfCode(elf);
  const hits = new Map<number, number>(code.starts().map((a) => [a, 0]));
  for (const [key, count] of runs) {
    const [pc, bytes] = blockOf(key);
    for (let a = pc, len = code.lengthAt(a); len > 0 && a < pc + bytes; a += len, len = code.lengthAt(a)) hits.set(a, (hits.get(a) ?? 0) + count);
  }
  const addresses = [...hits.keys()].sort((a, b) => a - b);
  const lines = addr2line(elf, addresses);
  if (lines === null) throw new Error(`${ADDR2LINE} went missing during the run`);
  if (lines.every((l) => l === null)) process.stderr.write(`coverage: the ELF has no line information (build it with -g); ${path} lists no lines\n`);
  writeFileSync(path, lcovText(lines, addresses.map((a) => hits.get(a)!)));
}
