/**
 * The target description gdb reads with `qXfer:features:read:target.xml` (GDB manual, "Target
 * Descriptions"): an RV32 hart with the feature names and register names of gdb's own
 * `features/riscv/32bit-cpu.xml` and `32bit-csr.xml`, so gdb's riscv support recognises them.
 */

/** gdb's number of the first CSR register: CSR n is register 65 + n (32 is pc, 33..64 the FPU). */
export const CSR_REGNUM_BASE = 65;

/** The program counter's register number. */
export const PC_REGNUM = 32;

/** The integer registers x0..x31 by ABI name, with gdb's types (ra and pc are code pointers). */
const XREGS: readonly (readonly [name: string, type: 'int' | 'code_ptr' | 'data_ptr'])[] = [
  ['zero', 'int'], ['ra', 'code_ptr'], ['sp', 'data_ptr'], ['gp', 'data_ptr'],
  ['tp', 'data_ptr'], ['t0', 'int'], ['t1', 'int'], ['t2', 'int'],
  ['fp', 'data_ptr'], ['s1', 'int'], ['a0', 'int'], ['a1', 'int'],
  ['a2', 'int'], ['a3', 'int'], ['a4', 'int'], ['a5', 'int'],
  ['a6', 'int'], ['a7', 'int'], ['s2', 'int'], ['s3', 'int'],
  ['s4', 'int'], ['s5', 'int'], ['s6', 'int'], ['s7', 'int'],
  ['s8', 'int'], ['s9', 'int'], ['s10', 'int'], ['s11', 'int'],
  ['t3', 'int'], ['t4', 'int'], ['t5', 'int'], ['t6', 'int'],
];

/** The CSRs the description offers, by spec name and CSR number (privileged spec, table 2.2–2.5). */
export const CSRS = {
  mstatus: 0x300, misa: 0x301, medeleg: 0x302, mideleg: 0x303, mie: 0x304, mtvec: 0x305, mcounteren: 0x306,
  mscratch: 0x340, mepc: 0x341, mcause: 0x342, mtval: 0x343, mip: 0x344,
  pmpcfg0: 0x3a0, pmpcfg1: 0x3a1, pmpcfg2: 0x3a2, pmpcfg3: 0x3a3,
  pmpaddr0: 0x3b0, pmpaddr1: 0x3b1, pmpaddr2: 0x3b2, pmpaddr3: 0x3b3,
  pmpaddr4: 0x3b4, pmpaddr5: 0x3b5, pmpaddr6: 0x3b6, pmpaddr7: 0x3b7,
  pmpaddr8: 0x3b8, pmpaddr9: 0x3b9, pmpaddr10: 0x3ba, pmpaddr11: 0x3bb,
  pmpaddr12: 0x3bc, pmpaddr13: 0x3bd, pmpaddr14: 0x3be, pmpaddr15: 0x3bf,
  mcycle: 0xb00, minstret: 0xb02, mcycleh: 0xb80, minstreth: 0xb82,
  cycle: 0xc00, time: 0xc01, instret: 0xc02, cycleh: 0xc80, timeh: 0xc81, instreth: 0xc82,
  mvendorid: 0xf11, marchid: 0xf12, mimpid: 0xf13, mhartid: 0xf14,
} as const;

/** True when gdb register number `regnum` is in the description. */
export function isDescribedRegister(regnum: number): boolean {
  if (regnum >= 0 && regnum <= PC_REGNUM) return true;
  return Object.values(CSRS).some((csr) => CSR_REGNUM_BASE + csr === regnum);
}

const reg = (name: string, regnum: number, type: string): string =>
  `    <reg name="${name}" bitsize="32" regnum="${regnum}" type="${type}"/>\n`;

/** The whole target.xml document. */
export const TARGET_XML =
  '<?xml version="1.0"?>\n' +
  '<!DOCTYPE target SYSTEM "gdb-target.dtd">\n' +
  '<target version="1.0">\n' +
  '  <architecture>riscv:rv32</architecture>\n' +
  '  <feature name="org.gnu.gdb.riscv.cpu">\n' +
  XREGS.map(([name, type], n) => reg(name, n, type)).join('') +
  reg('pc', PC_REGNUM, 'code_ptr') +
  '  </feature>\n' +
  '  <feature name="org.gnu.gdb.riscv.csr">\n' +
  Object.entries(CSRS).map(([name, csr]) => reg(name, CSR_REGNUM_BASE + csr, 'int')).join('') +
  '  </feature>\n' +
  '</target>\n';
