// Physical memory protection (privileged spec §3.7): TOR, NA4 and NAPOT matching, the lowest
// entry wins, partial matches fail, S/U need a matching entry, M is checked only for locked
// entries, and locked entries cannot be rewritten.
import { describe, expect, it } from 'vitest';
import { Csr } from '../../../src/machine/cpu/csr-number.js';
import { Pmp, PmpPerm } from '../../../src/machine/cpu/pmp.js';
import { Priv } from '../../../src/machine/cpu/trap-cause.js';
import * as A from './asm.js';
import { DATA } from './harness.js';
import { pagedMachine, runAt } from './sv32.js';

const { a0, a1, s0, t0 } = A.Reg;
const { R, W, X } = PmpPerm;
const TOR = 1 << 3;
const NA4 = 2 << 3;
const NAPOT = 3 << 3;
const L = 0x80;
/** pmpaddr of a NAPOT region of `bytes` (a power of two, at least 8) at `base`. */
const napot = (base: number, bytes: number): number => ((base >>> 2) | ((bytes >>> 3) - 1)) | 0;

/** A Pmp with entries [cfg byte, pmpaddr] from 0 on. */
function pmpWith(entries: [number, number][]): Pmp {
  const pmp = new Pmp();
  entries.forEach(([, addr], i) => pmp.writeAddr(i, addr));
  for (let reg = 0; reg < 4; reg++) {
    let cfg = 0;
    for (let b = 0; b < 4; b++) cfg |= (entries[reg * 4 + b]?.[0] ?? 0) << (8 * b);
    pmp.writeCfg(reg, cfg);
  }
  return pmp;
}

describe('Pmp.allows', () => {
  const region = pmpWith([[NAPOT | R, napot(DATA, 0x100)], [TOR | R | W, (DATA + 0x200) >>> 2], [NA4 | X, (DATA + 0x400) >>> 2]]);
  const cases: [string, Pmp, number, number, number, number, boolean][] = [
    ['S reads inside a NAPOT R region', region, DATA + 0x10, 4, R, Priv.S, true],
    ['S writes inside a NAPOT R region', region, DATA + 0x10, 4, W, Priv.S, false],
    ['M writes inside an unlocked R region', region, DATA + 0x10, 4, W, Priv.M, true],
    ['S writes in the TOR range after it (from the previous pmpaddr)', region, DATA + 0x1fc, 4, W, Priv.S, true],
    ['TOR starts at the previous entry\'s pmpaddr: below it the NAPOT entry decides', region, DATA + 0xfc, 4, W, Priv.S, false],
    ['S executes the NA4 word', region, DATA + 0x400, 4, X, Priv.S, true],
    ['S reads the NA4 word (X only)', region, DATA + 0x400, 4, R, Priv.S, false],
    ['S reads past every entry', region, DATA + 0x800, 4, R, Priv.S, false],
    ['M reads past every entry', region, DATA + 0x800, 4, R, Priv.M, true],
    ['an access straddling an entry\'s end fails', region, DATA + 0x3fe, 4, R, Priv.S, false],
    ['no entries: S is denied', new Pmp(), DATA, 4, R, Priv.S, false],
    ['no entries: M is allowed', new Pmp(), DATA, 4, W, Priv.M, true],
    ['a locked entry binds M too', pmpWith([[NAPOT | R | L, napot(DATA, 0x100)]]), DATA, 4, W, Priv.M, false],
    ['a locked entry allows M what it grants', pmpWith([[NAPOT | R | L, napot(DATA, 0x100)]]), DATA, 4, R, Priv.M, true],
    ['the all-ones NAPOT covers the 34-bit space', pmpWith([[NAPOT | R | W | X, -1]]), 0x3_ffff_fff0, 4, W, Priv.U, true],
    ['TOR with pmpaddr0 counts from 0', pmpWith([[TOR | R, 0x100 >>> 2]]), 0xfc, 4, R, Priv.U, true],
  ];
  for (const [what, pmp, address, size, perm, priv, allowed] of cases) {
    it(`${what}: ${allowed ? 'allowed' : 'denied'}`, () => {
      expect(pmp.allows(address, size, perm, priv)).toBe(allowed);
    });
  }

  it('lockedAny is set only by an active locked entry', () => {
    expect(pmpWith([[NAPOT | R, -1]]).lockedAny).toBe(false);
    expect(pmpWith([[L | R, -1]]).lockedAny).toBe(false);
    expect(pmpWith([[NAPOT | L, -1]]).lockedAny).toBe(true);
  });
});

describe('PMP through the CSRs and the hart', () => {
  it('a locked entry ignores writes to its cfg byte and pmpaddr; a TOR above it locks the address below', () => {
    const { m } = pagedMachine([
      ...A.li(t0, 0x1234), A.csrw(Csr.pmpaddr0, t0), A.csrw((Csr.pmpaddr0 + 1), t0),
      ...A.li(t0, (TOR | L) << 8), A.csrw(Csr.pmpcfg0, t0),
      ...A.li(t0, 0x5678), A.csrw(Csr.pmpaddr0, t0), A.csrw((Csr.pmpaddr0 + 1), t0),
      A.addi(t0, 0, 0x1f), A.csrw(Csr.pmpcfg0, t0),
      A.csrr(a0, Csr.pmpaddr0), A.csrr(a1, (Csr.pmpaddr0 + 1)), A.csrr(s0, Csr.pmpcfg0), A.wfi(),
    ]);
    m.cpu.satp = 0;
    const r = runAt(m, Priv.M).r;
    expect([r.x[a0], r.x[a1], r.x[s0]! >>> 0]).toEqual([0x1234, 0x1234, (((TOR | L) << 8) | 0x1f) >>> 0]);
  });

  it('S-mode accesses outside every entry fault with the access fault of their kind', () => {
    for (const [insn, cause] of [[A.lw(a0, s0, 0), 5], [A.sw(a0, s0, 0), 7]] as const) {
      const { m } = pagedMachine([insn, A.wfi()]);
      m.cpu.satp = 0;
      m.cpu.pmp.writeAddr(0, napot(0x8000_0000, 0x4000));
      m.cpu.pmp.writeCfg(0, NAPOT | R | X);
      const t = runAt(m, Priv.S, { [s0]: DATA });
      expect([t.mcause, t.mtval]).toEqual([cause, DATA]);
    }
  });

  it('a fetch outside every entry faults with cause 1', () => {
    const { m } = pagedMachine([A.wfi()]);
    m.cpu.satp = 0;
    m.cpu.pmp.writeCfg(0, 0);
    expect(runAt(m, Priv.S).mcause).toBe(1);
  });

  it('M-mode stores into a locked read-only region fault; unlocked they do not', () => {
    for (const [lock, cause] of [[L, 7], [0, -1]] as const) {
      const { m } = pagedMachine([A.sw(a0, s0, 0), A.wfi()]);
      m.cpu.satp = 0;
      m.cpu.pmp.writeAddr(0, napot(DATA, 0x1000));
      m.cpu.pmp.writeCfg(0, NAPOT | R | lock);
      m.cpu.pmp.writeAddr(1, -1);
      m.cpu.pmp.writeCfg(0, ((NAPOT | R | W | X) << 8) | NAPOT | R | lock);
      expect(runAt(m, Priv.M, { [s0]: DATA }).mcause).toBe(cause);
    }
  });
});
