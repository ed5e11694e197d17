import type { PushFamily } from './event-family.js';
import { describePayload } from './describe-payload.js';

/**
 * BH: a one-shot deferred device call ran. A device asks for one through the `defer` port;
 * live, it is due at once (or after a `--chaos-io` delay) and captured here; the device's
 * code runs only when the event is applied, at a checkpoint, in record and replay alike.
 */
export const bhFamily: PushFamily<'BH', number> = {
  kind: 'BH',
  direction: 'push',
  capture: (id) => ({ family: bhFamily, payload: { id } }),
  apply: (machine, payload, io) => (io.deferrals.run(machine, payload.id) ? payload : null),
  rest: () => null,
  merge: () => null,
  shortfall: (payload) => `no device deferred BH ${payload.id}`,
  describe: describePayload,
  device: null,
  port: 'defer',
  start: (io, [owner, tag]) => io.deferrals.start(owner as number, tag as number),
};
