// The official riscv-tests (rv32ui/um/ua/uc -p and -v, rv32mi/si -p) run on a bare Machine.
// They are never committed: build them with test/machine/riscv-tests/build.sh and point
// RRVM_RISCV_TESTS at the output directory. Without it the suite is skipped with a reason.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../../src/machine/elf-loader.js';
import { Machine } from '../../../src/machine/machine.js';

const DIR = process.env.RRVM_RISCV_TESTS ?? '';
const RAM_BYTES = 16 << 20;
/** Every test finishes in well under a million instructions; the -v ones page in on demand. */
const MAX_ICOUNT = 20_000_000;

/** Runs one test ELF to its HTIF exit; returns the halt and what it printed. */
function runTest(path: string): { halted: unknown; console: string; icount: number } {
  const m = new Machine({ ramBytes: RAM_BYTES, icountShift: 3 }, { clock: () => 0, random: (n) => new Uint8Array(n), blockIo: () => {}, defer: () => 0, netTx: () => {}, audioStream: () => {} });
  m.load(parseElf(new Uint8Array(readFileSync(path)), 0x8000_0000, RAM_BYTES));
  m.run(MAX_ICOUNT);
  return { halted: m.halted, console: new TextDecoder().decode(m.takeConsoleOutput()), icount: m.icount };
}

const names = DIR === '' ? [] : readdirSync(DIR).filter((f) => /^rv32(ui|um|ua|uc|mi|si)-[pv]-/.test(f)).sort();
if (DIR === '') console.log('riscv-tests skipped: set RRVM_RISCV_TESTS to a directory built by test/machine/riscv-tests/build.sh');

describe.skipIf(DIR === '')('riscv-tests', () => {
  it('finds the built tests', () => {
    expect(names.length).toBeGreaterThan(100);
  });
  for (const name of names) {
    it(`${name} passes`, () => {
      const r = runTest(join(DIR, name));
      expect(r, r.console).toMatchObject({ halted: { kind: 'pass' } });
    });
  }
});
