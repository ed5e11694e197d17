import { EventEmitter } from 'node:events';
import type { Socket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { RrvmError } from '../../../src/core/rrvm-error.js';
import { udpFrames$ } from '../../../streams/sources/udp-frames.js';

/** A stand-in for a bound dgram socket: the test emits its 'message' and 'error' events. */
const fakeSocket = () => new EventEmitter() as unknown as Socket & EventEmitter;

describe('udpFrames$', () => {
  it('emits each datagram as its own frame, in arrival order, as a copy; empty datagrams are skipped', () => {
    const socket = fakeSocket();
    const seen: Uint8Array[] = [];
    udpFrames$(socket).subscribe((f) => seen.push(f));
    const pool = Buffer.from([1, 2, 3, 4, 5, 6]);
    // Three datagrams in one tick (one slice for the machine), one of them empty.
    socket.emit('message', pool.subarray(0, 2));
    socket.emit('message', Buffer.alloc(0));
    socket.emit('message', pool.subarray(2, 6));
    pool.fill(0);
    expect(seen.map((f) => [...f])).toEqual([
      [1, 2],
      [3, 4, 5, 6],
    ]);
    expect(seen.every((f) => !Buffer.isBuffer(f))).toBe(true);
  });

  it('turns a socket error into RrvmError net.io and removes its listeners when unsubscribed', () => {
    const socket = fakeSocket();
    let failure: unknown = null;
    udpFrames$(socket).subscribe({ error: (err: unknown) => (failure = err) });
    socket.emit('error', new Error('EHOSTUNREACH'));
    expect(failure).toBeInstanceOf(RrvmError);
    expect((failure as RrvmError).code).toBe('net.io');
    expect((failure as RrvmError).message).toMatch(/network backend failed: EHOSTUNREACH/);
    const other = fakeSocket();
    const subscription = udpFrames$(other).subscribe();
    expect(other.listenerCount('message')).toBe(1);
    subscription.unsubscribe();
    expect(other.listenerCount('message')).toBe(0);
    expect(other.listenerCount('error')).toBe(0);
  });
});
