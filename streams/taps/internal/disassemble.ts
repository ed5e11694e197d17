import { decodeInstruction } from '../../../src/machine/cpu/decode.js';
import { Op } from '../../../src/machine/cpu/op.js';

/** ABI names of x0..x31. */
export const REGISTER_NAMES = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
] as const;

/** How an op's operands are written. */
type Form = 'u' | 'j' | 'jalr' | 'b' | 'load' | 'store' | 'imm' | 'reg' | 'csr' | 'csri' | 'amo' | 'lr' | 'none' | 'sfence';

/** Mnemonic and operand form of every op the decoder produces (ILLEGAL apart). */
const OPS: Partial<Record<number, [string, Form]>> = {
  [Op.LUI]: ['lui', 'u'], [Op.AUIPC]: ['auipc', 'u'], [Op.JAL]: ['jal', 'j'], [Op.JALR]: ['jalr', 'jalr'],
  [Op.BEQ]: ['beq', 'b'], [Op.BNE]: ['bne', 'b'], [Op.BLT]: ['blt', 'b'], [Op.BGE]: ['bge', 'b'], [Op.BLTU]: ['bltu', 'b'], [Op.BGEU]: ['bgeu', 'b'],
  [Op.LB]: ['lb', 'load'], [Op.LH]: ['lh', 'load'], [Op.LW]: ['lw', 'load'], [Op.LBU]: ['lbu', 'load'], [Op.LHU]: ['lhu', 'load'],
  [Op.SB]: ['sb', 'store'], [Op.SH]: ['sh', 'store'], [Op.SW]: ['sw', 'store'],
  [Op.ADDI]: ['addi', 'imm'], [Op.SLTI]: ['slti', 'imm'], [Op.SLTIU]: ['sltiu', 'imm'], [Op.XORI]: ['xori', 'imm'], [Op.ORI]: ['ori', 'imm'], [Op.ANDI]: ['andi', 'imm'],
  [Op.SLLI]: ['slli', 'imm'], [Op.SRLI]: ['srli', 'imm'], [Op.SRAI]: ['srai', 'imm'],
  [Op.ADD]: ['add', 'reg'], [Op.SUB]: ['sub', 'reg'], [Op.SLL]: ['sll', 'reg'], [Op.SLT]: ['slt', 'reg'], [Op.SLTU]: ['sltu', 'reg'], [Op.XOR]: ['xor', 'reg'],
  [Op.SRL]: ['srl', 'reg'], [Op.SRA]: ['sra', 'reg'], [Op.OR]: ['or', 'reg'], [Op.AND]: ['and', 'reg'],
  [Op.MUL]: ['mul', 'reg'], [Op.MULH]: ['mulh', 'reg'], [Op.MULHSU]: ['mulhsu', 'reg'], [Op.MULHU]: ['mulhu', 'reg'],
  [Op.DIV]: ['div', 'reg'], [Op.DIVU]: ['divu', 'reg'], [Op.REM]: ['rem', 'reg'], [Op.REMU]: ['remu', 'reg'],
  [Op.FENCE]: ['fence', 'none'], [Op.FENCE_I]: ['fence.i', 'none'],
  [Op.CSRRW]: ['csrrw', 'csr'], [Op.CSRRS]: ['csrrs', 'csr'], [Op.CSRRC]: ['csrrc', 'csr'],
  [Op.CSRRWI]: ['csrrwi', 'csri'], [Op.CSRRSI]: ['csrrsi', 'csri'], [Op.CSRRCI]: ['csrrci', 'csri'],
  [Op.ECALL]: ['ecall', 'none'], [Op.EBREAK]: ['ebreak', 'none'], [Op.MRET]: ['mret', 'none'], [Op.SRET]: ['sret', 'none'], [Op.WFI]: ['wfi', 'none'],
  [Op.SFENCE_VMA]: ['sfence.vma', 'sfence'],
  [Op.LR_W]: ['lr.w', 'lr'], [Op.SC_W]: ['sc.w', 'amo'], [Op.AMOSWAP_W]: ['amoswap.w', 'amo'], [Op.AMOADD_W]: ['amoadd.w', 'amo'],
  [Op.AMOXOR_W]: ['amoxor.w', 'amo'], [Op.AMOAND_W]: ['amoand.w', 'amo'], [Op.AMOOR_W]: ['amoor.w', 'amo'],
  [Op.AMOMIN_W]: ['amomin.w', 'amo'], [Op.AMOMAX_W]: ['amomax.w', 'amo'], [Op.AMOMINU_W]: ['amominu.w', 'amo'], [Op.AMOMAXU_W]: ['amomaxu.w', 'amo'],
};

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;
const r = (i: number): string => REGISTER_NAMES[i & 31]!;

/**
 * Disassembles the instruction `bits` (2 or 4 bytes, as fetched) at `pc` into GNU-style text
 * with ABI register names; compressed instructions are shown as what they expand to. Bits
 * that decode to nothing give `unknown 0x…`.
 */
export function disassemble(bits: number, pc: number): string {
  const d = decodeInstruction(bits, { op: Op.UNDECODED, rd: 0, rs1: 0, rs2: 0, imm: 0, length: 4 });
  const entry = OPS[d.op];
  if (entry === undefined) return `unknown ${hex(bits)}`;
  const [name, form] = entry;
  const { rd, rs1, rs2, imm } = d;
  switch (form) {
    case 'u':
      return `${name} ${r(rd)}, ${hex(imm >>> 12)}`;
    case 'j':
      return `${name} ${r(rd)}, ${hex(pc + imm)}`;
    case 'jalr':
    case 'load':
      return `${name} ${r(rd)}, ${imm}(${r(rs1)})`;
    case 'b':
      return `${name} ${r(rs1)}, ${r(rs2)}, ${hex(pc + imm)}`;
    case 'store':
      return `${name} ${r(rs2)}, ${imm}(${r(rs1)})`;
    case 'imm':
      return `${name} ${r(rd)}, ${r(rs1)}, ${imm}`;
    case 'reg':
      return `${name} ${r(rd)}, ${r(rs1)}, ${r(rs2)}`;
    case 'csr':
      return `${name} ${r(rd)}, ${hex(imm & 0xfff)}, ${r(rs1)}`;
    case 'csri':
      return `${name} ${r(rd)}, ${hex(imm & 0xfff)}, ${rs1}`;
    case 'amo':
      return `${name} ${r(rd)}, ${r(rs2)}, (${r(rs1)})`;
    case 'lr':
      return `${name} ${r(rd)}, (${r(rs1)})`;
    case 'sfence':
      return `${name} ${r(rs1)}, ${r(rs2)}`;
    case 'none':
      return name;
  }
}
