import { describe, expect, it } from 'vitest';
import { Plic, PlicReg } from '../../../src/machine/devices/plic.js';
import { MipBit } from '../../../src/machine/interrupt-pins.js';

const M = 0; // context 0: hart 0 M-mode
const S = 1; // context 1: hart 0 S-mode

function setup() {
  const mip = new Map<number, boolean>();
  const calls: [number, boolean][] = [];
  const plic = new Plic({
    setPin: (bit, level) => {
      mip.set(bit, level);
      calls.push([bit, level]);
    },
  });
  const meip = () => mip.get(MipBit.MEIP) ?? false;
  const seip = () => mip.get(MipBit.SEIP) ?? false;
  const priority = (src: number, p: number) => plic.write(PlicReg.PRIORITY + 4 * src, 4, p);
  const enable = (ctx: number, word: number, bits: number) =>
    plic.write(PlicReg.ENABLE + PlicReg.ENABLE_STRIDE * ctx + 4 * word, 4, bits);
  const threshold = (ctx: number, t: number) =>
    plic.write(PlicReg.THRESHOLD + PlicReg.CONTEXT_STRIDE * ctx, 4, t);
  const claim = (ctx: number) => plic.read(PlicReg.CLAIM_COMPLETE + PlicReg.CONTEXT_STRIDE * ctx, 4);
  const complete = (ctx: number, src: number) =>
    plic.write(PlicReg.CLAIM_COMPLETE + PlicReg.CONTEXT_STRIDE * ctx, 4, src);
  const pending = (word = 0) => plic.read(PlicReg.PENDING + 4 * word, 4);
  return { plic, calls, meip, seip, priority, enable, threshold, claim, complete, pending };
}

describe('Plic', () => {
  it('stores 3-bit priorities and keeps source 0 at 0', () => {
    const { plic, priority } = setup();
    priority(0, 5);
    priority(10, 0xf);
    priority(53, 3);
    expect(plic.read(PlicReg.PRIORITY, 4)).toBe(0);
    expect(plic.read(PlicReg.PRIORITY + 40, 4)).toBe(7);
    expect(plic.read(PlicReg.PRIORITY + 4 * 53, 4)).toBe(3);
    expect(plic.read(PlicReg.PRIORITY + 4 * 54, 4)).toBe(0);
  });

  it('sets pending bits from raised lines in two words; pending is read-only', () => {
    const { plic, pending } = setup();
    plic.setIrq(10, true);
    plic.setIrq(40, true);
    expect(pending(0)).toBe(1 << 10);
    expect(pending(1)).toBe(1 << 8);
    plic.write(PlicReg.PENDING, 4, 0);
    expect(pending(0)).toBe(1 << 10);
  });

  it('raises MEIP only for an enabled source with priority above the threshold', () => {
    const { plic, meip, seip, priority, enable, threshold } = setup();
    plic.setIrq(10, true);
    expect(meip()).toBe(false); // priority 0 never interrupts
    priority(10, 1);
    expect(meip()).toBe(false); // not enabled
    enable(M, 0, 1 << 10);
    expect(meip()).toBe(true);
    expect(seip()).toBe(false);
    threshold(M, 1);
    expect(meip()).toBe(false); // priority must be strictly greater
    threshold(M, 0);
    expect(meip()).toBe(true);
    expect(plic.read(PlicReg.ENABLE, 4)).toBe(1 << 10);
    expect(plic.read(PlicReg.THRESHOLD, 4)).toBe(0);
  });

  it('drives SEIP from context 1 independently of context 0', () => {
    const { plic, meip, seip, priority, enable, claim } = setup();
    priority(33, 2);
    enable(S, 1, 1 << 1);
    plic.setIrq(33, true);
    expect(seip()).toBe(true);
    expect(meip()).toBe(false);
    expect(claim(M)).toBe(0);
    expect(claim(S)).toBe(33);
    expect(seip()).toBe(false);
  });

  it('claims the highest priority first and breaks ties by lowest id', () => {
    const { plic, priority, enable, claim } = setup();
    priority(3, 2);
    priority(5, 6);
    priority(7, 6);
    enable(M, 0, (1 << 3) | (1 << 5) | (1 << 7));
    for (const s of [3, 7, 5]) plic.setIrq(s, true);
    expect([claim(M), claim(M), claim(M), claim(M)]).toEqual([5, 7, 3, 0]);
  });

  it('clears pending on claim, holds a claimed source, and re-pends on complete while the line is high', () => {
    const { plic, meip, priority, enable, claim, complete, pending } = setup();
    priority(10, 1);
    enable(M, 0, 1 << 10);
    plic.setIrq(10, true);
    expect(claim(M)).toBe(10);
    expect(pending()).toBe(0);
    expect(meip()).toBe(false);
    plic.setIrq(10, true); // still in service: not pending again
    expect(pending()).toBe(0);
    complete(M, 10);
    expect(pending()).toBe(1 << 10); // level still high: a new request
    expect(meip()).toBe(true);
    expect(claim(M)).toBe(10);
    plic.setIrq(10, false);
    complete(M, 10);
    expect(pending()).toBe(0);
    expect(meip()).toBe(false);
  });

  it('keeps a request pending after the line drops before it is claimed', () => {
    const { plic, meip, priority, enable, claim } = setup();
    priority(1, 1);
    enable(M, 0, 1 << 1);
    plic.setIrq(1, true);
    plic.setIrq(1, false);
    expect(meip()).toBe(true);
    expect(claim(M)).toBe(1);
  });

  it('reports each output change once', () => {
    const { plic, calls, priority, enable, claim, complete } = setup();
    priority(10, 1);
    priority(11, 1);
    enable(M, 0, (1 << 10) | (1 << 11));
    plic.setIrq(10, true);
    plic.setIrq(11, true);
    expect(calls).toEqual([[MipBit.MEIP, true]]);
    claim(M);
    expect(calls).toEqual([[MipBit.MEIP, true]]); // source 11 still pending
    claim(M);
    expect(calls).toEqual([[MipBit.MEIP, true], [MipBit.MEIP, false]]);
    plic.setIrq(10, false);
    complete(M, 10);
    expect(calls.length).toBe(2);
  });

  it('ignores out-of-range sources, narrow accesses and unknown offsets', () => {
    const { plic, meip, priority, enable, pending } = setup();
    plic.setIrq(0, true);
    plic.setIrq(54, true);
    expect(pending(0) | pending(1)).toBe(0);
    priority(10, 1);
    enable(M, 0, 1 << 10);
    plic.setIrq(10, true);
    expect(plic.read(PlicReg.CLAIM_COMPLETE, 2)).toBe(0);
    expect(meip()).toBe(true); // a narrow read does not claim
    plic.write(PlicReg.PRIORITY + 40, 1, 0);
    expect(plic.read(PlicReg.PRIORITY + 40, 4)).toBe(1);
    expect(plic.read(PlicReg.THRESHOLD + 2 * PlicReg.CONTEXT_STRIDE, 4)).toBe(0);
    expect(plic.read(PlicReg.CLAIM_COMPLETE + 2 * PlicReg.CONTEXT_STRIDE, 4)).toBe(0);
    expect(meip()).toBe(true);
  });
});
