/** Where a device drives its interrupt line: the PLIC, by source number (level-triggered). */
export interface IrqSink {
  /** Sets the level of PLIC source `source` (1..53). */
  setIrq(source: number, level: boolean): void;
}
