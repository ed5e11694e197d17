import type { Subscription } from 'rxjs';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { elfFunctions } from './internal/elf-functions.js';
import { hex8 } from './internal/hex.js';
import { openLineFile } from './internal/line-file.js';
import type { TapSession } from './tap.js';

/** Default output file of the `profile` tap. */
export const PROFILE_FILE = 'profile.folded';
/** Default sample period in instructions (a prime, so that it does not beat with loop lengths). */
export const PROFILE_EVERY = 10007;

/**
 * Built-in tap `profile[=FILE][,every=N]`: samples the pc every N instructions of icount (at
 * icount 0, N, 2N, …, so a recording and its replay sample the same instructions) and writes,
 * when the run ends, one folded-stack line per function, `name count`, most samples first — the
 * input of flame-graph tools (`flamegraph.pl`, speedscope). The function comes from the guest
 * ELF's symbol table; a pc outside every symbol is shown as its hex address. The stack is the
 * function alone: rrvm does not unwind the guest's stack.
 */
export function profile(session: TapSession): Subscription {
  const everyOption = session.options['every'];
  const every = everyOption === undefined ? PROFILE_EVERY : Number(everyOption);
  if (!Number.isSafeInteger(every) || every < 1) throw new RrvmError('tap.load', `tap profile: every=${everyOption} is not a positive whole number of instructions`);
  const functions = elfFunctions(session.elf ?? new Uint8Array(0));
  const file = openLineFile(session.options['file'] ?? PROFILE_FILE, 'profile');
  const counts = new Map<string, number>();
  const finish = (): void => {
    const rows = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [name, count] of rows) file.write(`${name} ${count}`);
    file.close();
  };
  return session.exec.samples$(every).subscribe({
    next(b) {
      for (let i = 0; i < b.count; i++) {
        const pc = b.pc[i]!;
        const name = functions.nameOf(pc) ?? `0x${hex8(pc)}`;
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    },
    complete: finish,
    error: () => file.close(),
  });
}
