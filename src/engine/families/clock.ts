import type { ClockKind } from '../../core/clock-kind.js';
import { hostClockNs } from '../host-clock.js';
import type { PullFamily } from './event-family.js';
import { describePayload } from './describe-payload.js';

/** CLOCK: a host clock read by a device (the goldfish RTC reads wall-clock ns) through the `clock` port. */
export const clockFamily: PullFamily<'CLOCK', 'clock'> = {
  kind: 'CLOCK',
  direction: 'pull',
  port: 'clock',
  host: () => hostClockNs(),
  record: ([clock], value) => ({ kind: 'CLOCK', clock, value }),
  answer: (event, [clock]) => (event.clock === clock ? event.value : null),
  request: ([clock]: [ClockKind]) => `read the ${clock} clock`,
  describe: describePayload,
  device: { kind: 'goldfish-rtc' },
};
