/** Addresses and PLIC interrupt numbers of QEMU's riscv32 `virt` board (DESIGN §2). */
export const MemoryMap = {
  TEST_FINISHER: 0x0010_0000,
  RTC: 0x0010_1000,
  CLINT: 0x0200_0000,
  PLIC: 0x0c00_0000,
  UART0: 0x1000_0000,
  VIRTIO0: 0x1000_1000,
  RAM: 0x8000_0000,
} as const;

/** Size in bytes of each device's MMIO window. */
export const MmioSize = {
  TEST_FINISHER: 0x1000,
  RTC: 0x1000,
  CLINT: 0x1_0000,
  PLIC: 0x40_0000,
  UART0: 0x100,
  VIRTIO_SLOT: 0x1000,
} as const;

/** PLIC source numbers of the board's devices. */
export const Irq = {
  VIRTIO0: 1,
  UART0: 10,
  RTC: 11,
} as const;

/** Default guest RAM size: 128 MiB. */
export const DEFAULT_RAM_BYTES = 128 * 1024 * 1024;
