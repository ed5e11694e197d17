import type { EventKind } from '../../core/event.js';
import { RrvmError } from '../../core/rrvm-error.js';
import type { LogDevice } from '../../../codecs/index.js';
import type { MachineConfig, VirtioSpec } from '../../machine/machine.js';
import { MAC_PATTERN } from '../../machine/devices/virtio/virtio-net.js';
import { INPUT_DEVICES } from '../../machine/devices/virtio/virtio-input.js';
import { bhFamily } from './bh.js';
import { blockDoneFamily } from './block-done.js';
import { clockFamily } from './clock.js';
import { inputFamily } from './input.js';
import { audioInFamily } from './audio-in.js';
import { audioOutFamily } from './audio-out.js';
import type { AnyFamily, AnyPullFamily, PushFamily } from './event-family.js';
import { netRxFamily } from './net-rx.js';
import { randomFamily } from './random.js';
import { serialFamily } from './serial.js';
import { warpFamily } from './warp.js';

/**
 * Every event family (DESIGN §4), in the order their inputs are applied at a checkpoint. The
 * live and replay modes, the header and `rrvm dump` iterate this list; none names a family.
 */
export const FAMILIES: readonly AnyFamily[] = [serialFamily, inputFamily, audioOutFamily, audioInFamily, blockDoneFamily, bhFamily, clockFamily, randomFamily, warpFamily, netRxFamily];

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

/** The virtio device a header entry describes, or null for one this rrvm does not know. */
function virtioSpecOf(device: LogDevice): VirtioSpec | null {
  const fields = Object.keys(device).sort().join(',');
  if (device.kind === 'virtio-rng' && fields === 'kind') return { kind: 'virtio-rng' };
  const { netdev, mac } = device;
  if (device.kind === 'virtio-net' && fields === 'kind,mac,netdev' && netdev === 0 && typeof mac === 'string' && MAC_PATTERN.test(mac)) {
    return { kind: 'virtio-net', netdev, mac };
  }
  if (device.kind === 'virtio-sound' && fields === 'kind') return { kind: 'virtio-sound' };
  const input = INPUT_DEVICES.find((d) => d === device.device);
  if (device.kind === 'virtio-input' && fields === 'device,kind' && input !== undefined) return { kind: 'virtio-input', device: input };
  const { drive, sectors, readOnly } = device;
  if (
    device.kind === 'virtio-blk' &&
    fields === 'drive,kind,readOnly,sectors' &&
    typeof drive === 'number' &&
    Number.isInteger(drive) &&
    drive >= 0 &&
    drive < 8 &&
    typeof sectors === 'number' &&
    Number.isSafeInteger(sectors) &&
    sectors >= 0 &&
    typeof readOnly === 'boolean'
  ) {
    return { kind: 'virtio-blk', drive, sectors, readOnly };
  }
  return null;
}

/** The push families that start work through a port (the port's implementation). */
export const START_FAMILIES = FAMILIES.filter((f) => f.direction === 'push' && f.port !== undefined) as PushFamily<EventKind>[];

/** The pull families (one per port). */
export const PULL_FAMILIES = FAMILIES.filter((f) => f.direction === 'pull') as unknown as readonly AnyPullFamily[];

/** The devices every board has, as the log header lists them (from the families that feed them). */
const BOARD_DEVICES: LogDevice[] = FAMILIES.flatMap((f) => (f.device === null ? [] : [f.device]));


/** A machine's devices as the log header lists them: the board's, then the optional ones in slot order. */
export function headerDevices(config: MachineConfig): LogDevice[] {
  return [...BOARD_DEVICES, ...(config.virtio ?? []).map((spec) => ({ ...spec }))];
}

/**
 * The optional devices to rebuild from a log header's device list (replay rebuilds the board
 * from it); throws RrvmError `log.devices` naming the first device this rrvm cannot rebuild.
 */
export function devicesFromHeader(devices: readonly LogDevice[], name: string): VirtioSpec[] {
  const board = BOARD_DEVICES.map((d) => JSON.stringify(d));
  const virtio: VirtioSpec[] = [];
  for (const device of devices) {
    if (board.includes(JSON.stringify(device))) continue;
    const spec = virtioSpecOf(device);
    if (spec === null) {
      throw new RrvmError('log.devices', `${name}: the recorded machine has a device this rrvm cannot rebuild: ${JSON.stringify(device)}`);
    }
    virtio.push(spec);
  }
  return virtio;
}
