import type { EventKind, RrEvent, UnstampedEvent } from '../../core/event.js';
import type { LogDevice } from '../../../codecs/index.js';
import type { HostPorts } from '../../machine/host-ports.js';
import type { Machine } from '../../machine/machine.js';
import type { BlockIo } from '../block-io.js';
import type { Deferrals } from '../deferrals.js';
import type { NetIo } from '../net-io.js';
import type { AudioIo } from '../audio-io.js';

/** The event of kind K. */
export type EventOf<K extends EventKind> = Extract<RrEvent, { kind: K }>;
/** What an event of kind K carries: the event without kind and stamp. */
export type PayloadOf<K extends EventKind> = Omit<EventOf<K>, 'kind' | 'icount' | 'seq'>;

/** What a family reaches of the engine besides the machine: host I/O in flight. */
export interface FamilyIo {
  /** Block requests started and not completed (null: the machine has no drive). */
  readonly blocks: BlockIo | null;
  /** BHs deferred by devices and not yet run. */
  readonly deferrals: Deferrals;
  /** Frames the machine transmits (to the host network live, to taps only in replay). */
  readonly net: NetIo;
  /** Host audio (absent: no sound device, or nothing to do with its streams). */
  readonly audio?: AudioIo;
}

/** One host input waiting for the guest, tagged with the family that applies it. */
export interface HostInput {
  family: PushFamily<EventKind>;
  payload: object;
}

/**
 * A push family (DESIGN §4): input the host delivers at any moment, applied to the machine at
 * the next checkpoint with backpressure (what the device cannot take yet stays queued).
 */
export interface PushFamily<K extends EventKind, C = never> {
  readonly kind: K;
  readonly direction: 'push';
  /** Capture: turns one value of the family's host source (streams/sources/) into a tagged input, or null when it carries nothing. */
  capture(value: C): HostInput | null;
  /**
   * Apply: offers `payload` to the machine; returns the part the device accepted, or null
   * when it took nothing. In replay the whole recorded payload must be accepted.
   */
  apply(machine: Machine, payload: PayloadOf<K>, io: FamilyIo): PayloadOf<K> | null;
  /** What is left of `payload` after `accepted` was taken, or null when nothing is. */
  rest(payload: PayloadOf<K>, accepted: PayloadOf<K>): PayloadOf<K> | null;
  /** Two payloads accepted at one checkpoint as one event, or null when they stay two events. */
  merge(first: PayloadOf<K>, second: PayloadOf<K>): PayloadOf<K> | null;
  /** Why a replayed event did not fit: `accepted` is what the device took (null: nothing). */
  shortfall(payload: PayloadOf<K>, accepted: PayloadOf<K> | null): string;
  /** Dump: the payload as `field=value` text for `rrvm dump` and reports. */
  describe(payload: PayloadOf<K>): string;
  /** The device entry this family adds to the log header, if any. */
  readonly device: LogDevice | null;
  /** A port through which the machine starts work whose completion is this family's event (or sends this family's output). */
  readonly port?: keyof HostPorts;
  /** Starts that work (the port's implementation, the same in every mode); returns what the port returns. */
  start?(io: FamilyIo, args: unknown[]): unknown;
}

/** The arguments a pull port is called with, by port name. */
export type PortArgs<P extends keyof HostPorts> = Parameters<HostPorts[P]>;
/** What a pull port returns. */
export type PortValue<P extends keyof HostPorts> = ReturnType<HostPorts[P]>;

/**
 * A pull family: a value the machine asks the host for mid-instruction through a port. Live,
 * the host answers and the answer is recorded; in replay the log answers, and the request must
 * match the recorded one exactly.
 */
export interface PullFamily<K extends EventKind, P extends keyof HostPorts> {
  readonly kind: K;
  readonly direction: 'pull';
  /** The port of HostPorts this family implements. */
  readonly port: P;
  /** Capture: asks the host (live modes only). */
  host(...args: PortArgs<P>): PortValue<P>;
  /** The event (unstamped) recording a request and its answer. */
  record(args: PortArgs<P>, value: PortValue<P>): Omit<EventOf<K>, 'icount' | 'seq'>;
  /** The recorded answer if the recorded event matches this request, else null. */
  answer(event: EventOf<K>, args: PortArgs<P>): PortValue<P> | null;
  /** How the guest's request reads in a divergence report. */
  request(args: PortArgs<P>): string;
  /** Dump: the payload as `field=value` text. */
  describe(payload: PayloadOf<K>): string;
  /** The device entry this family adds to the log header, if any. */
  readonly device: LogDevice | null;
}

/** A pull family seen without its port's types, as the modes iterate them. */
export interface AnyPullFamily {
  readonly kind: EventKind;
  readonly direction: 'pull';
  readonly port: keyof HostPorts;
  host(...args: unknown[]): unknown;
  record(args: unknown[], value: unknown): UnstampedEvent;
  answer(event: RrEvent, args: unknown[]): unknown;
  request(args: unknown[]): string;
}

/** Any family of the registry (each with its own kind and port types). */
export type AnyFamily = PushFamily<any> | PullFamily<any, any>;
