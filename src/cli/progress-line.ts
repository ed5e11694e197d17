import { performance } from 'node:perf_hooks';

/**
 * A progress line on stderr for long runs, only when stderr is a terminal: appears after
 * a second, updates a few times a second, and is erased by `done()`. It reads
 * `rrvm: WHAT UNIT n of total (p%)`, e.g. `replaying icount 5000 of 9000` or `analyzing log 3 of 20`.
 */
export function progressLine(what: string, total: number, unit = 'icount'): { update: (done: number) => void; done: () => void } {
  const stderr = process.stderr;
  if (stderr.isTTY !== true) return { update: () => {}, done: () => {} };
  const start = performance.now();
  let last = 0;
  let shown = false;
  return {
    update(done) {
      const now = performance.now();
      if (now - start < 1000 || now - last < 250) return;
      last = now;
      shown = true;
      const percent = total > 0 ? ` (${((100 * done) / total).toFixed(1)}%)` : '';
      stderr.write(`\r\x1b[Krrvm: ${what} ${unit} ${done} of ${total}${percent}`);
    },
    done() {
      if (shown) stderr.write('\r\x1b[K');
    },
  };
}
