/** Bit numbers of the `mip`/`mie` CSRs (privileged spec §3.1.9). */
export const MipBit = {
  SSIP: 1,
  MSIP: 3,
  STIP: 5,
  MTIP: 7,
  SEIP: 9,
  MEIP: 11,
} as const;

/** The hart's interrupt-pending inputs, driven by the CLINT (MSIP, MTIP) and the PLIC (MEIP, SEIP). */
export interface InterruptPins {
  /** Sets or clears bit `bit` of `mip` (one of `MipBit`). */
  setPin(bit: number, level: boolean): void;
}
