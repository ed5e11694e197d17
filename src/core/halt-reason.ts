/** Why the machine stopped executing for good. */
export type HaltReason =
  | { kind: 'pass' }
  | { kind: 'fail'; code: number }
  | { kind: 'reset' }
  | { kind: 'trap-storm'; pc: number; mcause: number };

/** Receives the machine's halt; a device calls it (test finisher, tohost). */
export type HaltSink = (reason: HaltReason) => void;
