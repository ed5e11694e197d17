import type { PushFamily, PayloadOf } from './event-family.js';
import { describePayload } from './describe-payload.js';

type NetRx = PayloadOf<'NET_RX'>;

/**
 * NET_RX: an Ethernet frame received by virtio-net `netdev`. Capture: `udpFrames$`
 * (streams/sources/), one datagram per frame; the device takes a frame only when its receive
 * queue has a buffer (the rest waits, in order). Transmitted frames go out through the
 * `netTx` port: output, never recorded (in replay the backend is detached).
 */
export const netRxFamily: PushFamily<'NET_RX', NetRx> = {
  kind: 'NET_RX',
  direction: 'push',
  capture: (rx) => ({ family: netRxFamily, payload: { netdev: rx.netdev, frame: rx.frame } }),
  apply: (machine, payload) => (machine.deliverNet(payload.netdev, payload.frame) ? payload : null),
  rest: () => null,
  merge: () => null,
  shortfall: (payload) => `netdev ${payload.netdev} took no frame (the machine has no such netdev, or its receive queue has no buffer)`,
  describe: describePayload,
  device: null,
  port: 'netTx',
  start: (io, [netdev, frame]) => io.net.transmit(netdev as number, frame as Uint8Array),
};
