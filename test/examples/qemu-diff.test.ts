// Differential test: every guest runs on QEMU's riscv32 `virt` board and on rrvm, and the
// console output must be the same bytes (for `clock`, after masking the times, the only
// thing that differs between runs). Needs qemu-system-riscv32; skips with a printed reason
// without it (fails instead when RRVM_REQUIRE_TOOLS=1).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  GUESTS,
  MASKED_GUESTS,
  RRVM_CLI,
  describeRun,
  findTool,
  guestElf,
  guestInput,
  guestTimeoutMs,
  maskNumbers,
  runQemu,
  runRrvm,
  skipWithoutTool,
} from './run-guest.js';

const QEMU = 'qemu-system-riscv32';
const skip = skipWithoutTool('qemu-diff', QEMU);

describe.skipIf(skip)('guests behave the same on QEMU and on rrvm', () => {
  for (const guest of GUESTS) {
    const timeoutMs = guestTimeoutMs(guest);
    it(`${guest}: same console output, exit 0`, () => {
      expect(findTool(QEMU), `${QEMU} is required (RRVM_REQUIRE_TOOLS=1) but is not on PATH`).toBeTruthy();
      const elf = guestElf(guest);
      const inputFile = guestInput(guest);

      const q = runQemu(elf, { inputFile, timeoutMs });
      expect(q.timedOut, describeRun(`qemu ${guest}`, q)).toBe(false);
      expect(q.code, describeRun(`qemu ${guest}`, q)).toBe(0); // test finisher: pass

      expect(existsSync(RRVM_CLI), `rrvm CLI not built: ${RRVM_CLI} is missing (npm test runs tsc first)`).toBe(true);
      const r = runRrvm(elf, { inputFile, timeoutMs });
      expect(r.timedOut, describeRun(`rrvm ${guest}`, r)).toBe(false);

      let want = q.stdout.toString('latin1');
      let got = r.stdout.toString('latin1');
      if (MASKED_GUESTS.has(guest)) {
        want = maskNumbers(want);
        got = maskNumbers(got);
      }
      expect(want.length, `qemu printed nothing for ${guest}`).toBeGreaterThan(0);
      expect(got).toBe(want);
      expect(r.code, describeRun(`rrvm ${guest}`, r)).toBe(0);
    }, 2 * timeoutMs + 10_000);
  }
});
