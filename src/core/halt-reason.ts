/** Why the machine stopped executing for good. */
export type HaltReason =
  | { kind: 'pass' }
  | { kind: 'fail'; code: number }
  | { kind: 'reset' }
  | { kind: 'trap-storm'; pc: number; mcause: number }
  /** The guest wrote an HTIF `tohost` request that rrvm does not serve. */
  | { kind: 'htif-unsupported'; tohost: number };

/** Receives the machine's halt; a device calls it (test finisher, tohost). */
export type HaltSink = (reason: HaltReason) => void;
