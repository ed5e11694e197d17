import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenForGdb, type GdbServer } from '../../src/gdb/gdb-server.js';
import { checksum } from '../../src/gdb/rsp-packets.js';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { FakeTarget } from './fake-target.js';

/** A raw TCP client that collects everything the server sends. */
class RawClient {
  received = '';
  private waiters: (() => void)[] = [];

  constructor(readonly socket: Socket) {
    socket.on('data', (b: Buffer) => {
      this.received += b.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  send(raw: string): void {
    this.socket.write(Buffer.from(raw, 'latin1'));
  }

  packet(data: string): void {
    this.send(`$${data}#${checksum(data)}`);
  }

  /** Waits until the received text contains `text` (rejects after 5 s). */
  async waitFor(text: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!this.received.includes(text)) {
      if (Date.now() > deadline) throw new Error(`never received ${JSON.stringify(text)}; got ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** Resolves when the server closed the connection. */
  closed(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || this.socket.readableEnded) resolve();
      this.socket.once('close', () => resolve());
    });
  }
}

const frame = (data: string): string => `$${data}#${checksum(data)}`;

let server: GdbServer | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

describe('listenForGdb', () => {
  it('acks each packet, replies, and ends with detach after D', async () => {
    const target = new FakeTarget();
    server = await listenForGdb(target, '127.0.0.1', 0);
    expect(server.port).toBeGreaterThan(0);
    const client = await RawClient.open(server.port);
    client.packet('qC');
    await client.waitFor(frame('QC1'));
    expect(client.received).toBe('+' + frame('QC1'));
    client.send('+');
    client.packet('D');
    await client.waitFor(frame('OK'));
    await expect(server.finished).resolves.toBe('detach');
    await client.closed();
  });

  it('naks a packet with a bad checksum and resends its last packet on a nak', async () => {
    server = await listenForGdb(new FakeTarget(), '127.0.0.1', 0);
    const client = await RawClient.open(server.port);
    client.send('$qC#00');
    await client.waitFor('-');
    client.packet('qC');
    await client.waitFor(frame('QC1'));
    client.send('-');
    await client.waitFor(frame('QC1') + frame('QC1'));
    expect(client.received).toBe('-+' + frame('QC1') + frame('QC1'));
  });

  it('stops acking after QStartNoAckMode', async () => {
    server = await listenForGdb(new FakeTarget(), '127.0.0.1', 0);
    const client = await RawClient.open(server.port);
    client.packet('QStartNoAckMode');
    await client.waitFor(frame('OK'));
    client.send('+');
    client.packet('qC');
    await client.waitFor(frame('QC1'));
    expect(client.received).toBe('+' + frame('OK') + frame('QC1'));
  });

  it('forwards Ctrl-C during a continue and replies T02', async () => {
    const target = new FakeTarget();
    server = await listenForGdb(target, '127.0.0.1', 0);
    const client = await RawClient.open(server.port);
    client.packet('vCont;c');
    await client.waitFor('+');
    await new Promise((r) => setTimeout(r, 20));
    client.send('\x03');
    await client.waitFor(frame('T02thread:1;'));
    expect(target.calls).toEqual(['resume continue', 'interrupt']);
  });

  it('ends with kill after k, and with disconnect when the client goes away', async () => {
    server = await listenForGdb(new FakeTarget(), '127.0.0.1', 0);
    const killer = await RawClient.open(server.port);
    killer.packet('k');
    await expect(server.finished).resolves.toBe('kill');
    await killer.closed();
    server.close();

    server = await listenForGdb(new FakeTarget(), '127.0.0.1', 0);
    const leaver = await RawClient.open(server.port);
    leaver.socket.destroy();
    await expect(server.finished).resolves.toBe('disconnect');
  });

  it('serves one client: a second connection is closed at once', async () => {
    server = await listenForGdb(new FakeTarget(), '127.0.0.1', 0);
    const first = await RawClient.open(server.port);
    first.packet('qC');
    await first.waitFor(frame('QC1'));
    const second = connect({ host: '127.0.0.1', port: server.port });
    const outcome = await new Promise<string>((resolve) => {
      second.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      second.once('close', () => resolve('closed'));
    });
    expect(['closed', 'ECONNREFUSED', 'ECONNRESET']).toContain(outcome);
    first.packet('qC');
    await first.waitFor(frame('QC1') + '+' + frame('QC1'));
  });

  it('a busy port is an RrvmError gdb.listen with a one-line message', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const err = await listenForGdb(new FakeTarget(), '127.0.0.1', port).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RrvmError);
      expect((err as RrvmError).code).toBe('gdb.listen');
      expect((err as RrvmError).message).toBe(`cannot listen on 127.0.0.1:${port}: address in use`);
    } finally {
      blocker.close();
    }
  });
});
