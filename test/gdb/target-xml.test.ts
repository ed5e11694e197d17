import { describe, expect, it } from 'vitest';
import { CSR_REGNUM_BASE, CSRS, isDescribedRegister, TARGET_XML } from '../../src/gdb/target-xml.js';

/** Every <reg> of a feature as [name, regnum, type]. */
function registersOf(feature: string): [string, number, string][] {
  const body = new RegExp(`<feature name="${feature.replaceAll('.', '\\.')}">([\\s\\S]*?)</feature>`).exec(TARGET_XML)?.[1] ?? '';
  return [...body.matchAll(/<reg name="(\w+)" bitsize="32" regnum="(\d+)" type="(\w+)"\/>/g)].map((m) => [m[1]!, Number(m[2]), m[3]!]);
}

describe('TARGET_XML', () => {
  it('names the architecture riscv:rv32', () => {
    expect(TARGET_XML).toContain('<architecture>riscv:rv32</architecture>');
  });

  it('describes x0..x31 by ABI name as regnums 0..31 and pc as 32, with the types of gdb\'s 32bit-cpu.xml', () => {
    const regs = registersOf('org.gnu.gdb.riscv.cpu');
    expect(regs.map(([name]) => name).join(' ')).toBe(
      'zero ra sp gp tp t0 t1 t2 fp s1 a0 a1 a2 a3 a4 a5 a6 a7 s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6 pc',
    );
    expect(regs.map(([, regnum]) => regnum)).toEqual(Array.from({ length: 33 }, (_, i) => i));
    const types = Object.fromEntries(regs.map(([name, , type]) => [name, type]));
    expect(types).toMatchObject({ zero: 'int', ra: 'code_ptr', sp: 'data_ptr', gp: 'data_ptr', tp: 'data_ptr', fp: 'data_ptr', a0: 'int', pc: 'code_ptr' });
  });

  it('describes each CSR at regnum 65 + its number', () => {
    const regs = registersOf('org.gnu.gdb.riscv.csr');
    expect(regs).toHaveLength(Object.keys(CSRS).length);
    for (const [name, regnum] of regs) expect(regnum, name).toBe(CSR_REGNUM_BASE + CSRS[name as keyof typeof CSRS]);
    expect(regs.find(([name]) => name === 'mstatus')?.[1]).toBe(65 + 0x300);
    expect(regs.find(([name]) => name === 'instreth')?.[1]).toBe(65 + 0xc82);
    expect(regs.find(([name]) => name === 'pmpaddr15')?.[1]).toBe(65 + 0x3bf);
  });

  it('has no character that would need escaping in a packet', () => {
    expect(TARGET_XML).not.toMatch(/[#$}*]/);
  });
});

describe('isDescribedRegister', () => {
  it('is true for x0..x31, pc and the described CSRs only', () => {
    expect(isDescribedRegister(0)).toBe(true);
    expect(isDescribedRegister(32)).toBe(true);
    expect(isDescribedRegister(33)).toBe(false);
    expect(isDescribedRegister(65 + 0x341)).toBe(true);
    expect(isDescribedRegister(65 + 0x180)).toBe(false); // satp: not offered
    expect(isDescribedRegister(-1)).toBe(false);
  });
});
