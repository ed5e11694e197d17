import { ExitStatus } from '../core/rrvm-error.js';
import type { StopReason } from '../core/stop-reason.js';
import type { LogTruncation } from '../../codecs/index.js';

/**
 * The exit status and the one-line stderr message (or null) for how a session ended; `cut`
 * says where a replayed log without END stops and what follows.
 */
export function describeStop(stop: StopReason, icount: number, cut: LogTruncation | null = null): { status: number; message: string | null } {
  const hex = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0');
  switch (stop.kind) {
    case 'limit':
      return { status: ExitStatus.LIMIT, message: `stopped after ${icount} instructions (--max-insns) before the guest finished` };
    case 'idle':
      return { status: ExitStatus.USAGE_OR_INPUT, message: `guest waits for an interrupt that can never arrive (WFI with no timer armed and no input left) at icount ${icount}` };
    case 'log-end':
      return {
        status: ExitStatus.OK,
        message:
          cut === null
            ? `log ends without END at icount ${icount} (the recorder was killed?); replayed up to there`
            : `log ends without END at icount ${icount}: its complete chunks end at offset ${cut.offset}, followed by ${cut.reason}; replayed up to there`,
      };
    case 'shutdown':
      return { status: ExitStatus.OK, message: `stopped at icount ${icount}: ${stop.reason}` };
    case 'halt': {
      const h = stop.halt;
      switch (h.kind) {
        case 'pass':
          return { status: ExitStatus.OK, message: null };
        case 'fail':
          return { status: ExitStatus.GUEST_FAILURE, message: `guest reported failure, code ${h.code}` };
        case 'reset':
          return { status: ExitStatus.OK, message: `guest requested a board reset at icount ${icount}; rrvm stops there (reset is not emulated)` };
        case 'trap-storm':
          return {
            status: ExitStatus.USAGE_OR_INPUT,
            message: `trap storm: the instruction at pc ${hex(h.pc)} faults (mcause ${h.mcause}) and mtvec points at it, so the guest can never make progress (icount ${icount})`,
          };
        case 'htif-unsupported':
          return {
            status: ExitStatus.GUEST_FAILURE,
            message: `guest wrote tohost = ${hex(h.tohost)}: an HTIF request rrvm does not serve (only pass/fail codes and the write and exit syscalls) (icount ${icount})`,
          };
      }
    }
  }
}
