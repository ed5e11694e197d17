import type { PushFamily } from './event-family.js';
import { describePayload } from './describe-payload.js';

/**
 * WARP: virtual time skipped while the hart idles in WFI. Capture: the engine's idle policy
 * (skip to the next timer, or wait in real time), not a host stream; always accepted whole.
 */
export const warpFamily: PushFamily<'WARP', number> = {
  kind: 'WARP',
  direction: 'push',
  capture: (ns: number) => (ns > 0 ? { family: warpFamily, payload: { ns } } : null),
  apply(machine, payload) {
    machine.warp(payload.ns);
    return payload;
  },
  rest: () => null,
  merge: (first, second) => ({ ns: first.ns + second.ns }),
  shortfall: () => 'virtual time could not be advanced',
  describe: describePayload,
  device: null,
};
