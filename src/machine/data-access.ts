import type { Decoded } from './cpu/decode.js';
import { Op } from './cpu/op.js';

/** What a data access instruction is about to do, worked out from its decoding and the registers. */
export interface PlannedAccess {
  /** 0: none; 1: a load; 2: a store; 3: a load then a store (an AMO). */
  kind: number;
  /** The effective (virtual) address: rs1 + imm. */
  address: number;
  /** 1, 2 or 4 bytes. */
  size: number;
  /** The register that receives a loaded value (0: none). */
  rd: number;
  /** A store's value, or an AMO's operand (rs2), read before the instruction runs. */
  operand: number;
}

/** `kind` bits of a PlannedAccess. */
export const AccessKind = { LOAD: 1, STORE: 2 } as const;

/** What op `op` does to memory: AccessKind bits (0: nothing; both for an AMO). */
export function accessKind(op: number): number {
  switch (op) {
    case Op.LB:
    case Op.LBU:
    case Op.LH:
    case Op.LHU:
    case Op.LW:
    case Op.LR_W:
      return AccessKind.LOAD;
    case Op.SB:
    case Op.SH:
    case Op.SW:
    case Op.SC_W:
      return AccessKind.STORE;
    case Op.AMOSWAP_W:
    case Op.AMOADD_W:
    case Op.AMOXOR_W:
    case Op.AMOAND_W:
    case Op.AMOOR_W:
    case Op.AMOMIN_W:
    case Op.AMOMAX_W:
    case Op.AMOMINU_W:
    case Op.AMOMAXU_W:
      return AccessKind.LOAD | AccessKind.STORE;
    default:
      return 0;
  }
}

/** Bytes a load, store or AMO `op` accesses (4 for anything else). */
export function accessSize(op: number): 1 | 2 | 4 {
  switch (op) {
    case Op.LB:
    case Op.LBU:
    case Op.SB:
      return 1;
    case Op.LH:
    case Op.LHU:
    case Op.SH:
      return 2;
    default:
      return 4;
  }
}

/** Fills `plan` for the instruction `d` with registers `x` (kind 0 for anything that is not a load, store or AMO). */
export function planAccess(d: Decoded, x: Int32Array, plan: PlannedAccess): void {
  const kind = accessKind(d.op);
  plan.kind = kind;
  plan.size = accessSize(d.op);
  plan.rd = d.rd;
  // AMOs, LR and SC address rs1 itself; decode leaves their imm at 0.
  plan.address = (x[d.rs1]! + (kind === 0 ? 0 : d.imm)) >>> 0;
  plan.operand = x[d.rs2]! >>> 0;
}

/** The value an AMO `op` stores, given the value it loaded and its operand (rs2). */
export function amoResult(op: number, loaded: number, operand: number): number {
  switch (op) {
    case Op.AMOSWAP_W:
      return operand >>> 0;
    case Op.AMOADD_W:
      return (loaded + operand) >>> 0;
    case Op.AMOXOR_W:
      return (loaded ^ operand) >>> 0;
    case Op.AMOAND_W:
      return (loaded & operand) >>> 0;
    case Op.AMOOR_W:
      return (loaded | operand) >>> 0;
    case Op.AMOMIN_W:
      return ((loaded | 0) < (operand | 0) ? loaded : operand) >>> 0;
    case Op.AMOMAX_W:
      return ((loaded | 0) > (operand | 0) ? loaded : operand) >>> 0;
    case Op.AMOMINU_W:
      return (loaded >>> 0 < operand >>> 0 ? loaded : operand) >>> 0;
    default:
      return (loaded >>> 0 > operand >>> 0 ? loaded : operand) >>> 0;
  }
}
