// HTIF-style exit through the ELF's `tohost` symbol (DESIGN §2): a store of 1 passes, a store
// of (code << 1) | 1 fails with `code`; even values do nothing.
import { describe, expect, it } from 'vitest';
import * as A from './cpu/asm.js';
import { BASE, makeMachine } from './cpu/harness.js';

const { a0, s1, t0 } = A.Reg;
const TOHOST = BASE + 0x1000;

function machineWithTohost(program: A.Insn[], tohost: number | null = TOHOST) {
  const m = makeMachine();
  const image = { entry: BASE, segments: [{ address: BASE, data: A.assemble(program) }] };
  m.load(tohost === null ? image : { ...image, tohost });
  return m;
}

describe('Machine tohost', () => {
  it('a store of 1 to tohost halts with pass right after the store', () => {
    const m = machineWithTohost([...A.li(t0, TOHOST), A.addi(a0, 0, 1), A.sw(a0, t0, 0), A.addi(a0, 0, 2), A.wfi()]);
    m.run(1000);
    expect(m.halted).toEqual({ kind: 'pass' });
    expect(m.icount).toBe(3);
    expect(m.cpu.x[a0]).toBe(1);
  });

  it('a store of (3 << 1) | 1 halts with fail code 3', () => {
    const m = machineWithTohost([...A.li(t0, TOHOST), A.addi(a0, 0, (3 << 1) | 1), A.sw(a0, t0, 0), A.wfi()]);
    m.run(1000);
    expect(m.halted).toEqual({ kind: 'fail', code: 3 });
  });

  it('even values, and stores next to tohost, do not halt', () => {
    const m = machineWithTohost([
      ...A.li(t0, TOHOST), A.addi(a0, 0, 2), A.sw(a0, t0, 0), A.addi(a0, 0, 1), A.sw(a0, t0, 4), A.sw(a0, t0, -4), A.wfi(),
    ]);
    m.run(1000);
    expect(m.halted).toBe(null);
    expect(m.cpu.waiting).toBe(true);
  });

  it('without a tohost symbol, a store of 1 there is ordinary memory', () => {
    const m = machineWithTohost([...A.li(t0, TOHOST), A.addi(a0, 0, 1), A.sw(a0, t0, 0), A.wfi()], null);
    m.run(1000);
    expect(m.halted).toBe(null);
    expect(m.ram.i32[0x1000 / 4]).toBe(1);
  });

  it('a hot compiled loop that finally stores 1 halts at exactly that store', () => {
    // s1 = 40; loop: sw x0, 0(t0); s1 -= 1; bne s1, x0, loop; sw a0 (= 1), 0(t0); wfi
    const m = machineWithTohost([
      ...A.li(t0, TOHOST), A.addi(s1, 0, 40), A.addi(a0, 0, 1),
      A.sw(0, t0, 0), A.addi(s1, s1, -1), A.bne(s1, 0, -8), A.sw(a0, t0, 0), A.addi(a0, 0, 5), A.wfi(),
    ]);
    m.run(1_000_000);
    expect(m.halted).toEqual({ kind: 'pass' });
    expect(m.icount).toBe(3 + 40 * 3 + 1);
    expect(m.cpu.x[a0]).toBe(1);
  });

  it('a halted machine does not run further', () => {
    const m = machineWithTohost([...A.li(t0, TOHOST), A.addi(a0, 0, 1), A.sw(a0, t0, 0), A.addi(a0, 0, 2)]);
    m.run(1000);
    const icount = m.icount;
    m.run(2000);
    expect(m.icount).toBe(icount);
    expect(m.cpu.x[a0]).toBe(1);
  });
});
