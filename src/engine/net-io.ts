/** Net output state kept with a snapshot (see `NetIo.save`). */
export interface SavedNetIo {
  /** Frames transmitted so far, by every netdev. */
  readonly sent: number;
}

/**
 * The host side of virtio-net output (the machine's `netTx` port). Transmitted frames are
 * output, not input: nothing is recorded. Live they go to `backend` (the host network); in
 * replay the backend is detached (null) and nothing leaves the process. Either way `onFrame`
 * hears each frame once (taps: `--net-pcap`): after going back in time, frames sent again
 * before the high-water mark are not handed on again, like console output.
 */
export class NetIo {
  private sent = 0;
  /** Frames handed on so far (the high-water mark). */
  private shown = 0;

  constructor(
    /** Live: sends a frame to the host network; null in replay. */
    private readonly backend: ((netdev: number, frame: Uint8Array) => void) | null,
    private readonly onFrame: (netdev: number, frame: Uint8Array) => void = () => {},
  ) {}

  /** Netdev `netdev` transmitted `frame` (the `netTx` port). */
  transmit(netdev: number, frame: Uint8Array): void {
    const n = this.sent++;
    if (n < this.shown) return;
    this.shown = n + 1;
    this.backend?.(netdev, frame);
    this.onFrame(netdev, frame);
  }

  /** How many frames were sent (what a snapshot keeps). */
  save(): SavedNetIo {
    return { sent: this.sent };
  }

  /** Returns to a state `save` returned; the high-water mark stays. */
  restore(saved: SavedNetIo): void {
    this.sent = saved.sent;
  }
}
