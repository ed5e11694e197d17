import { performance } from 'node:perf_hooks';

/**
 * A progress line on stderr for long replays, only when stderr is a terminal: appears after
 * a second, updates a few times a second, and is erased by `done()`.
 */
export function progressLine(what: string, totalIcount: number): { update: (icount: number) => void; done: () => void } {
  const stderr = process.stderr;
  if (stderr.isTTY !== true) return { update: () => {}, done: () => {} };
  const start = performance.now();
  let last = 0;
  let shown = false;
  return {
    update(icount) {
      const now = performance.now();
      if (now - start < 1000 || now - last < 250) return;
      last = now;
      shown = true;
      const percent = totalIcount > 0 ? ` (${((100 * icount) / totalIcount).toFixed(1)}%)` : '';
      stderr.write(`\r\x1b[Krrvm: ${what} icount ${icount} of ${totalIcount}${percent}`);
    },
    done() {
      if (shown) stderr.write('\r\x1b[K');
    },
  };
}
