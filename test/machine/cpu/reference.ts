// Reference semantics of RV32IM ALU operations for the tests, written independently of
// src/machine/cpu (BigInt where the spec is defined on wider integers).

const INT_MIN = -0x8000_0000;

const big = (v: number): bigint => BigInt(v | 0);
const bigU = (v: number): bigint => BigInt(v >>> 0);
const int32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

/** Reference result of each register-register operation, as int32. */
export const REF_RR: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => int32(big(a) + big(b)),
  sub: (a, b) => int32(big(a) - big(b)),
  sll: (a, b) => int32(big(a) << BigInt(b & 31)),
  slt: (a, b) => ((a | 0) < (b | 0) ? 1 : 0),
  sltu: (a, b) => (a >>> 0 < b >>> 0 ? 1 : 0),
  xor: (a, b) => int32(big(a) ^ big(b)),
  srl: (a, b) => int32(bigU(a) >> BigInt(b & 31)),
  sra: (a, b) => int32(big(a) >> BigInt(b & 31)),
  or: (a, b) => int32(big(a) | big(b)),
  and: (a, b) => int32(big(a) & big(b)),
  mul: (a, b) => int32(big(a) * big(b)),
  mulh: (a, b) => int32((big(a) * big(b)) >> 32n),
  mulhsu: (a, b) => int32((big(a) * bigU(b)) >> 32n),
  mulhu: (a, b) => int32((bigU(a) * bigU(b)) >> 32n),
  // Unprivileged spec, M chapter, table "Semantics for division by zero and division overflow".
  div: (a, b) => ((b | 0) === 0 ? -1 : (a | 0) === INT_MIN && (b | 0) === -1 ? INT_MIN : int32(big(a) / big(b))),
  divu: (a, b) => ((b | 0) === 0 ? -1 : int32(bigU(a) / bigU(b))),
  rem: (a, b) => ((b | 0) === 0 ? a | 0 : (a | 0) === INT_MIN && (b | 0) === -1 ? 0 : int32(big(a) % big(b))),
  remu: (a, b) => ((b | 0) === 0 ? a | 0 : int32(bigU(a) % bigU(b))),
};

/** Reference result of each register-immediate operation (imm already sign-extended). */
export const REF_RI: Record<string, (a: number, imm: number) => number> = {
  addi: REF_RR.add!,
  slti: REF_RR.slt!,
  sltiu: REF_RR.sltu!,
  xori: REF_RR.xor!,
  ori: REF_RR.or!,
  andi: REF_RR.and!,
  slli: REF_RR.sll!,
  srli: REF_RR.srl!,
  srai: REF_RR.sra!,
};

/** Reference outcome of each branch: taken or not. */
export const REF_BRANCH: Record<string, (a: number, b: number) => boolean> = {
  beq: (a, b) => (a | 0) === (b | 0),
  bne: (a, b) => (a | 0) !== (b | 0),
  blt: (a, b) => (a | 0) < (b | 0),
  bge: (a, b) => (a | 0) >= (b | 0),
  bltu: (a, b) => a >>> 0 < b >>> 0,
  bgeu: (a, b) => a >>> 0 >= b >>> 0,
};

/** Values that tend to expose sign, overflow and shift-amount bugs. */
export const EDGE_VALUES = [0, 1, -1, 2, -2, 31, 32, 33, 0x7fff_ffff, INT_MIN, INT_MIN + 1, 0xffff, 0x8000, -0x8000, 0x1234_5678, -0x1234_5678] as const;

/** A small deterministic PRNG (mulberry32) so "fresh inputs each run" are reproducible. */
export function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) | 0;
  };
}

/** An int32 that is an edge value half of the time and uniformly random otherwise. */
export function edgeOrRandom(next: () => number): number {
  const r = next();
  return (r & 1) === 0 ? EDGE_VALUES[(r >>> 1) % EDGE_VALUES.length]! : next();
}
