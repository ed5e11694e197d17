import type { HaltReason } from './halt-reason.js';

/** Why a session ended. */
export type StopReason =
  | { kind: 'halt'; halt: HaltReason }
  /** `--max-insns` (or replay's `--until`) was reached. */
  | { kind: 'limit' }
  /** WFI with no timer armed and no input that could ever arrive. */
  | { kind: 'idle' }
  /** The host asked the run to end (Ctrl-C, Ctrl-A X). */
  | { kind: 'shutdown'; reason: string }
  /** Replay of a log cut short (recorder killed): replayed up to its last complete chunk. */
  | { kind: 'log-end' };

/** The text a SHUTDOWN event carries for a stop that is not a guest halt. */
export function shutdownText(stop: StopReason): string {
  switch (stop.kind) {
    case 'limit':
      return 'max-insns';
    case 'idle':
      return 'idle';
    case 'shutdown':
      return stop.reason;
    default:
      return stop.kind;
  }
}

/** The stop a replay reproduces from a recorded SHUTDOWN text (inverse of shutdownText). */
export function stopFromShutdown(reason: string): StopReason {
  if (reason === 'max-insns') return { kind: 'limit' };
  if (reason === 'idle') return { kind: 'idle' };
  return { kind: 'shutdown', reason };
}
