// Every guest runs on rrvm (`rrvm run`, the CLI built into dist/) and must print exactly
// the console output recorded from QEMU 7.2 in test/examples/expected/<guest>.txt, then
// exit 0 (the guest wrote "pass" to the test finisher). No QEMU needed.
// clock's expected file holds the masked text (its times differ on every run).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EXPECTED_DIR,
  GUESTS,
  MASKED_GUESTS,
  RRVM_CLI,
  describeRun,
  guestElf,
  guestInput,
  guestTimeoutMs,
  maskNumbers,
  runRrvm,
} from './run-guest.js';

describe('rrvm run: guest console output matches the QEMU reference', () => {
  for (const guest of GUESTS) {
    const timeoutMs = guestTimeoutMs(guest);
    it(`${guest}`, () => {
      expect(existsSync(RRVM_CLI), `rrvm CLI not built: ${RRVM_CLI} is missing (npm test runs tsc first)`).toBe(true);
      const want = readFileSync(join(EXPECTED_DIR, `${guest}.txt`), 'latin1');
      const r = runRrvm(guestElf(guest), { inputFile: guestInput(guest), timeoutMs });
      expect(r.timedOut, describeRun(`rrvm ${guest}`, r)).toBe(false);
      let got = r.stdout.toString('latin1');
      if (MASKED_GUESTS.has(guest)) got = maskNumbers(got);
      expect(got).toBe(want);
      expect(r.code, describeRun(`rrvm ${guest}`, r)).toBe(0);
    }, timeoutMs + 10_000);
  }

  it('the expected files are the guests\' own text (sanity)', () => {
    expect(readFileSync(join(EXPECTED_DIR, 'isa-selftest.txt'), 'latin1')).toMatch(/\nALL PASS\n$/);
    expect(readFileSync(join(EXPECTED_DIR, 'hello.txt'), 'latin1')).toMatch(/^Hello from rrvm guest!\n/);
    expect(readFileSync(join(EXPECTED_DIR, 'echo.txt'), 'latin1')).toContain(
      readFileSync(guestInput('echo')!, 'latin1'),
    );
  });
});
