import { Op, type OpCode } from './op.js';

/** Register index that absorbs writes to x0, so the hot loop never tests `rd === 0`. */
export const X0_SINK = 32;

/** One decoded instruction, before packing into the predecode cache. */
export interface Decoded {
  op: OpCode;
  rd: number;
  rs1: number;
  rs2: number;
  imm: number;
  /** Instruction length in bytes: 2 (compressed) or 4. */
  length: number;
}

/**
 * Packs a decoded instruction into one int32: op (bits 0–7), rd (8–13), rs1 (14–18),
 * rs2 (19–23), length (24–27). The immediate is stored separately.
 */
export function packDecoded(d: Decoded): number {
  const rd = d.rd === 0 ? X0_SINK : d.rd;
  return d.op | (rd << 8) | (d.rs1 << 14) | (d.rs2 << 19) | (d.length << 24);
}

/** Extracts the op from a packed word. */
export const opOf = (w: number): number => w & 0xff;
/** Extracts rd (X0_SINK for x0) from a packed word. */
export const rdOf = (w: number): number => (w >> 8) & 63;
/** Extracts rs1 from a packed word. */
export const rs1Of = (w: number): number => (w >> 14) & 31;
/** Extracts rs2 from a packed word. */
export const rs2Of = (w: number): number => (w >> 19) & 31;
/** Extracts the instruction length in bytes from a packed word. */
export const lengthOf = (w: number): number => w >>> 24;

function set(d: Decoded, op: OpCode, rd: number, rs1: number, rs2: number, imm: number): void {
  d.op = op;
  d.rd = rd;
  d.rs1 = rs1;
  d.rs2 = rs2;
  d.imm = imm | 0;
}

function illegal(d: Decoded, inst: number): void {
  set(d, Op.ILLEGAL, 0, 0, 0, inst);
}

const BRANCH_OPS: (OpCode | undefined)[] = [Op.BEQ, Op.BNE, , , Op.BLT, Op.BGE, Op.BLTU, Op.BGEU];
const LOAD_OPS: (OpCode | undefined)[] = [Op.LB, Op.LH, Op.LW, , Op.LBU, Op.LHU];
const STORE_OPS: (OpCode | undefined)[] = [Op.SB, Op.SH, Op.SW];
const OP_IMM_OPS: (OpCode | undefined)[] = [Op.ADDI, , Op.SLTI, Op.SLTIU, Op.XORI, , Op.ORI, Op.ANDI];
const OP_OPS: (OpCode | undefined)[] = [Op.ADD, Op.SLL, Op.SLT, Op.SLTU, Op.XOR, Op.SRL, Op.OR, Op.AND];
const MULDIV_OPS: OpCode[] = [Op.MUL, Op.MULH, Op.MULHSU, Op.MULHU, Op.DIV, Op.DIVU, Op.REM, Op.REMU];
const CSR_OPS: (OpCode | undefined)[] = [, Op.CSRRW, Op.CSRRS, Op.CSRRC, , Op.CSRRWI, Op.CSRRSI, Op.CSRRCI];
/** AMO ops by funct5 (Unprivileged spec, chapter "A" extension, table of AMO encodings). */
const AMO_OPS: Record<number, OpCode> = {
  0x00: Op.AMOADD_W,
  0x01: Op.AMOSWAP_W,
  0x02: Op.LR_W,
  0x03: Op.SC_W,
  0x04: Op.AMOXOR_W,
  0x08: Op.AMOOR_W,
  0x0c: Op.AMOAND_W,
  0x10: Op.AMOMIN_W,
  0x14: Op.AMOMAX_W,
  0x18: Op.AMOMINU_W,
  0x1c: Op.AMOMAXU_W,
};

/** Decodes a 32-bit instruction (RV32IMA + Zicsr + Zifencei + privileged) into `d`. */
export function decode32(inst: number, d: Decoded): void {
  d.length = 4;
  const rd = (inst >>> 7) & 31;
  const funct3 = (inst >>> 12) & 7;
  const rs1 = (inst >>> 15) & 31;
  const rs2 = (inst >>> 20) & 31;
  const funct7 = inst >>> 25;
  const immI = inst >> 20;
  switch (inst & 0x7f) {
    case 0x37:
      return set(d, Op.LUI, rd, 0, 0, inst & 0xfffff000);
    case 0x17:
      return set(d, Op.AUIPC, rd, 0, 0, inst & 0xfffff000);
    case 0x6f: {
      const imm = ((inst >> 31) << 20) | (inst & 0xff000) | (((inst >>> 20) & 1) << 11) | (((inst >>> 21) & 0x3ff) << 1);
      return set(d, Op.JAL, rd, 0, 0, imm);
    }
    case 0x67:
      return funct3 === 0 ? set(d, Op.JALR, rd, rs1, 0, immI) : illegal(d, inst);
    case 0x63: {
      const op = BRANCH_OPS[funct3];
      const imm = ((inst >> 31) << 12) | (((inst >>> 7) & 1) << 11) | (((inst >>> 25) & 0x3f) << 5) | (((inst >>> 8) & 0xf) << 1);
      return op === undefined ? illegal(d, inst) : set(d, op, 0, rs1, rs2, imm);
    }
    case 0x03: {
      const op = LOAD_OPS[funct3];
      return op === undefined ? illegal(d, inst) : set(d, op, rd, rs1, 0, immI);
    }
    case 0x23: {
      const op = STORE_OPS[funct3];
      const imm = ((inst >> 25) << 5) | ((inst >>> 7) & 0x1f);
      return op === undefined ? illegal(d, inst) : set(d, op, 0, rs1, rs2, imm);
    }
    case 0x13: {
      if (funct3 === 1) return funct7 === 0 ? set(d, Op.SLLI, rd, rs1, 0, rs2) : illegal(d, inst);
      if (funct3 === 5) {
        if (funct7 === 0) return set(d, Op.SRLI, rd, rs1, 0, rs2);
        return funct7 === 0x20 ? set(d, Op.SRAI, rd, rs1, 0, rs2) : illegal(d, inst);
      }
      return set(d, OP_IMM_OPS[funct3]!, rd, rs1, 0, immI);
    }
    case 0x33: {
      if (funct7 === 0) return set(d, OP_OPS[funct3]!, rd, rs1, rs2, 0);
      if (funct7 === 1) return set(d, MULDIV_OPS[funct3]!, rd, rs1, rs2, 0);
      if (funct7 === 0x20 && funct3 === 0) return set(d, Op.SUB, rd, rs1, rs2, 0);
      if (funct7 === 0x20 && funct3 === 5) return set(d, Op.SRA, rd, rs1, rs2, 0);
      return illegal(d, inst);
    }
    case 0x0f:
      if (funct3 === 0) return set(d, Op.FENCE, 0, 0, 0, 0);
      return funct3 === 1 ? set(d, Op.FENCE_I, 0, 0, 0, 0) : illegal(d, inst);
    case 0x73:
      return decodeSystem(inst, d, rd, funct3, rs1, rs2);
    case 0x2f: {
      const op = AMO_OPS[inst >>> 27];
      if (funct3 !== 2 || op === undefined || (op === Op.LR_W && rs2 !== 0)) return illegal(d, inst);
      return set(d, op, rd, rs1, rs2, 0);
    }
    default:
      return illegal(d, inst);
  }
}

function decodeSystem(inst: number, d: Decoded, rd: number, funct3: number, rs1: number, rs2: number): void {
  if (funct3 !== 0) {
    const op = CSR_OPS[funct3];
    // The CSR number goes in imm; rs1 holds the register or the 5-bit uimm.
    return op === undefined ? illegal(d, inst) : set(d, op, rd, rs1, 0, inst >>> 20);
  }
  switch (inst >>> 0) {
    case 0x00000073:
      return set(d, Op.ECALL, 0, 0, 0, 0);
    case 0x00100073:
      return set(d, Op.EBREAK, 0, 0, 0, 0);
    case 0x10200073:
      return set(d, Op.SRET, 0, 0, 0, 0);
    case 0x30200073:
      return set(d, Op.MRET, 0, 0, 0, 0);
    case 0x10500073:
      return set(d, Op.WFI, 0, 0, 0, 0);
  }
  if (inst >>> 25 === 0x09 && rd === 0) return set(d, Op.SFENCE_VMA, 0, rs1, rs2, 0);
  return illegal(d, inst);
}

/** Sign-extends the low `bits` bits of `v`. */
function sext(v: number, bits: number): number {
  const shift = 32 - bits;
  return (v << shift) >> shift;
}

/** The register named by a 3-bit compressed register field (x8..x15). */
const creg = (field: number): number => 8 + (field & 7);

/** Decodes a 16-bit compressed instruction (RV32C, Unprivileged spec chapter "C") into `d`. */
export function decode16(inst: number, d: Decoded): void {
  d.length = 2;
  const funct3 = inst >>> 13;
  const bit12 = (inst >>> 12) & 1;
  const rdFull = (inst >>> 7) & 31;
  const rs2Full = (inst >>> 2) & 31;
  const imm6 = sext((bit12 << 5) | rs2Full, 6);
  switch (((inst & 3) << 3) | funct3) {
    // Quadrant 0
    case 0: {
      // C.ADDI4SPN: nzuimm[5:4|9:6|2|3]
      const imm = (((inst >>> 11) & 3) << 4) | (((inst >>> 7) & 0xf) << 6) | (((inst >>> 6) & 1) << 2) | (((inst >>> 5) & 1) << 3);
      return imm === 0 ? illegal(d, inst) : set(d, Op.ADDI, creg(inst >>> 2), 2, 0, imm);
    }
    case 2:
    case 6: {
      // C.LW / C.SW: uimm[5:3|2|6]
      const imm = (((inst >>> 10) & 7) << 3) | (((inst >>> 6) & 1) << 2) | (((inst >>> 5) & 1) << 6);
      const rs1 = creg(inst >>> 7);
      return funct3 === 2 ? set(d, Op.LW, creg(inst >>> 2), rs1, 0, imm) : set(d, Op.SW, 0, rs1, creg(inst >>> 2), imm);
    }
    // Quadrant 1
    case 8:
      return set(d, Op.ADDI, rdFull, rdFull, 0, imm6); // C.ADDI / C.NOP
    case 9:
      return set(d, Op.JAL, 1, 0, 0, cjImm(inst)); // C.JAL
    case 10:
      return set(d, Op.ADDI, rdFull, 0, 0, imm6); // C.LI
    case 11: {
      if (rdFull === 2) {
        // C.ADDI16SP: nzimm[9|4|6|8:7|5]
        const imm = sext((bit12 << 9) | (((inst >>> 6) & 1) << 4) | (((inst >>> 5) & 1) << 6) | (((inst >>> 3) & 3) << 7) | (((inst >>> 2) & 1) << 5), 10);
        return imm === 0 ? illegal(d, inst) : set(d, Op.ADDI, 2, 2, 0, imm);
      }
      return imm6 === 0 ? illegal(d, inst) : set(d, Op.LUI, rdFull, 0, 0, imm6 << 12); // C.LUI
    }
    case 12:
      return decodeCompressedAlu(inst, d, bit12, imm6);
    case 13:
      return set(d, Op.JAL, 0, 0, 0, cjImm(inst)); // C.J
    case 14:
    case 15: {
      // C.BEQZ / C.BNEZ: offset[8|4:3|7:6|2:1|5]
      const imm = sext((bit12 << 8) | (((inst >>> 10) & 3) << 3) | (((inst >>> 5) & 3) << 6) | (((inst >>> 3) & 3) << 1) | (((inst >>> 2) & 1) << 5), 9);
      return set(d, funct3 === 6 ? Op.BEQ : Op.BNE, 0, creg(inst >>> 7), 0, imm);
    }
    // Quadrant 2
    case 16:
      return bit12 ? illegal(d, inst) : set(d, Op.SLLI, rdFull, rdFull, 0, rs2Full); // C.SLLI
    case 18: {
      // C.LWSP: uimm[5|4:2|7:6]
      const imm = (bit12 << 5) | (((inst >>> 4) & 7) << 2) | (((inst >>> 2) & 3) << 6);
      return rdFull === 0 ? illegal(d, inst) : set(d, Op.LW, rdFull, 2, 0, imm);
    }
    case 20:
      if (bit12 === 0) {
        if (rs2Full !== 0) return set(d, Op.ADD, rdFull, 0, rs2Full, 0); // C.MV
        return rdFull === 0 ? illegal(d, inst) : set(d, Op.JALR, 0, rdFull, 0, 0); // C.JR
      }
      if (rs2Full !== 0) return set(d, Op.ADD, rdFull, rdFull, rs2Full, 0); // C.ADD
      return rdFull === 0 ? set(d, Op.EBREAK, 0, 0, 0, 0) : set(d, Op.JALR, 1, rdFull, 0, 0); // C.EBREAK / C.JALR
    case 22: {
      // C.SWSP: uimm[5:2|7:6]
      const imm = (((inst >>> 9) & 0xf) << 2) | (((inst >>> 7) & 3) << 6);
      return set(d, Op.SW, 0, 2, rs2Full, imm);
    }
    default:
      return illegal(d, inst); // floating point, reserved, RV64/128-only encodings
  }
}

function decodeCompressedAlu(inst: number, d: Decoded, bit12: number, imm6: number): void {
  const rd = creg(inst >>> 7);
  switch ((inst >>> 10) & 3) {
    case 0:
      return bit12 ? illegal(d, inst) : set(d, Op.SRLI, rd, rd, 0, imm6 & 31); // C.SRLI
    case 1:
      return bit12 ? illegal(d, inst) : set(d, Op.SRAI, rd, rd, 0, imm6 & 31); // C.SRAI
    case 2:
      return set(d, Op.ANDI, rd, rd, 0, imm6); // C.ANDI
    default: {
      if (bit12) return illegal(d, inst); // C.SUBW / C.ADDW are RV64-only
      const ops = [Op.SUB, Op.XOR, Op.OR, Op.AND] as const;
      return set(d, ops[(inst >>> 5) & 3]!, rd, rd, creg(inst >>> 2), 0);
    }
  }
}

/** The CJ-format jump offset: offset[11|4|9:8|10|6|7|3:1|5]. */
function cjImm(inst: number): number {
  const v =
    (((inst >>> 12) & 1) << 11) |
    (((inst >>> 11) & 1) << 4) |
    (((inst >>> 9) & 3) << 8) |
    (((inst >>> 8) & 1) << 10) |
    (((inst >>> 7) & 1) << 6) |
    (((inst >>> 6) & 1) << 7) |
    (((inst >>> 3) & 7) << 1) |
    (((inst >>> 2) & 1) << 5);
  return sext(v, 12);
}

/** Decodes instruction bits as fetched (the low 16 of a compressed one, all 32 otherwise) into `d`; returns `d`. */
export function decodeInstruction(bits: number, d: Decoded): Decoded {
  if ((bits & 3) === 3) decode32(bits, d);
  else decode16(bits & 0xffff, d);
  return d;
}
