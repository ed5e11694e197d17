// HTIF through the ELF's `tohost` symbol (DESIGN §2): a store of 1 passes, a store of
// (code << 1) | 1 fails with `code`, 0 does nothing, and an even value is spike's syscall
// proxy (write and exit served, anything else halts with htif-unsupported).
import { describe, expect, it } from 'vitest';
import * as A from './cpu/asm.js';
import { BASE, makeMachine } from './cpu/harness.js';

const { a0, s1, t0 } = A.Reg;
const TOHOST = BASE + 0x1000;

const FROMHOST = TOHOST + 0x40;
/** A syscall block (8 uint64 words) and a text buffer, away from tohost. */
const MAGIC = BASE + 0x2000;
const TEXT = BASE + 0x2100;

function machineWithTohost(program: A.Insn[], tohost: number | null = TOHOST) {
  const m = makeMachine();
  const image = { entry: BASE, segments: [{ address: BASE, data: A.assemble(program) }] };
  m.load(tohost === null ? image : { ...image, tohost, fromhost: FROMHOST });
  return m;
}

/** Writes a syscall block: number, then arguments, as uint64 words. */
function pokeSyscall(m: ReturnType<typeof makeMachine>, words: number[]): void {
  words.forEach((w, i) => {
    m.ram.i32[(MAGIC - BASE) / 4 + 2 * i] = w;
    m.ram.i32[(MAGIC - BASE) / 4 + 2 * i + 1] = 0;
  });
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

  it('zero, and stores next to tohost, do not halt', () => {
    const m = machineWithTohost([
      ...A.li(t0, TOHOST), A.sw(0, t0, 0), A.addi(a0, 0, 1), A.sw(a0, t0, 4), A.sw(a0, t0, -4), A.wfi(),
    ]);
    m.run(1000);
    expect(m.halted).toBe(null);
    expect(m.cpu.waiting).toBe(true);
  });

  it('an even value pointing at a write syscall block prints the buffer, answers in fromhost and clears tohost', () => {
    const m = machineWithTohost([...A.li(t0, TOHOST), ...A.li(a0, MAGIC), A.sw(a0, t0, 0), A.sw(0, t0, 4), A.wfi()]);
    m.ram.u8.set(new TextEncoder().encode('hi!'), TEXT - BASE);
    pokeSyscall(m, [64, 1, TEXT, 3]);
    m.run(1000);
    expect(m.halted).toBe(null);
    expect(new TextDecoder().decode(m.takeConsoleOutput())).toBe('hi!');
    expect(m.ram.i32[(TOHOST - BASE) / 4]).toBe(0);
    expect(m.ram.i32[(FROMHOST - BASE) / 4]).toBe(1);
    expect(m.ram.i32[(MAGIC - BASE) / 4]).toBe(3);
  });

  for (const [code, halt] of [[0, { kind: 'pass' }], [5, { kind: 'fail', code: 5 }]] as const) {
    it(`an exit syscall with code ${code} halts with ${halt.kind}`, () => {
      const m = machineWithTohost([...A.li(t0, TOHOST), ...A.li(a0, MAGIC), A.sw(a0, t0, 0), A.wfi()]);
      pokeSyscall(m, [93, code]);
      m.run(1000);
      expect(m.halted).toEqual(halt);
    });
  }

  it('an even value that is no served syscall halts with htif-unsupported naming the value, instead of leaving the guest spinning', () => {
    for (const [value, block] of [[MAGIC, [57, 1, TEXT, 3]], [MAGIC, [64, 7, TEXT, 3]], [2, [64, 1, TEXT, 3]]] as const) {
      const m = machineWithTohost([...A.li(t0, TOHOST), ...A.li(a0, value), A.sw(a0, t0, 0), A.wfi()]);
      pokeSyscall(m, [...block]);
      m.run(1000);
      expect(m.halted).toEqual({ kind: 'htif-unsupported', tohost: value });
    }
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
