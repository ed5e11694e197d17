// Helpers shared by the bench parts: guest configuration, log headers, statistics.
import { readFileSync } from 'node:fs';
import type { LogHeader } from '../codecs/index.js';
import { parseElf } from '../src/machine/elf-loader.js';
import type { ElfImage } from '../src/machine/elf-image.js';
import { DEFAULT_RAM_BYTES, MemoryMap } from '../src/machine/memory-map.js';

/** The repository root (the bench runs from dist/bench/). */
export const root = new URL('../../', import.meta.url);
/** The machine every bench guest runs on: the CLI's defaults. */
export const config = { ramBytes: DEFAULT_RAM_BYTES, icountShift: 3 };
/** Instructions between CHECKPOINT digests, as `rrvm record` writes them by default. */
export const CHECKPOINT_EVERY = 2 ** 24;

/** Reads and parses a guest ELF given relative to the repository root. */
export function loadImage(elf: string): { bytes: Uint8Array; image: ElfImage } {
  const bytes = readFileSync(new URL(elf, root));
  return { bytes, image: parseElf(bytes, MemoryMap.RAM, config.ramBytes) };
}

/** Speed of a timed run, in millions of instructions per second. */
export const mips = (s: { icount: number; seconds: number }): number => s.icount / s.seconds / 1e6;

/** A log header for an in-process recording. */
export function recordingHeader(elfPath: string): LogHeader {
  return {
    rrvmVersion: 'bench',
    createdAt: new Date().toISOString(),
    compression: 'none' as const,
    checkpointEvery: CHECKPOINT_EVERY,
    ramBytes: config.ramBytes,
    icountShift: config.icountShift,
    elfSha256: '0'.repeat(64),
    elfPath,
    disks: [],
    devices: [],
  };
}

/** The upper median. */
export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** mulberry32: a small seeded PRNG, so the random points are the same in every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
