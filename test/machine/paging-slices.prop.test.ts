// Slice independence through privilege and translation changes: the paging guest (S-mode,
// Sv32, a page fault, ecall back to M) gives the same console output and final digests
// whatever the slice size, though every mode change ends a slice.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/machine/elf-loader.js';
import { Machine } from '../../src/machine/machine.js';
import { DEFAULT_RAM_BYTES, MemoryMap } from '../../src/machine/memory-map.js';
import { hex } from '../../src/machine/running-hash.js';
import { guestElf } from '../engine/harness.js';

/** Runs the paging guest to its halt in slices of `slice` instructions; returns console and digests. */
function runInSlices(slice: number): string {
  const m = new Machine({ ramBytes: DEFAULT_RAM_BYTES, icountShift: 3 }, { clock: () => 0, random: (n) => new Uint8Array(n), blockIo: () => {}, defer: () => 0, netTx: () => {}, audioStream: () => {} });
  m.load(parseElf(readFileSync(guestElf('paging')), MemoryMap.RAM, DEFAULT_RAM_BYTES));
  let console = '';
  while (m.halted === null && m.icount < 1_000_000) {
    m.run(m.icount + slice);
    console += new TextDecoder().decode(m.takeConsoleOutput());
  }
  const d = m.digests();
  return JSON.stringify({ console, halted: m.halted, icount: m.icount, hart: hex(d.hart), ram: hex(d.ram), devices: hex(d.devices) });
}

describe('slice independence (paging guest)', () => {
  it('the result does not depend on the slice size', () => {
    const reference = runInSlices(1 << 16);
    expect(reference).toContain('paging: PASS');
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), (slice) => runInSlices(slice) === reference), { numRuns: 20 });
  });
});
