import type { ClockKind } from '../core/clock-kind.js';
import type { BlockRequest } from './devices/virtio/block-backend.js';

/**
 * The only way the deterministic machine reaches the host (DESIGN §3). The engine implements
 * these differently per mode: live in `run`, live-and-logged in `record`, from the log in `replay`.
 */
export interface HostPorts {
  /**
   * Pull: reads a host clock. Returns an integral number of ns (a double; at wall-clock
   * magnitudes it is rounded to a multiple of 256 ns, which is fine for an RTC).
   */
  clock(kind: ClockKind): number;
  /** Pull: `n` bytes of host entropy for virtio-rng. */
  random(n: number): Uint8Array;
  /**
   * Starts block I/O for drive `drive` (virtio-blk). Nothing comes back here: the completion
   * is a BLOCK_DONE event, applied at a checkpoint through `Machine.completeBlock`.
   */
  blockIo(drive: number, request: BlockRequest): void;
  /**
   * Schedules a one-shot deferred call (a BH) for device `owner` (its virtio slot) with `tag`,
   * and returns its id. The call comes back as `Machine.runDeferred` when the BH event is
   * applied at a later checkpoint: the only way a device runs code later (DESIGN §3).
   */
  defer(owner: number, tag: number): number;
  /**
   * Output: virtio-net `netdev` transmitted `frame` (an Ethernet frame). Nothing comes back and
   * nothing is recorded: live it goes to the host network, in replay nowhere (taps still see it).
   */
  netTx(netdev: number, frame: Uint8Array): void;
  /**
   * Output stream 0 or input stream 1 of virtio-sound started (`running`) or stopped at `rate`
   * Hz with `channels` channels: live, the host paces AUDIO_OUT and AUDIO_IN events by it.
   */
  audioStream(stream: number, rate: number, channels: number, running: boolean): void;
}
