import { createServer, type AddressInfo, type Socket } from 'node:net';
import { RrvmError } from '../core/rrvm-error.js';
import type { DebugTarget } from '../engine/debug-target.js';
import { GdbStub } from './gdb-stub.js';
import { framePacket, RspDecoder } from './rsp-packets.js';

/** How a debugging session ended. */
export type SessionEnd = 'detach' | 'kill' | 'disconnect';

/** A listening GDB server; it serves one client, then stops listening. */
export interface GdbServer {
  /** Host and port it listens on (the port is the real one when 0 was asked for). */
  readonly host: string;
  readonly port: number;
  /** Settles when the client's session ends (rejects if handling a packet failed). */
  readonly finished: Promise<SessionEnd>;
  /** Stops listening and drops the client, if any. */
  close(): void;
}

/**
 * Listens for gdb on `host:port` and serves the remote protocol for `target` to the first
 * client; connections made while it is busy are closed at once. A port in use is an
 * RrvmError (`gdb.listen`) with a one-line message.
 */
export async function listenForGdb(target: DebugTarget, host: string, port: number): Promise<GdbServer> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'address in use' : err.message;
      reject(new RrvmError('gdb.listen', `cannot listen on ${host}:${port}: ${why}`));
    });
    server.listen({ host, port, exclusive: true }, resolve);
  });
  let client: Socket | null = null;
  const finished = new Promise<SessionEnd>((resolve, reject) => {
    server.on('connection', (socket) => {
      if (client !== null) {
        socket.destroy();
        return;
      }
      client = socket;
      server.close();
      serveClient(socket, target).then(resolve, reject);
    });
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    finished,
    close: () => {
      server.close();
      client?.destroy();
    },
  };
}

/**
 * Serves one connection: frames and acknowledges packets (until QStartNoAckMode), hands them
 * to a GdbStub one at a time, and forwards Ctrl-C at once. Settles when the session ends.
 */
function serveClient(socket: Socket, target: DebugTarget): Promise<SessionEnd> {
  socket.setNoDelay(true);
  const decoder = new RspDecoder();
  /** False once QStartNoAckMode was accepted. */
  let acks = true;
  /** The last packet written, resent when gdb answers `-`. */
  let lastSent: Buffer | null = null;
  const stub = new GdbStub(target, (data) => {
    lastSent = framePacket(data);
    socket.write(lastSent);
  });
  return new Promise<SessionEnd>((resolve, reject) => {
    let ended = false;
    const end = (how: SessionEnd): void => {
      if (ended) return;
      ended = true;
      // A resume still running for a client that is gone: stop it.
      stub.interrupt();
      socket.end();
      resolve(how);
    };
    // Packets are handled strictly in order; a resume can take long, Ctrl-C must not wait.
    let queue = Promise.resolve();
    socket.on('data', (bytes: Buffer) => {
      for (const input of decoder.push(bytes)) {
        if (ended) return;
        if (input.kind === 'interrupt') {
          stub.interrupt();
        } else if (input.kind === 'nack') {
          if (acks && lastSent !== null) socket.write(lastSent);
        } else if (input.kind === 'packet') {
          if (acks) socket.write(input.valid ? '+' : '-');
          if (!input.valid) continue;
          queue = queue
            .then(async () => {
              if (ended) return;
              const outcome = await stub.handle(input.data);
              if (outcome === 'no-ack') acks = false;
              else if (outcome === 'detach' || outcome === 'kill') end(outcome);
            })
            .catch((err: unknown) => {
              ended = true;
              socket.destroy();
              reject(err);
            });
        }
      }
    });
    socket.on('close', () => end('disconnect'));
    socket.on('error', () => end('disconnect'));
  });
}
