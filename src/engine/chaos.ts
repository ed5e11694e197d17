/** Largest extra delay `--chaos-io` adds to a host completion or a BH, in ms. */
const CHAOS_MAX_DELAY_MS = 20;

/**
 * `--chaos-io`: extra delays for host completions (block I/O) and BHs, drawn from a seeded
 * generator (mulberry32), to shake out races in guest drivers. Only the recording sees them;
 * the log stays exactly replayable.
 */
export function chaosDelays(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b_79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * (CHAOS_MAX_DELAY_MS + 1));
  };
}
