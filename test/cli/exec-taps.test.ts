// Execution taps through the built CLI: insn-trace, mmio, coverage, profile and a module tap on
// the block and memory streams give the same files in record and replay; the instruction trace
// has one line per instruction retired and shows the traps; the UART stores in the mmio trace
// spell the console output; the profile has one sample per 97 instructions; lcov through the
// cross binutils' addr2line names the guest's source lines.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { disassemble } from '../../streams/taps/internal/disassemble.js';
import { ExecStreams } from '../../streams/exec-streams.js';
import { Machine } from '../../src/machine/machine.js';
import { tempDir } from '../engine/harness.js';
import { EXAMPLES_DIR, guestElf, skipWithoutTool } from '../examples/run-guest.js';
import { describeCli, REPO_ROOT, rrvm } from './cli-harness.js';

const temp = tempDir('exec-taps');
afterAll(temp.remove);

/** `--tap` arguments writing each of `taps` to `<guest>-<mode>-<tap>.txt` (the profile every 97 instructions). */
function tapArgs(taps: readonly string[], guest: string, mode: string): string[] {
  const file = (t: string): string => temp.path(`${guest}-${mode}-${t}.txt`);
  return taps.flatMap((t) => [
    '--tap',
    t === 'profile' ? `profile=${file(t)},every=97` : t === 'page-heat' ? `${EXAMPLES_DIR}/taps/page-heat.js,file=${file(t)}` : `${t}=${file(t)}`,
  ]);
}

/** Records `guest` and replays the recording, both with `taps`; checks each tap wrote the same file; returns the instructions run. */
function recordAndReplay(guest: 'isa-selftest' | 'paging', taps: readonly string[]): { instructions: number; stdout: Buffer } {
  const log = temp.path(`${guest}.rrlog`);
  const rec = rrvm(['record', '-o', log, ...tapArgs(taps, guest, 'record'), guestElf(guest)]);
  expect(rec.code, describeCli(rec)).toBe(0);
  const rep = rrvm(['replay', ...tapArgs(taps, guest, 'replay'), log]);
  expect(rep.code, describeCli(rep)).toBe(0);
  for (const t of taps) {
    expect(readFileSync(temp.path(`${guest}-replay-${t}.txt`)).equals(readFileSync(temp.path(`${guest}-record-${t}.txt`))), t).toBe(true);
  }
  const info = JSON.parse(rrvm(['info', '--json', log]).stdout.toString()) as { instructions: number };
  return { instructions: info.instructions, stdout: rec.stdout };
}

describe('execution taps (insn-trace, mmio, coverage, profile, blocks and memory accesses)', () => {
  it('give identical files in record and replay, one trace line per instruction, traps shown, UART stores = console', () => {
    const { instructions, stdout } = recordAndReplay('isa-selftest', ['insn-trace', 'mmio', 'coverage']);
    const lines = readFileSync(temp.path('isa-selftest-record-insn-trace.txt'), 'utf8').trimEnd().split('\n');
    const insns = lines.filter((l) => !/^\s*\d+ trap /.test(l));
    expect(insns).toHaveLength(instructions);
    // icounts run 0, 1, 2, … with no gap.
    insns.forEach((l, i) => expect(Number(l.trim().split(' ')[0]), l).toBe(i));
    expect(lines.some((l) => / trap cause=00000008 /.test(l)), 'an ecall from U-mode').toBe(true);
    const uartStores = readFileSync(temp.path('isa-selftest-record-mmio.txt'), 'utf8')
      .split('\n')
      .flatMap((l) => {
        const m = /^\s*\d+ uart w1 \+0x0 = 0x([0-9a-f]+)$/.exec(l);
        return m === null ? [] : [Number.parseInt(m[1]!, 16)];
      });
    expect(Buffer.from(uartStores).toString('latin1')).toBe(stdout.toString('latin1'));
    expect(readFileSync(temp.path('isa-selftest-record-coverage.txt'), 'utf8')).toMatch(/^# \d+ ranges, \d+ bytes\n# \d+ blocks, \d+ block runs\n80000000-/);
  }, 180_000);

  it('profile, coverage and a module tap on blocks$ and memory$ give identical files in record and replay under Sv32', () => {
    const { instructions } = recordAndReplay('paging', ['coverage', 'profile', 'page-heat']);
    // One sample at each multiple of 97 before the END (the halt at the end is not sampled).
    const profile = readFileSync(temp.path('paging-record-profile.txt'), 'utf8').trimEnd().split('\n');
    for (const line of profile) expect(line).toMatch(/^[\w.$]+ \d+$/);
    const samples = profile.reduce((n, l) => n + Number(l.split(' ')[1]), 0);
    expect(samples).toBe(Math.floor((instructions - 1) / 97) + 1);
    expect(profile.some((l) => l.startsWith('main '))).toBe(true);
    // Virtual addresses: S-mode stored once through the remapped page and loaded once from the
    // late one (the load that faulted is not an access; its retry is).
    const heat = new Map(readFileSync(temp.path('paging-record-page-heat.txt'), 'utf8').split('\n').slice(1, -1).map((l) => {
      const [page, ...counts] = l.trim().split(/\s+/);
      return [page!, counts.map(Number)];
    }));
    expect(heat.get('40000000')).toEqual([0, 1, 0]);
    expect(heat.get('40001000')).toEqual([1, 0, 0]);
    expect(heat.get('80000000')![2]).toBeGreaterThan(0);
    expect(readFileSync(temp.path('paging-record-coverage.txt'), 'utf8')).toMatch(/^# \d+ ranges, \d+ bytes\n# \d+ blocks, \d+ block runs\n80000000-/);
  }, 120_000);

  it('coverage writes lcov through addr2line for a guest built with -g', () => {
    if (skipWithoutTool('coverage lcov', 'riscv64-unknown-elf-gcc') || skipWithoutTool('coverage lcov', 'riscv64-unknown-elf-addr2line')) return;
    const build = spawnSync('make', ['-s', '-C', `${REPO_ROOT}/examples`, `OUT=${temp.path('g')}`, 'GUESTS=hello', 'CC=riscv64-unknown-elf-gcc -g'], { encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const run = rrvm(['run', '--tap', `coverage=${temp.path('cov.txt')},lcov=${temp.path('cov.info')}`, temp.path('g/hello/hello.elf')]);
    expect(run.code, describeCli(run)).toBe(0);
    const lcov = readFileSync(temp.path('cov.info'), 'utf8');
    const record = lcov.split('end_of_record\n').find((r) => /^SF:.*hello\.c$/m.test(r));
    expect(record, lcov.slice(0, 500)).toBeDefined();
    const hits = [...record!.matchAll(/^DA:(\d+),(\d+)$/gm)].map((m) => Number(m[2]));
    expect(hits.some((n) => n > 0)).toBe(true);
    expect(Number(/^LH:(\d+)$/m.exec(record!)?.[1])).toBe(hits.filter((n) => n > 0).length);
    // uart_getc is never called by hello: its lines are found, with no hits.
    const uart = lcov.split('end_of_record\n').find((r) => /^SF:.*uart\.c$/m.test(r));
    expect(uart).toMatch(/^DA:\d+,0$/m);
  });

  it('the machine is observed only while a stream has a subscriber', () => {
    const machine = new Machine({ ramBytes: 1 << 20, icountShift: 3 }, { clock: () => 0, random: (n) => new Uint8Array(n), blockIo: () => {}, defer: () => 0, netTx: () => {}, audioStream: () => {} });
    const exec = new ExecStreams();
    exec.attach(machine);
    expect(machine.bus.mmioObserver).toBeNull();
    const a = exec.mmio$.subscribe();
    const b = exec.insns$.subscribe();
    const c = exec.samples$(100).subscribe();
    expect(machine.bus.mmioObserver).not.toBeNull();
    a.unsubscribe();
    b.unsubscribe();
    expect(machine.bus.mmioObserver).not.toBeNull();
    c.unsubscribe();
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
