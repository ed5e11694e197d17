import { createSocket, type Socket } from 'node:dgram';
import { map, type Observable } from 'rxjs';
import { udpFrames$ } from '../../streams/sources/udp-frames.js';
import { RrvmError } from '../core/rrvm-error.js';
import type { HostInput } from '../engine/families/event-family.js';
import { netRxFamily } from '../engine/families/net-rx.js';
import type { UdpNetSpec } from './net-options.js';

/** The host side of `--net udp:...`, bound and ready. */
export interface HostNet {
  /** Received frames, tagged as NET_RX input for netdev 0 (never completes). */
  readonly input$: Observable<HostInput | null>;
  /** Sends a frame the guest transmitted as one datagram to the remote address. */
  send(netdev: number, frame: Uint8Array): void;
  /** Closes the socket once the datagrams already handed to it are sent. */
  close(): Promise<void>;
}

const REASONS: Record<string, string> = {
  EADDRINUSE: 'the port is in use',
  EADDRNOTAVAIL: 'no such local address',
  EACCES: 'permission denied',
  ENOTFOUND: 'no such host',
};

/**
 * Binds the UDP socket of `--net` (before anything is written, so a busy port is a one-line
 * RrvmError `net.bind`). Frames go to REMOTEHOST:REMOTEPORT, one datagram each; send errors
 * (nobody listening, a frame too large) lose that frame, as a network would.
 */
export async function openHostNet(spec: UdpNetSpec): Promise<HostNet> {
  const socket: Socket = createSocket(spec.localHost.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      socket.close();
      const where = `${spec.localHost}:${spec.localPort}`;
      reject(new RrvmError('net.bind', `--net: cannot listen on ${where}: ${REASONS[err.code ?? ''] ?? err.message}`));
    };
    socket.once('error', onError);
    socket.bind(spec.localPort, spec.localHost, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  let sending = 0;
  let drained: (() => void) | null = null;
  return {
    input$: udpFrames$(socket).pipe(map((frame) => netRxFamily.capture({ netdev: 0, frame }))),
    send: (_netdev, frame) => {
      sending++;
      socket.send(frame, spec.remotePort, spec.remoteHost, () => {
        if (--sending === 0) drained?.();
      });
    },
    close: async () => {
      // The guest's last frame (net-echo's answer to "quit") may still be on its way out.
      if (sending > 0) await new Promise<void>((resolve) => (drained = resolve));
      socket.close();
    },
  };
}
