/**
 * A device whose state changes at a future icount without guest action (a timer, an alarm).
 * The engine never runs the CPU past the earliest deadline, so such changes land at an exact icount.
 */
export interface TimedDevice {
  /** The icount at which this device next needs `update()`, or Infinity. */
  deadlineIcount(): number;
  /** Brings the device's outputs (interrupt lines) up to date with the current icount. */
  update(): void;
}
