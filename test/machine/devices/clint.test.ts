import { describe, expect, it } from 'vitest';
import { Clint, ClintReg } from '../../../src/machine/devices/clint.js';
import { MipBit } from '../../../src/machine/interrupt-pins.js';
import { VirtualClock } from '../../../src/machine/virtual-clock.js';

function setup(shift = 3, biasNs = 0) {
  let icount = 0;
  const clock = new VirtualClock(() => icount, shift);
  clock.biasNs = biasNs;
  const mip = new Map<number, boolean>();
  const clint = new Clint(clock, { setPin: (bit, level) => mip.set(bit, level) });
  const mtip = () => mip.get(MipBit.MTIP) ?? false;
  const setIcount = (n: number) => {
    icount = n;
  };
  return { clint, clock, mip, mtip, setIcount };
}

function writeMtimecmp(clint: Clint, value: number): void {
  const hi = Math.floor(value / 2 ** 32);
  clint.write(ClintReg.MTIMECMP_HI, 4, hi);
  clint.write(ClintReg.MTIMECMP_LO, 4, value - hi * 2 ** 32);
}

describe('Clint', () => {
  it('resets mtimecmp to all ones with MTIP clear and no deadline', () => {
    const { clint, mtip } = setup();
    expect(clint.read(ClintReg.MTIMECMP_LO, 4)).toBe(0xffff_ffff);
    expect(clint.read(ClintReg.MTIMECMP_HI, 4)).toBe(0xffff_ffff);
    expect(clint.deadlineIcount()).toBe(Infinity);
    clint.update();
    expect(mtip()).toBe(false);
  });

  it('drives MSIP from bit 0 of msip', () => {
    const { clint, mip } = setup();
    clint.write(ClintReg.MSIP, 4, 0xffff_ffff);
    expect(clint.read(ClintReg.MSIP, 4)).toBe(1);
    expect(mip.get(MipBit.MSIP)).toBe(true);
    clint.write(ClintReg.MSIP, 4, 2);
    expect(clint.read(ClintReg.MSIP, 4)).toBe(0);
    expect(mip.get(MipBit.MSIP)).toBe(false);
  });

  it('reads mtime as floor(virtual ns / 100) in two halves and ignores writes to it', () => {
    const { clint, setIcount } = setup(0, 0);
    const ticks = 0x1_2345_6789;
    setIcount(ticks * 100 + 99);
    expect(clint.read(ClintReg.MTIME_LO, 4)).toBe(0x2345_6789);
    expect(clint.read(ClintReg.MTIME_HI, 4)).toBe(1);
    clint.write(ClintReg.MTIME_LO, 4, 0);
    clint.write(ClintReg.MTIME_HI, 4, 0);
    expect(clint.read(ClintReg.MTIME_LO, 4)).toBe(0x2345_6789);
    setIcount(ticks * 100 + 100);
    expect(clint.read(ClintReg.MTIME_LO, 4)).toBe(0x2345_678a);
  });

  it('keeps mtime exact near 2^53 virtual ns', () => {
    const { clint, setIcount } = setup(0, 0);
    const c = Math.floor(2 ** 53 / 100) - 1;
    setIcount(c * 100 - 1);
    expect(clint.mtime()).toBe(c - 1);
    setIcount(c * 100);
    expect(clint.mtime()).toBe(c);
  });

  it('supports byte and halfword access to mtimecmp', () => {
    const { clint } = setup();
    clint.write(ClintReg.MTIMECMP_LO, 4, 0x1122_3344);
    clint.write(ClintReg.MTIMECMP_LO + 1, 1, 0xaa);
    expect(clint.read(ClintReg.MTIMECMP_LO, 4)).toBe(0x1122_aa44);
    clint.write(ClintReg.MTIMECMP_LO + 2, 2, 0xbeef);
    expect(clint.read(ClintReg.MTIMECMP_LO, 4)).toBe(0xbeef_aa44);
    expect(clint.read(ClintReg.MTIMECMP_LO + 3, 1)).toBe(0xbe);
  });

  it('sets MTIP at once when mtimecmp is written at or below mtime, and clears it when raised', () => {
    const { clint, mtip, setIcount } = setup(3, 0);
    setIcount(1000); // 8000 ns = 80 ticks
    writeMtimecmp(clint, 80);
    expect(mtip()).toBe(true);
    expect(clint.deadlineIcount()).toBe(Infinity);
    writeMtimecmp(clint, 81);
    expect(mtip()).toBe(false);
    expect(clint.deadlineIcount()).toBe(1013); // 8100 ns / 8, rounded up
  });

  it('compares mtimecmp by halves: a high word of mtimecmp above mtime never fires', () => {
    const { clint, mtip, setIcount } = setup(0, 0);
    setIcount(100 * 2 ** 32 + 500); // mtime = 0x1_0000_0005
    clint.write(ClintReg.MTIMECMP_LO, 4, 0); // cmp = 0xffffffff_00000000
    expect(mtip()).toBe(false);
    clint.write(ClintReg.MTIMECMP_HI, 4, 1); // cmp = 0x1_0000_0000
    expect(mtip()).toBe(true);
    clint.write(ClintReg.MTIMECMP_LO, 4, 6); // cmp = 0x1_0000_0006
    expect(mtip()).toBe(false);
  });

  it('has no deadline when mtimecmp * 100 ns is beyond 2^53', () => {
    const { clint } = setup(3, 0);
    clint.write(ClintReg.MTIMECMP_HI, 4, 0x0010_0000);
    clint.write(ClintReg.MTIMECMP_LO, 4, 0);
    expect(clint.deadlineIcount()).toBe(Infinity);
    clint.write(ClintReg.MTIMECMP_HI, 4, 0x0000_1000);
    expect(clint.deadlineIcount()).toBe(Math.ceil((0x1000 * 2 ** 32 * 100) / 8));
  });

  for (const shift of [0, 1, 3, 7, 10]) {
    it(`raises MTIP exactly at the deadline icount, not one before (shift ${shift})`, () => {
      let checked = 0;
      for (const biasNs of [0, 7, 12_345, 3_000_000_001]) {
        for (const cmp of [1, 13, 999, 123_456_789, 0x1_0000_0003]) {
          const { clint, clock, mtip, setIcount } = setup(shift, biasNs);
          writeMtimecmp(clint, cmp);
          if (clock.nowNs() >= cmp * 100) {
            // The bias alone already passed the compare value.
            expect(mtip()).toBe(true);
            expect(clint.deadlineIcount()).toBe(Infinity);
            continue;
          }
          expect(mtip()).toBe(false);
          const deadline = clint.deadlineIcount();
          expect(deadline).toBeGreaterThan(0);
          setIcount(deadline - 1);
          clint.update();
          expect(clint.mtime()).toBeLessThan(cmp);
          expect(mtip()).toBe(false);
          setIcount(deadline);
          clint.update();
          expect(clint.mtime()).toBeGreaterThanOrEqual(cmp);
          expect(mtip()).toBe(true);
          expect(clint.deadlineIcount()).toBe(Infinity);
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(15);
    });
  }

  it('moves the deadline when the bias jumps (a WARP) and reports it due at once', () => {
    const { clint, clock, mtip, setIcount } = setup(3, 0);
    writeMtimecmp(clint, 1000); // 100_000 ns
    expect(clint.deadlineIcount()).toBe(12_500);
    setIcount(100);
    clock.biasNs = 50_000;
    expect(clint.deadlineIcount()).toBe(6_250);
    clock.biasNs = 200_000;
    expect(clint.deadlineIcount()).toBe(100); // due now: the engine must call update()
    clint.update();
    expect(mtip()).toBe(true);
  });
});
