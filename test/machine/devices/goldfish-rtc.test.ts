import { describe, expect, it } from 'vitest';
import { GoldfishRtc, GoldfishRtcReg as R } from '../../../src/machine/devices/goldfish-rtc.js';
import { VirtualClock } from '../../../src/machine/virtual-clock.js';

// A wall-clock time in 2023 as the port delivers it: an integral double (multiple of 256 ns),
// so every offset added to it below is a multiple of 256 too.
const HOST_NS = Number(0x17a5_b3c4_d5e6_f700n);

function setup(shift = 3) {
  let icount = 0;
  let hostNs = HOST_NS;
  let clockReads = 0;
  const irqs: [number, boolean][] = [];
  const clock = new VirtualClock(() => icount, shift);
  const rtc = new GoldfishRtc(
    {
      clock: (kind) => {
        expect(kind).toBe('rtc');
        clockReads++;
        return hostNs;
      },
      random: () => {
        throw new Error('the RTC never asks for entropy');
      },
      blockIo: () => {
        throw new Error('the RTC never starts block I/O');
      },
      defer: () => {
        throw new Error('the RTC never defers work');
      },
      netTx: () => {
        throw new Error('the RTC never transmits');
      },
      audioStream: () => {
        throw new Error('the RTC plays no audio');
      },
    },
    clock,
    { setIrq: (source, level) => irqs.push([source, level]) },
    11,
  );
  return {
    rtc,
    clock,
    irqs,
    reads: () => clockReads,
    setIcount: (n: number) => {
      icount = n;
    },
    setHostNs: (ns: number) => {
      hostNs = ns;
    },
  };
}

const hiOf = (ns: number) => Number(BigInt(ns) >> 32n);
const loOf = (ns: number) => Number(BigInt(ns) & 0xffff_ffffn);

function setAlarm(rtc: GoldfishRtc, ns: number): void {
  rtc.write(R.ALARM_HIGH, 4, hiOf(ns));
  rtc.write(R.ALARM_LOW, 4, loOf(ns));
}

describe('GoldfishRtc', () => {
  it('reads the host clock exactly once per TIME_LOW and latches the high half', () => {
    const { rtc, reads, setHostNs } = setup();
    expect(rtc.read(R.TIME_LOW, 4)).toBe(loOf(HOST_NS));
    expect(reads()).toBe(1);
    setHostNs(HOST_NS + 2 ** 40);
    expect(rtc.read(R.TIME_HIGH, 4)).toBe(hiOf(HOST_NS));
    expect(rtc.read(R.TIME_HIGH, 4)).toBe(hiOf(HOST_NS));
    expect(reads()).toBe(1);
    expect(rtc.read(R.TIME_LOW, 4)).toBe(loOf(HOST_NS + 2 ** 40));
    expect(rtc.read(R.TIME_HIGH, 4)).toBe(hiOf(HOST_NS + 2 ** 40));
    expect(reads()).toBe(2);
  });

  it('reads no clock for the other registers', () => {
    const { rtc, reads } = setup();
    for (const off of [R.TIME_HIGH, R.ALARM_LOW, R.ALARM_HIGH, R.IRQ_ENABLED, R.ALARM_STATUS, 0x20]) {
      rtc.read(off, 4);
    }
    expect(reads()).toBe(0);
  });

  it('shifts its time by guest writes to TIME_HIGH and TIME_LOW', () => {
    const { rtc, reads, setHostNs } = setup();
    rtc.write(R.TIME_HIGH, 4, 0);
    rtc.write(R.TIME_LOW, 4, 5);
    expect(reads()).toBe(2);
    expect(rtc.read(R.TIME_LOW, 4)).toBe(5);
    expect(rtc.read(R.TIME_HIGH, 4)).toBe(0);
    setHostNs(HOST_NS + 2 ** 32 + 256);
    expect(rtc.read(R.TIME_LOW, 4)).toBe(261);
    expect(rtc.read(R.TIME_HIGH, 4)).toBe(1);
  });

  it('arms an alarm with one clock read and fires it at the exact icount', () => {
    const { rtc, clock, irqs, reads, setIcount } = setup(3);
    setIcount(500); // 4000 virtual ns
    rtc.write(R.IRQ_ENABLED, 4, 1);
    setAlarm(rtc, HOST_NS + 1_024_000);
    expect(reads()).toBe(1);
    expect(rtc.read(R.ALARM_STATUS, 4)).toBe(1);
    expect(rtc.read(R.ALARM_LOW, 4)).toBe(loOf(HOST_NS + 1_024_000));
    expect(rtc.read(R.ALARM_HIGH, 4)).toBe(hiOf(HOST_NS + 1_024_000));
    const deadline = rtc.deadlineIcount();
    expect(deadline).toBe((4000 + 1_024_000) / 8);
    setIcount(deadline - 1);
    rtc.update();
    expect(irqs).toEqual([]);
    expect(rtc.read(R.ALARM_STATUS, 4)).toBe(1);
    setIcount(deadline);
    expect(clock.nowNs()).toBe(4000 + 1_024_000);
    rtc.update();
    expect(irqs).toEqual([[11, true]]);
    expect(rtc.read(R.ALARM_STATUS, 4)).toBe(0);
    expect(rtc.deadlineIcount()).toBe(Infinity);
    rtc.write(R.CLEAR_INTERRUPT, 4, 1);
    expect(irqs).toEqual([[11, true], [11, false]]);
    expect(reads()).toBe(1);
  });

  it('computes the remaining time across a low-word carry', () => {
    const { rtc, setIcount } = setup(0);
    setIcount(10);
    // The alarm's low word is below the current low word: the difference borrows from the high word.
    const alarm = (hiOf(HOST_NS) + 1) * 2 ** 32 + 256;
    setAlarm(rtc, alarm);
    expect(rtc.deadlineIcount()).toBe(10 + (alarm - HOST_NS));
    expect(alarm - HOST_NS).toBe(2 ** 32 - loOf(HOST_NS) + 256);
  });

  it('fires at once when the alarm is not in the future', () => {
    const { rtc, irqs } = setup();
    rtc.write(R.IRQ_ENABLED, 4, 1);
    setAlarm(rtc, HOST_NS);
    expect(irqs).toEqual([[11, true]]);
    expect(rtc.read(R.ALARM_STATUS, 4)).toBe(0);
    expect(rtc.deadlineIcount()).toBe(Infinity);
  });

  it('holds a fired alarm until IRQ_ENABLED is set, and lowers the line when disabled', () => {
    const { rtc, irqs } = setup();
    setAlarm(rtc, HOST_NS - 256);
    expect(irqs).toEqual([]);
    rtc.write(R.IRQ_ENABLED, 4, 3);
    expect(rtc.read(R.IRQ_ENABLED, 4)).toBe(1);
    expect(irqs).toEqual([[11, true]]);
    rtc.write(R.IRQ_ENABLED, 4, 0);
    expect(irqs).toEqual([[11, true], [11, false]]);
  });

  it('disarms on CLEAR_ALARM', () => {
    const { rtc, irqs, setIcount } = setup();
    rtc.write(R.IRQ_ENABLED, 4, 1);
    setAlarm(rtc, HOST_NS + 1024);
    expect(rtc.deadlineIcount()).toBe(128);
    rtc.write(R.CLEAR_ALARM, 4, 1);
    expect(rtc.read(R.ALARM_STATUS, 4)).toBe(0);
    expect(rtc.deadlineIcount()).toBe(Infinity);
    setIcount(1000);
    rtc.update();
    expect(irqs).toEqual([]);
  });

  it('keeps the alarm in virtual time when the bias jumps', () => {
    const { rtc, clock, irqs, setIcount } = setup(3);
    rtc.write(R.IRQ_ENABLED, 4, 1);
    setAlarm(rtc, HOST_NS + 81_920);
    expect(rtc.deadlineIcount()).toBe(10_240);
    setIcount(100);
    clock.biasNs = 40_960;
    expect(rtc.deadlineIcount()).toBe(5_120);
    clock.biasNs = 100_000;
    expect(rtc.deadlineIcount()).toBe(100);
    rtc.update();
    expect(irqs).toEqual([[11, true]]);
  });
});
