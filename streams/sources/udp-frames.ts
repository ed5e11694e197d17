import type { Socket } from 'node:dgram';
import { Observable } from 'rxjs';
import { RrvmError } from '../../src/core/rrvm-error.js';

/**
 * Network frames from a bound UDP socket (`--net udp:...`, QEMU's `-netdev dgram` framing):
 * each datagram is one Ethernet frame, emitted as a fresh Uint8Array (a copy), in arrival
 * order; empty datagrams are ignored. Never completes by itself; a socket error is emitted
 * as RrvmError `net.io`. Unsubscribing removes the listeners but does not close the socket.
 */
export function udpFrames$(socket: Socket): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    const onMessage = (data: Buffer): void => {
      if (data.length > 0) subscriber.next(new Uint8Array(data));
    };
    const onError = (err: Error): void => subscriber.error(new RrvmError('net.io', `network backend failed: ${err.message}`));
    socket.on('message', onMessage);
    socket.on('error', onError);
    return () => {
      socket.off('message', onMessage);
      socket.off('error', onError);
    };
  });
}
