import { InvalidArgumentError } from 'commander';

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** Parses a byte size like `128M`, `1G` or `65536` for `--memory`: a multiple of 4 KiB, 4 KiB..2 GiB. */
export function parseMemorySize(text: string): number {
  const m = /^(\d+)([KMG]?)(?:i?B)?$/i.exec(text.trim());
  if (m === null) throw new InvalidArgumentError(`expected a size like 128M or 1G, got '${text}'`);
  const bytes = Number(m[1]) * SIZE_UNITS[m[2]!.toUpperCase()]!;
  if (bytes < 4096 || bytes > 2 ** 31 || bytes % 4096 !== 0) {
    throw new InvalidArgumentError(`must be a multiple of 4K between 4K and 2G, got '${text}'`);
  }
  return bytes;
}

/** Parses a non-negative integer option (`--max-insns`); accepts `_` separators and k/M/G suffixes (powers of 1000). */
export function parseCount(text: string): number {
  const m = /^(\d[\d_]*)([kMG]?)$/.exec(text.trim());
  if (m === null) throw new InvalidArgumentError(`expected a whole number like 1000000 or 500M, got '${text}'`);
  const scale = { '': 1, k: 1e3, M: 1e6, G: 1e9 }[m[2] as '' | 'k' | 'M' | 'G'];
  const n = Number(m[1]!.replaceAll('_', '')) * scale;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`too large: '${text}'`);
  return n;
}

/** Parses an integer in `[min, max]`. */
export function parseIntInRange(min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got '${text}'`);
    }
    return n;
  };
}
