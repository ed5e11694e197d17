import type { ClockKind } from './clock-kind.js';

/** Instruction count: instructions retired since reset (an instruction that traps counts). */
export type Icount = number;

/** Every event kind of DESIGN §4, in the order of their numeric tags in the log (tag = index + 1). */
export const EVENT_KINDS = [
  'CLOCK',
  'RANDOM',
  'CHAR_READ',
  'INPUT',
  'NET_RX',
  'AUDIO_OUT',
  'AUDIO_IN',
  'BLOCK_DONE',
  'BH',
  'WARP',
  'CHECKPOINT',
  'SHUTDOWN',
  'SNAPSHOT',
  'END',
] as const;

/** Name of an event kind. */
export type EventKind = (typeof EVENT_KINDS)[number];

/** Position of an event in the ordered stream: applied after `icount` instructions; `seq` strictly increases. */
interface Stamp {
  icount: Icount;
  seq: number;
}

/** Pull: a host clock read by a device; `value` is integral ns. */
export type ClockEvent = Stamp & { kind: 'CLOCK'; clock: ClockKind; value: number };
/** Pull: entropy handed to the guest. */
export type RandomEvent = Stamp & { kind: 'RANDOM'; bytes: Uint8Array };
/** Push: bytes delivered into a serial port's receiver (exactly what it accepted). */
export type CharReadEvent = Stamp & { kind: 'CHAR_READ'; port: number; bytes: Uint8Array };
/** Push: evdev triples (type, code, value) flattened, delivered to an input device, then a sync. */
export type InputEvent = Stamp & { kind: 'INPUT'; device: number; events: number[] };
/** Push: a network frame received by netdev `netdev`. */
export type NetRxEvent = Stamp & { kind: 'NET_RX'; netdev: number; frame: Uint8Array };
/** Push: the host consumed `frames` audio frames of stream `stream`. */
export type AudioOutEvent = Stamp & { kind: 'AUDIO_OUT'; stream: number; frames: number };
/** Push: captured audio samples for stream `stream`. */
export type AudioInEvent = Stamp & { kind: 'AUDIO_IN'; stream: number; samples: Uint8Array };
/** Push: block request `request` completed with `status`. */
export type BlockDoneEvent = Stamp & { kind: 'BLOCK_DONE'; request: number; status: number };
/** Push: deferred device callback `id` ran. */
export type BhEvent = Stamp & { kind: 'BH'; id: number };
/** Push: virtual time skipped while the guest idled, in ns. */
export type WarpEvent = Stamp & { kind: 'WARP'; ns: number };
/** Verification: digest of CPU state and all guest output so far. */
export type CheckpointEvent = Stamp & { kind: 'CHECKPOINT'; digest: Uint8Array };
/** Push: the host asked the guest to stop (Ctrl-C, end of input script). */
export type ShutdownEvent = Stamp & { kind: 'SHUTDOWN'; reason: string };
/** Marker: the whole machine state at this point, encoded as a snapshot file holds it (codecs/snapshot-codec.ts). */
export type SnapshotEvent = Stamp & { kind: 'SNAPSHOT'; data: Uint8Array };
/** Footer: the run ended after `icount` instructions. */
export type EndEvent = Stamp & { kind: 'END' };

/** One event of the ordered stream. */
export type RrEvent =
  | ClockEvent
  | RandomEvent
  | CharReadEvent
  | InputEvent
  | NetRxEvent
  | AudioOutEvent
  | AudioInEvent
  | BlockDoneEvent
  | BhEvent
  | WarpEvent
  | CheckpointEvent
  | ShutdownEvent
  | SnapshotEvent
  | EndEvent;

/** An event before it is stamped: what a source emits. */
export type UnstampedEvent = RrEvent extends infer E ? (E extends RrEvent ? Omit<E, 'icount' | 'seq'> : never) : never;
