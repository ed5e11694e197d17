import { readFileSync } from 'node:fs';
import { RrvmError } from '../core/rrvm-error.js';
import { parseElf } from '../machine/elf-loader.js';
import type { ElfImage } from '../machine/elf-image.js';
import { MemoryMap } from '../machine/memory-map.js';

/** Reads a file for a command, turning a host error into a one-line `input.read` error. */
export function readInputFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new RrvmError('input.read', `cannot read ${what} '${path}': ${reason}`);
  }
}

/** Reads and parses a guest ELF for a machine with `ramBytes` of RAM; errors name the file. */
export function loadGuest(path: string, ramBytes: number): { bytes: Uint8Array; image: ElfImage } {
  return parseGuest(readInputFile(path, 'guest ELF'), path, ramBytes);
}

/** Parses guest ELF `bytes` (from a file, or embedded in a packed log) for `ramBytes` of RAM; errors start with `name`. */
export function parseGuest(bytes: Uint8Array, name: string, ramBytes: number): { bytes: Uint8Array; image: ElfImage } {
  try {
    return { bytes, image: parseElf(bytes, MemoryMap.RAM, ramBytes) };
  } catch (err) {
    if (err instanceof RrvmError) throw new RrvmError(err.code, `${name}: ${err.message}`);
    throw err;
  }
}
