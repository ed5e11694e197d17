import type { Subscription } from 'rxjs';
import { hex8 } from './internal/hex.js';
import { openLineFile } from './internal/line-file.js';
import type { TapSession } from './tap.js';

/** Default output file of the `coverage` tap. */
export const COVERAGE_FILE = 'coverage.txt';


/**
 * Built-in tap `coverage[=FILE]`: the code the guest executed, as address ranges. Every
 * instruction retired marks its bytes; at the end the marked bytes are written as sorted,
 * merged ranges, one per line, `80000000-80000046 70 bytes`, after a `# N ranges, M bytes`
 * summary. Runs the machine one instruction at a time while attached.
 */
export function coverage(session: TapSession): Subscription {
  const path = session.options['file'] ?? COVERAGE_FILE;
  const file = openLineFile(path, 'coverage');
  /** Executed instruction start → its length in bytes. */
  const executed = new Map<number, number>();
  const finish = (): void => {
    const starts = [...executed.keys()].sort((a, b) => a - b);
    const ranges: [number, number][] = [];
    for (const start of starts) {
      const end = start + executed.get(start)!;
      const last = ranges[ranges.length - 1];
      if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
      else ranges.push([start, end]);
    }
    const bytes = ranges.reduce((n, [a, b]) => n + b - a, 0);
    file.write(`# ${ranges.length} ranges, ${bytes} bytes`);
    for (const [a, b] of ranges) file.write(`${hex8(a)}-${hex8(b)} ${b - a} bytes`);
    file.close();
  };
  return session.exec.insns$.subscribe({
    next(b) {
      for (let i = 0; i < b.count; i++) {
        const bits = b.bits[i]!;
        executed.set(b.pc[i]!, bits !== 0 && (bits & 3) !== 3 ? 2 : 4);
      }
    },
    complete: finish,
    error: () => file.close(),
  });
}
