import { describeEvdev } from '../../machine/devices/virtio/evdev-codes.js';
import { INPUT_DEVICES } from '../../machine/devices/virtio/virtio-input.js';
import type { PayloadOf, PushFamily } from './event-family.js';

type Input = PayloadOf<'INPUT'>;

/**
 * INPUT: keyboard, mouse or tablet events for a virtio-input device, evdev (type, code, value)
 * triples, each action ending with SYN_REPORT. Capture: the key, text, mouse and button lines
 * of `inputScript$` and `ttyKeys$` (streams/sources/); the device takes as many events as
 * its eventq has buffers, and the rest waits for the next checkpoint.
 */
export const inputFamily: PushFamily<'INPUT', Input> = {
  kind: 'INPUT',
  direction: 'push',
  capture: (input) => (input.events.length === 0 ? null : { family: inputFamily, payload: input }),
  apply(machine, payload) {
    const taken = machine.deliverInput(payload.device, payload.events);
    return taken === 0 ? null : { device: payload.device, events: payload.events.slice(0, 3 * taken) };
  },
  rest: (payload, accepted) =>
    accepted.events.length < payload.events.length ? { device: payload.device, events: payload.events.slice(accepted.events.length) } : null,
  merge: (first, second) => (first.device === second.device ? { device: first.device, events: [...first.events, ...second.events] } : null),
  shortfall: (payload, accepted) =>
    `the ${INPUT_DEVICES[payload.device] ?? `input device ${payload.device}`} took ${(accepted?.events.length ?? 0) / 3} of ${payload.events.length / 3} events`,
  describe: (payload) => `device=${INPUT_DEVICES[payload.device] ?? payload.device} events=${JSON.stringify(describeEvdev(payload.events))}`,
  device: null,
};
