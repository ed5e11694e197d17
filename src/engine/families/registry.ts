import type { EventKind } from '../../core/event.js';
import { RrvmError } from '../../core/rrvm-error.js';
import type { LogDevice } from '../../../codecs/index.js';
import { clockFamily } from './clock.js';
import type { AnyFamily, AnyPullFamily, PushFamily } from './event-family.js';
import { serialFamily } from './serial.js';
import { warpFamily } from './warp.js';

/**
 * Every event family (DESIGN §4), in the order their inputs are applied at a checkpoint. The
 * live and replay modes, the header and `rrvm dump` iterate this list; none names a family.
 */
export const FAMILIES: readonly AnyFamily[] = [serialFamily, clockFamily, warpFamily];

/** The family that records idle time (the engine's own push source). */
export const IDLE_FAMILY = warpFamily;

const BY_KIND = new Map<EventKind, AnyFamily>(FAMILIES.map((f) => [f.kind as EventKind, f]));

/** The push family of `kind`, or undefined (a pull kind, or an engine event such as CHECKPOINT). */
export function pushFamilyOf(kind: EventKind): PushFamily<EventKind> | undefined {
  const family = BY_KIND.get(kind);
  return family?.direction === 'push' ? (family as PushFamily<EventKind>) : undefined;
}

/** The family of `kind`, or undefined for the engine's own events (CHECKPOINT, SHUTDOWN, SNAPSHOT, END). */
export function familyOf(kind: EventKind): AnyFamily | undefined {
  return BY_KIND.get(kind);
}

/** The pull families (one per port). */
export const PULL_FAMILIES = FAMILIES.filter((f) => f.direction === 'pull') as unknown as readonly AnyPullFamily[];

/** The board's devices as the log header lists them. */
export function headerDevices(): LogDevice[] {
  return FAMILIES.flatMap((f) => (f.device === null ? [] : [f.device]));
}

/**
 * Checks that this rrvm can rebuild every device a log's header lists (replay rebuilds the
 * board from that list); throws RrvmError `log.devices` naming the first it cannot.
 */
export function checkHeaderDevices(devices: readonly LogDevice[], name: string): void {
  const known = headerDevices().map((d) => JSON.stringify(d));
  for (const device of devices) {
    if (!known.includes(JSON.stringify(device))) {
      throw new RrvmError('log.devices', `${name}: the recorded machine has a device this rrvm cannot rebuild: ${JSON.stringify(device)}`);
    }
  }
}
