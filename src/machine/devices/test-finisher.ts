import type { HaltSink } from '../../core/halt-reason.js';
import type { AccessSize, MmioDevice } from '../mmio-device.js';

/**
 * Register offsets of the SiFive test finisher (QEMU hw/misc/sifive_test.c).
 * FINISHER: write `status | code << 16`; only offset 0 is decoded.
 */
export const TestFinisherReg = {
  FINISHER: 0x0,
} as const;

/** Status values of the low 16 bits of a FINISHER write (sifive_test.h `FINISHER_*`). */
export const FinisherStatus = {
  FAIL: 0x3333,
  PASS: 0x5555,
  RESET: 0x7777,
} as const;

/** The SiFive test finisher: a guest store ends the run with pass, fail(code) or reset. Reads 0. */
export class TestFinisher implements MmioDevice {
  readonly name = 'test-finisher';

  constructor(private readonly halt: HaltSink) {}

  read(_offset: number, _size: AccessSize): number {
    return 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (offset !== TestFinisherReg.FINISHER) return;
    const v = size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff);
    const status = v & 0xffff;
    const code = v >>> 16;
    if (status === FinisherStatus.PASS) this.halt({ kind: 'pass' });
    else if (status === FinisherStatus.FAIL) this.halt({ kind: 'fail', code });
    else if (status === FinisherStatus.RESET) this.halt({ kind: 'reset' });
    // Any other status is ignored, as QEMU does (it only logs a guest error).
  }
}
