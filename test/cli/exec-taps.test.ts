// Execution taps through the built CLI: insn-trace, mmio and coverage give the same files in
// record and replay; the instruction trace has one line per instruction retired and shows the
// traps; the UART stores in the mmio trace spell the console output.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { disassemble } from '../../streams/taps/internal/disassemble.js';
import { ExecStreams } from '../../streams/exec-streams.js';
import { Machine } from '../../src/machine/machine.js';
import { tempDir } from '../engine/harness.js';
import { guestElf } from '../examples/run-guest.js';
import { describeCli, rrvm } from './cli-harness.js';

const temp = tempDir('exec-taps');
afterAll(temp.remove);

describe('execution taps (insn-trace, mmio, coverage)', () => {
  it('give identical files in record and replay, one trace line per instruction, traps shown, UART stores = console', () => {
    const log = temp.path('isa.rrlog');
    const taps = (mode: string): string[] => ['insn-trace', 'mmio', 'coverage'].flatMap((t) => ['--tap', `${t}=${temp.path(`${mode}-${t}.txt`)}`]);
    const rec = rrvm(['record', '-o', log, ...taps('record'), guestElf('isa-selftest')]);
    expect(rec.code, describeCli(rec)).toBe(0);
    const rep = rrvm(['replay', ...taps('replay'), log]);
    expect(rep.code, describeCli(rep)).toBe(0);
    for (const t of ['insn-trace', 'mmio', 'coverage']) {
      expect(readFileSync(temp.path(`replay-${t}.txt`)).equals(readFileSync(temp.path(`record-${t}.txt`))), t).toBe(true);
    }
    const info = JSON.parse(rrvm(['info', '--json', log]).stdout.toString()) as { instructions: number };
    const lines = readFileSync(temp.path('record-insn-trace.txt'), 'utf8').trimEnd().split('\n');
    const insns = lines.filter((l) => !/^\s*\d+ trap /.test(l));
    expect(insns).toHaveLength(info.instructions);
    // icounts run 0, 1, 2, … with no gap.
    insns.forEach((l, i) => expect(Number(l.trim().split(' ')[0]), l).toBe(i));
    expect(lines.some((l) => / trap cause=00000008 /.test(l)), 'an ecall from U-mode').toBe(true);
    const uartStores = readFileSync(temp.path('record-mmio.txt'), 'utf8')
      .split('\n')
      .flatMap((l) => {
        const m = /^\s*\d+ uart w1 \+0x0 = 0x([0-9a-f]+)$/.exec(l);
        return m === null ? [] : [Number.parseInt(m[1]!, 16)];
      });
    expect(Buffer.from(uartStores).toString('latin1')).toBe(rec.stdout.toString('latin1'));
    expect(readFileSync(temp.path('record-coverage.txt'), 'utf8')).toMatch(/^# \d+ ranges, \d+ bytes\n80000000-/);
  });

  it('the machine is observed only while a stream has a subscriber', () => {
    const machine = new Machine({ ramBytes: 1 << 20, icountShift: 3 }, { clock: () => 0, random: (n) => new Uint8Array(n), blockIo: () => {}, defer: () => 0, netTx: () => {}, audioStream: () => {} });
    const exec = new ExecStreams();
    exec.attach(machine);
    expect(machine.bus.mmioObserver).toBeNull();
    const a = exec.mmio$.subscribe();
    const b = exec.insns$.subscribe();
    expect(machine.bus.mmioObserver).not.toBeNull();
    a.unsubscribe();
    expect(machine.bus.mmioObserver).not.toBeNull();
    b.unsubscribe();
    expect(machine.bus.mmioObserver).toBeNull();
    expect(machine.cpu.onTrap).toBeNull();
  });

  it('disassembles each instruction class like GNU objdump (ABI names, no aliases)', () => {
    const cases: [number, number, string][] = [
      [0x00002197, 0x80000000, 'auipc gp, 0x2'],
      [0xff810113, 0, 'addi sp, sp, -8'],
      [0x00a12023, 0, 'sw a0, 0(sp)'],
      [0x0005a503, 0, 'lw a0, 0(a1)'],
      [0xfe0516e3, 0x80000100, 'bne a0, zero, 0x800000ec'],
      [0x008000ef, 0x80000010, 'jal ra, 0x80000018'],
      [0x02b50533, 0, 'mul a0, a0, a1'],
      [0x34102573, 0, 'csrrs a0, 0x341, zero'],
      [0x30200073, 0, 'mret'],
      [0x00b5252f, 0, 'amoadd.w a0, a1, (a0)'],
      [0x4501, 0, 'addi a0, zero, 0'], // c.li a0, 0
      [0x8082, 0, 'jalr zero, 0(ra)'], // c.ret
      [0xffffffff, 0, 'unknown 0xffffffff'],
    ];
    for (const [bits, pc, text] of cases) expect(disassemble(bits, pc), bits.toString(16)).toBe(text);
  });
});
