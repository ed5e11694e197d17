// Whatever a guest executes, the machine answers with architectural behaviour (traps, halts),
// never a JS exception: random bytes as code, run with a trap handler that skips the faulting
// instruction, in the interpreter and (after enough repetitions) compiled.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Machine } from '../../src/machine/machine.js';
import * as A from './cpu/asm.js';

const BASE = 0x8000_0000;
const HANDLER = BASE + 0x2000;

/** mepc += 4; mret — resumes after whatever trapped (odd lengths just misalign the next fetch). */
const skipHandler = A.assemble([A.csrrs(A.Reg.t6, 0x341, 0), A.addi(A.Reg.t6, A.Reg.t6, 4), A.csrrw(0, 0x341, A.Reg.t6), 0x30200073]);

describe('random code', () => {
  it('never throws: every outcome is a trap, a halt or plain execution', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 1024 }), fc.nat({ max: 0xffff_ffff }), (code, seed) => {
        const m = new Machine({ ramBytes: 1 << 16, icountShift: 3 }, { clock: () => 1_700_000_000_000_000_000, random: (n) => new Uint8Array(n), blockIo: () => {}, defer: () => 0, netTx: () => {}, audioStream: () => {} });
        m.load({ entry: BASE, segments: [{ address: BASE, data: code }, { address: HANDLER, data: skipHandler }] });
        m.cpu.mtvec = HANDLER;
        // Registers point into RAM often, so loads and stores hit memory and MMIO alike.
        for (let r = 1; r < 32; r++) m.cpu.x[r] = r % 3 === 0 ? (BASE + ((seed * r) & 0xfff0)) | 0 : Math.imul(seed, r + 1);
        // Re-entered from the top 40 times, so the code there also runs compiled.
        for (let pass = 0; pass < 40 && m.halted === null; pass++) {
          m.cpu.pc = BASE | 0;
          m.cpu.waiting = false;
          m.cpu.priv = 3;
          m.run(m.icount + 300);
        }
        expect(m.icount).toBeGreaterThan(0);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
