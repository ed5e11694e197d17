import { describe, expect, it } from 'vitest';
import type { HaltReason } from '../../../src/core/halt-reason.js';
import { TestFinisher } from '../../../src/machine/devices/test-finisher.js';

function setup() {
  const halts: HaltReason[] = [];
  const dev = new TestFinisher((r) => halts.push(r));
  return { dev, halts };
}

describe('TestFinisher', () => {
  it('halts with pass on 0x5555', () => {
    const { dev, halts } = setup();
    dev.write(0, 4, 0x5555);
    expect(halts).toEqual([{ kind: 'pass' }]);
  });

  it('halts with fail and the code from the high 16 bits on 0x3333', () => {
    const { dev, halts } = setup();
    dev.write(0, 4, (42 << 16) | 0x3333);
    dev.write(0, 4, 0xffff3333 | 0);
    expect(halts).toEqual([
      { kind: 'fail', code: 42 },
      { kind: 'fail', code: 0xffff },
    ]);
  });

  it('halts with reset on 0x7777', () => {
    const { dev, halts } = setup();
    dev.write(0, 4, 0x7777);
    expect(halts).toEqual([{ kind: 'reset' }]);
  });

  it('ignores other values, other offsets and bytes above a narrow store', () => {
    const { dev, halts } = setup();
    dev.write(0, 4, 0x1234);
    dev.write(0, 4, 0x5556);
    dev.write(4, 4, 0x5555);
    dev.write(0, 1, 0x5555);
    expect(halts).toEqual([]);
    dev.write(0, 2, (7 << 16) | 0x3333);
    expect(halts).toEqual([{ kind: 'fail', code: 0 }]);
  });

  it('reads 0', () => {
    const { dev } = setup();
    dev.write(0, 4, 0x1234);
    expect(dev.read(0, 4)).toBe(0);
  });
});
