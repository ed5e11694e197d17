/** Exception codes of `mcause` (privileged spec §3.1.15, table "Machine cause register values"). */
export const Exception = {
  INSTRUCTION_ACCESS_FAULT: 1,
  ILLEGAL_INSTRUCTION: 2,
  BREAKPOINT: 3,
  LOAD_ADDRESS_MISALIGNED: 4,
  LOAD_ACCESS_FAULT: 5,
  STORE_ADDRESS_MISALIGNED: 6,
  STORE_ACCESS_FAULT: 7,
  ECALL_FROM_U: 8,
  ECALL_FROM_S: 9,
  ECALL_FROM_M: 11,
  INSTRUCTION_PAGE_FAULT: 12,
  LOAD_PAGE_FAULT: 13,
  STORE_PAGE_FAULT: 15,
} as const;

/** The interrupt bit of `mcause`. */
export const INTERRUPT_BIT = 0x8000_0000;

/** Privilege levels (privileged spec §1.2). */
export const Priv = {
  U: 0,
  S: 1,
  M: 3,
} as const;
