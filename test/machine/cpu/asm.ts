/**
 * A tiny RV32IMAC assembler for tests: one function per instruction, returning the
 * instruction word (32-bit encodings as numbers, compressed ones as `{ c: halfword }`).
 * Encodings follow the Unprivileged spec's base formats (R/I/S/B/U/J) and the RVC formats.
 */

/** A 16-bit compressed instruction. */
export interface Compressed {
  readonly c: number;
}

/** One assembled instruction: a 32-bit word or a compressed halfword. */
export type Insn = number | Compressed;

/** ABI register numbers. */
export const Reg = {
  zero: 0, ra: 1, sp: 2, gp: 3, tp: 4, t0: 5, t1: 6, t2: 7, s0: 8, s1: 9,
  a0: 10, a1: 11, a2: 12, a3: 13, a4: 14, a5: 15, a6: 16, a7: 17,
  s2: 18, s3: 19, s4: 20, s5: 21, s6: 22, s7: 23, s8: 24, s9: 25, s10: 26, s11: 27,
  t3: 28, t4: 29, t5: 30, t6: 31,
} as const;

const OPC = { LOAD: 0x03, MISC_MEM: 0x0f, OP_IMM: 0x13, AUIPC: 0x17, STORE: 0x23, AMO: 0x2f, OP: 0x33, LUI: 0x37, BRANCH: 0x63, JALR: 0x67, JAL: 0x6f, SYSTEM: 0x73 } as const;

function checkReg(r: number): number {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new Error(`bad register ${r}`);
  return r;
}

function checkRange(v: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${what} ${v} out of range [${min}, ${max}]`);
  return v;
}

/** R-type: funct7 | rs2 | rs1 | funct3 | rd | opcode. */
export function rType(funct7: number, rs2: number, rs1: number, funct3: number, rd: number, opcode: number): number {
  return ((funct7 << 25) | (checkReg(rs2) << 20) | (checkReg(rs1) << 15) | (funct3 << 12) | (checkReg(rd) << 7) | opcode) >>> 0;
}

/** I-type: imm[11:0] | rs1 | funct3 | rd | opcode. */
export function iType(imm: number, rs1: number, funct3: number, rd: number, opcode: number): number {
  checkRange(imm, -2048, 4095, 'I immediate');
  return (((imm & 0xfff) << 20) | (checkReg(rs1) << 15) | (funct3 << 12) | (checkReg(rd) << 7) | opcode) >>> 0;
}

/** S-type: imm[11:5] | rs2 | rs1 | funct3 | imm[4:0] | opcode. */
export function sType(imm: number, rs2: number, rs1: number, funct3: number, opcode: number): number {
  checkRange(imm, -2048, 2047, 'S immediate');
  return ((((imm >> 5) & 0x7f) << 25) | (checkReg(rs2) << 20) | (checkReg(rs1) << 15) | (funct3 << 12) | ((imm & 0x1f) << 7) | opcode) >>> 0;
}

/** B-type: imm[12|10:5] | rs2 | rs1 | funct3 | imm[4:1|11] | opcode. */
export function bType(imm: number, rs2: number, rs1: number, funct3: number, opcode: number): number {
  checkRange(imm, -4096, 4094, 'B offset');
  if (imm & 1) throw new Error(`odd branch offset ${imm}`);
  return (
    ((((imm >> 12) & 1) << 31) |
      (((imm >> 5) & 0x3f) << 25) |
      (checkReg(rs2) << 20) |
      (checkReg(rs1) << 15) |
      (funct3 << 12) |
      (((imm >> 1) & 0xf) << 8) |
      (((imm >> 11) & 1) << 7) |
      opcode) >>>
    0
  );
}

/** U-type: imm[31:12] | rd | opcode (`imm20` is the 20-bit upper immediate). */
export function uType(imm20: number, rd: number, opcode: number): number {
  checkRange(imm20, -0x80000, 0xfffff, 'U immediate');
  return (((imm20 & 0xfffff) << 12) | (checkReg(rd) << 7) | opcode) >>> 0;
}

/** J-type: imm[20|10:1|11|19:12] | rd | opcode. */
export function jType(imm: number, rd: number, opcode: number): number {
  checkRange(imm, -(1 << 20), (1 << 20) - 2, 'J offset');
  if (imm & 1) throw new Error(`odd jump offset ${imm}`);
  return (
    ((((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) | (((imm >> 12) & 0xff) << 12) | (checkReg(rd) << 7) | opcode) >>> 0
  );
}

// RV32I
export const lui = (rd: number, imm20: number) => uType(imm20, rd, OPC.LUI);
export const auipc = (rd: number, imm20: number) => uType(imm20, rd, OPC.AUIPC);
export const jal = (rd: number, offset: number) => jType(offset, rd, OPC.JAL);
export const jalr = (rd: number, rs1: number, imm: number) => iType(imm, rs1, 0, rd, OPC.JALR);
export const beq = (rs1: number, rs2: number, offset: number) => bType(offset, rs2, rs1, 0, OPC.BRANCH);
export const bne = (rs1: number, rs2: number, offset: number) => bType(offset, rs2, rs1, 1, OPC.BRANCH);
export const blt = (rs1: number, rs2: number, offset: number) => bType(offset, rs2, rs1, 4, OPC.BRANCH);
export const bge = (rs1: number, rs2: number, offset: number) => bType(offset, rs2, rs1, 5, OPC.BRANCH);
export const bltu = (rs1: number, rs2: number, offset: number) => bType(offset, rs2, rs1, 6, OPC.BRANCH);
export const bgeu = (rs1: number, rs2: number, offset: number) => bType(offset, rs2, rs1, 7, OPC.BRANCH);
export const lb = (rd: number, rs1: number, imm: number) => iType(imm, rs1, 0, rd, OPC.LOAD);
export const lh = (rd: number, rs1: number, imm: number) => iType(imm, rs1, 1, rd, OPC.LOAD);
export const lw = (rd: number, rs1: number, imm: number) => iType(imm, rs1, 2, rd, OPC.LOAD);
export const lbu = (rd: number, rs1: number, imm: number) => iType(imm, rs1, 4, rd, OPC.LOAD);
export const lhu = (rd: number, rs1: number, imm: number) => iType(imm, rs1, 5, rd, OPC.LOAD);
export const sb = (rs2: number, rs1: number, imm: number) => sType(imm, rs2, rs1, 0, OPC.STORE);
export const sh = (rs2: number, rs1: number, imm: number) => sType(imm, rs2, rs1, 1, OPC.STORE);
export const sw = (rs2: number, rs1: number, imm: number) => sType(imm, rs2, rs1, 2, OPC.STORE);
export const addi = (rd: number, rs1: number, imm: number) => iType(checkRange(imm, -2048, 2047, 'addi immediate'), rs1, 0, rd, OPC.OP_IMM);
export const slti = (rd: number, rs1: number, imm: number) => iType(checkRange(imm, -2048, 2047, 'slti immediate'), rs1, 2, rd, OPC.OP_IMM);
export const sltiu = (rd: number, rs1: number, imm: number) => iType(checkRange(imm, -2048, 2047, 'sltiu immediate'), rs1, 3, rd, OPC.OP_IMM);
export const xori = (rd: number, rs1: number, imm: number) => iType(checkRange(imm, -2048, 2047, 'xori immediate'), rs1, 4, rd, OPC.OP_IMM);
export const ori = (rd: number, rs1: number, imm: number) => iType(checkRange(imm, -2048, 2047, 'ori immediate'), rs1, 6, rd, OPC.OP_IMM);
export const andi = (rd: number, rs1: number, imm: number) => iType(checkRange(imm, -2048, 2047, 'andi immediate'), rs1, 7, rd, OPC.OP_IMM);
export const slli = (rd: number, rs1: number, shamt: number) => rType(0, checkRange(shamt, 0, 31, 'shamt'), rs1, 1, rd, OPC.OP_IMM);
export const srli = (rd: number, rs1: number, shamt: number) => rType(0, checkRange(shamt, 0, 31, 'shamt'), rs1, 5, rd, OPC.OP_IMM);
export const srai = (rd: number, rs1: number, shamt: number) => rType(0x20, checkRange(shamt, 0, 31, 'shamt'), rs1, 5, rd, OPC.OP_IMM);
export const add = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 0, rd, OPC.OP);
export const sub = (rd: number, rs1: number, rs2: number) => rType(0x20, rs2, rs1, 0, rd, OPC.OP);
export const sll = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 1, rd, OPC.OP);
export const slt = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 2, rd, OPC.OP);
export const sltu = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 3, rd, OPC.OP);
export const xor = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 4, rd, OPC.OP);
export const srl = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 5, rd, OPC.OP);
export const sra = (rd: number, rs1: number, rs2: number) => rType(0x20, rs2, rs1, 5, rd, OPC.OP);
export const or = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 6, rd, OPC.OP);
export const and = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 7, rd, OPC.OP);
export const fence = () => 0x0ff0000f;
export const fence_i = () => 0x0000100f;
export const ecall = () => 0x00000073;
export const ebreak = () => 0x00100073;
export const mret = () => 0x30200073;
export const sret = () => 0x10200073;
export const sfence_vma = (rs1: number, rs2: number) => rType(0x09, rs2, rs1, 0, 0, OPC.SYSTEM);
export const wfi = () => 0x10500073;

// M
export const mul = (rd: number, rs1: number, rs2: number) => rType(1, rs2, rs1, 0, rd, OPC.OP);
export const mulh = (rd: number, rs1: number, rs2: number) => rType(1, rs2, rs1, 1, rd, OPC.OP);
export const mulhsu = (rd: number, rs1: number, rs2: number) => rType(1, rs2, rs1, 2, rd, OPC.OP);
export const mulhu = (rd: number, rs1: number, rs2: number) => rType(1, rs2, rs1, 3, rd, OPC.OP);
export const div = (rd: number, rs1: number, rs2: number) => rType(1, rs2, rs1, 4, rd, OPC.OP);
export const divu = (rd: number, rs1: number, rs2: number) => rType(1, rs2, rs1, 5, rd, OPC.OP);
export const rem = (rd: number, rs1: number, rs2: number) => rType(1, rs2, rs1, 6, rd, OPC.OP);
export const remu = (rd: number, rs1: number, rs2: number) => rType(1, rs2, rs1, 7, rd, OPC.OP);

// A: funct5 | aq | rl | rs2 | rs1 | 010 | rd | 0101111
const amo = (funct5: number) => (rd: number, rs2: number, rs1: number) => rType(funct5 << 2, rs2, rs1, 2, rd, OPC.AMO);
export const lr_w = (rd: number, rs1: number) => rType(0x02 << 2, 0, rs1, 2, rd, OPC.AMO);
export const sc_w = amo(0x03);
export const amoswap_w = amo(0x01);
export const amoadd_w = amo(0x00);
export const amoxor_w = amo(0x04);
export const amoand_w = amo(0x0c);
export const amoor_w = amo(0x08);
export const amomin_w = amo(0x10);
export const amomax_w = amo(0x14);
export const amominu_w = amo(0x18);
export const amomaxu_w = amo(0x1c);

// Zicsr
const csrOp = (funct3: number) => (rd: number, csr: number, rs1OrUimm: number) => iType(checkRange(csr, 0, 0xfff, 'csr'), rs1OrUimm, funct3, rd, OPC.SYSTEM);
export const csrrw = csrOp(1);
export const csrrs = csrOp(2);
export const csrrc = csrOp(3);
export const csrrwi = csrOp(5);
export const csrrsi = csrOp(6);
export const csrrci = csrOp(7);
/** csrr rd, csr (= csrrs rd, csr, x0). */
export const csrr = (rd: number, csr: number) => csrrs(rd, csr, 0);
/** csrw csr, rs1 (= csrrw x0, csr, rs1). */
export const csrw = (csr: number, rs1: number) => csrrw(0, csr, rs1);

/** li rd, value: one addi when it fits in 12 bits, else lui + addi. */
export function li(rd: number, value: number): number[] {
  const v = value | 0;
  if (v >= -2048 && v <= 2047) return [addi(rd, 0, v)];
  const low = (v << 20) >> 20;
  const high = ((v - low) >>> 12) & 0xfffff;
  return low === 0 ? [lui(rd, high)] : [lui(rd, high), addi(rd, rd, low)];
}

// RVC (Unprivileged spec chapter "C", table of RVC instruction listings)
const cr = (v: number): Compressed => ({ c: v & 0xffff });
/** Field of a 3-bit compressed register (x8..x15). */
function creg(r: number): number {
  if (r < 8 || r > 15) throw new Error(`x${r} is not a compressed register (x8..x15)`);
  return r - 8;
}
const bit = (v: number, n: number): number => (v >> n) & 1;
const ci = (funct3: number, imm6: number, rd: number, op: number): Compressed =>
  cr((funct3 << 13) | (bit(imm6, 5) << 12) | (checkReg(rd) << 7) | ((imm6 & 0x1f) << 2) | op);

export const c_addi = (rd: number, imm: number) => ci(0, checkRange(imm, -32, 31, 'c.addi imm'), rd, 1);
export const c_li = (rd: number, imm: number) => ci(2, checkRange(imm, -32, 31, 'c.li imm'), rd, 1);
/** c.lui rd, imm6 (imm6 is the sign-extended nzimm[17:12], -32..31, not 0). */
export const c_lui = (rd: number, imm6: number) => ci(3, checkRange(imm6, -32, 31, 'c.lui imm'), rd, 1);
export const c_slli = (rd: number, shamt: number) => ci(0, checkRange(shamt, 1, 31, 'c.slli shamt'), rd, 2);
export function c_addi16sp(imm: number): Compressed {
  checkRange(imm, -512, 496, 'c.addi16sp imm');
  return cr((3 << 13) | (bit(imm, 9) << 12) | (2 << 7) | (bit(imm, 4) << 6) | (bit(imm, 6) << 5) | (((imm >> 7) & 3) << 3) | (bit(imm, 5) << 2) | 1);
}
export function c_addi4spn(rd: number, uimm: number): Compressed {
  checkRange(uimm, 4, 1020, 'c.addi4spn uimm');
  return cr((((uimm >> 4) & 3) << 11) | (((uimm >> 6) & 0xf) << 7) | (bit(uimm, 2) << 6) | (bit(uimm, 3) << 5) | (creg(rd) << 2) | 0);
}
const cbShift = (funct2: number) => (rd: number, shamt: number): Compressed =>
  cr((4 << 13) | (funct2 << 10) | (creg(rd) << 7) | ((shamt & 0x1f) << 2) | 1);
export const c_srli = (rd: number, shamt: number) => cbShift(0)(rd, checkRange(shamt, 1, 31, 'shamt'));
export const c_srai = (rd: number, shamt: number) => cbShift(1)(rd, checkRange(shamt, 1, 31, 'shamt'));
export const c_andi = (rd: number, imm: number) => {
  checkRange(imm, -32, 31, 'c.andi imm');
  return cr((4 << 13) | (bit(imm, 5) << 12) | (2 << 10) | (creg(rd) << 7) | ((imm & 0x1f) << 2) | 1);
};
const ca = (funct2: number) => (rd: number, rs2: number): Compressed =>
  cr((0x23 << 10) | (creg(rd) << 7) | (funct2 << 5) | (creg(rs2) << 2) | 1);
export const c_sub = ca(0);
export const c_xor = ca(1);
export const c_or = ca(2);
export const c_and = ca(3);
export const c_mv = (rd: number, rs2: number) => cr((4 << 13) | (checkReg(rd) << 7) | (checkReg(rs2) << 2) | 2);
export const c_add = (rd: number, rs2: number) => cr((4 << 13) | (1 << 12) | (checkReg(rd) << 7) | (checkReg(rs2) << 2) | 2);
export const c_jr = (rs1: number) => cr((4 << 13) | (checkReg(rs1) << 7) | 2);
export const c_jalr = (rs1: number) => cr((4 << 13) | (1 << 12) | (checkReg(rs1) << 7) | 2);
export const c_ebreak = () => cr(0x9002);
export function c_lw(rd: number, rs1: number, uimm: number): Compressed {
  checkRange(uimm, 0, 124, 'c.lw uimm');
  return cr((2 << 13) | (((uimm >> 3) & 7) << 10) | (creg(rs1) << 7) | (bit(uimm, 2) << 6) | (bit(uimm, 6) << 5) | (creg(rd) << 2));
}
export function c_sw(rs2: number, rs1: number, uimm: number): Compressed {
  checkRange(uimm, 0, 124, 'c.sw uimm');
  return cr((6 << 13) | (((uimm >> 3) & 7) << 10) | (creg(rs1) << 7) | (bit(uimm, 2) << 6) | (bit(uimm, 6) << 5) | (creg(rs2) << 2));
}
export function c_lwsp(rd: number, uimm: number): Compressed {
  checkRange(uimm, 0, 252, 'c.lwsp uimm');
  return cr((2 << 13) | (bit(uimm, 5) << 12) | (checkReg(rd) << 7) | (((uimm >> 2) & 7) << 4) | (((uimm >> 6) & 3) << 2) | 2);
}
export function c_swsp(rs2: number, uimm: number): Compressed {
  checkRange(uimm, 0, 252, 'c.swsp uimm');
  return cr((6 << 13) | (((uimm >> 2) & 0xf) << 9) | (((uimm >> 6) & 3) << 7) | (checkReg(rs2) << 2) | 2);
}
function cjOffset(imm: number): number {
  checkRange(imm, -2048, 2046, 'c.j offset');
  return (bit(imm, 11) << 12) | (bit(imm, 4) << 11) | (((imm >> 8) & 3) << 9) | (bit(imm, 10) << 8) | (bit(imm, 6) << 7) | (bit(imm, 7) << 6) | (((imm >> 1) & 7) << 3) | (bit(imm, 5) << 2);
}
export const c_j = (offset: number) => cr((5 << 13) | cjOffset(offset) | 1);
export const c_jal = (offset: number) => cr((1 << 13) | cjOffset(offset) | 1);
function cbBranch(funct3: number, rs1: number, imm: number): Compressed {
  checkRange(imm, -256, 254, 'c.b offset');
  return cr((funct3 << 13) | (bit(imm, 8) << 12) | (((imm >> 3) & 3) << 10) | (creg(rs1) << 7) | (((imm >> 6) & 3) << 5) | (((imm >> 1) & 3) << 3) | (bit(imm, 5) << 2) | 1);
}
export const c_beqz = (rs1: number, offset: number) => cbBranch(6, rs1, offset);
export const c_bnez = (rs1: number, offset: number) => cbBranch(7, rs1, offset);

/** Size in bytes of an instruction. */
export const sizeOf = (insn: Insn): number => (typeof insn === 'number' ? 4 : 2);

/** Lays instructions out little-endian, in order, with no padding. */
export function assemble(program: readonly (Insn | readonly Insn[])[]): Uint8Array {
  const flat: Insn[] = [];
  for (const item of program) {
    if (Array.isArray(item)) flat.push(...(item as readonly Insn[]));
    else flat.push(item as Insn);
  }
  let size = 0;
  for (const insn of flat) size += sizeOf(insn);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const insn of flat) {
    if (typeof insn === 'number') {
      view.setUint32(at, insn >>> 0, true);
      at += 4;
    } else {
      view.setUint16(at, insn.c, true);
      at += 2;
    }
  }
  return bytes;
}
