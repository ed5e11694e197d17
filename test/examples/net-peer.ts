// A scripted network peer for the net-echo guest, on a UDP socket bound to 127.0.0.1: it
// speaks QEMU's -netdev dgram framing (one Ethernet frame per datagram), sends an ARP
// request, a ping, UDP datagrams (one at a time, then a burst of more frames than the guest
// has receive buffers) and finally "quit", and checks every answer the guest sends back.
import { createSocket, type Socket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { GUEST_IP, PEER_IP, PEER_MAC, arpRequest, be16, checksum, macOf, pingRequest, udpDatagram } from '../../bench/net-frames.js';

export { GUEST_MAC_TEXT } from '../../bench/net-frames.js';

/** One frame the peer sends, the answer it expects (null: none), and how long it waits first. */
interface Step {
  frame: Uint8Array;
  expect: ((reply: Uint8Array) => string | null) | null;
  afterMs: number;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function checkArpReply(guestMac: Uint8Array): (r: Uint8Array) => string | null {
  const want = hex(Uint8Array.from([...PEER_MAC, ...guestMac, 8, 6, 0, 1, 8, 0, 6, 4, 0, 2, ...guestMac, ...GUEST_IP, ...PEER_MAC, ...PEER_IP]));
  return (r) => (hex(r.subarray(0, 42)) === want ? null : `bad ARP reply ${hex(r)}`);
}

/** Checks an IPv4 reply from the guest: addresses swapped, header checksum valid; returns the L4 part or an error. */
function ipReply(guestMac: Uint8Array, r: Uint8Array, protocol: number): Uint8Array | string {
  if (hex(r.subarray(0, 14)) !== hex(Uint8Array.from([...PEER_MAC, ...guestMac, 8, 0]))) return `bad Ethernet header ${hex(r.subarray(0, 14))}`;
  const ip = r.subarray(14);
  if (checksum(ip.subarray(0, 20)) !== 0) return 'bad IPv4 header checksum';
  if (ip[9] !== protocol || hex(ip.subarray(12, 16)) !== hex(GUEST_IP) || hex(ip.subarray(16, 20)) !== hex(PEER_IP)) return `bad IPv4 header ${hex(ip.subarray(0, 20))}`;
  return ip.subarray(20, (ip[2]! << 8) | ip[3]!);
}

function checkPingReply(guestMac: Uint8Array, request: Uint8Array): (r: Uint8Array) => string | null {
  return (r) => {
    const icmp = ipReply(guestMac, r, 1);
    if (typeof icmp === 'string') return icmp;
    if (icmp[0] !== 0 || checksum(icmp) !== 0) return `bad ICMP reply ${hex(icmp)}`;
    return hex(icmp.subarray(4)) === hex(request.subarray(34 + 4)) ? null : 'ICMP reply data differ';
  };
}

function checkUdpEcho(guestMac: Uint8Array, srcPort: number, dstPort: number, payload: Uint8Array): (r: Uint8Array) => string | null {
  return (r) => {
    const udp = ipReply(guestMac, r, 17);
    if (typeof udp === 'string') return udp;
    const pseudo = Uint8Array.from([...GUEST_IP, ...PEER_IP, 0, 17, ...be16(udp.length)]);
    if (checksum(Uint8Array.from([...pseudo, ...udp])) !== 0) return 'bad UDP checksum';
    if (((udp[0]! << 8) | udp[1]!) !== dstPort || ((udp[2]! << 8) | udp[3]!) !== srcPort) return 'UDP ports not swapped';
    return hex(udp.subarray(8)) === hex(payload) ? null : `UDP payload differs: ${hex(udp.subarray(8))}`;
  };
}

/** How many datagrams the burst sends at once (the guest posts 16 receive buffers). */
export const BURST = 20;

/** The peer's script against a guest with MAC `guestMacText`; `gapMs` between single steps. */
export function peerScript(guestMacText: string, gapMs = 30): Step[] {
  const mac = macOf(guestMacText);
  const steps: Step[] = [];
  steps.push({ frame: arpRequest(), expect: checkArpReply(mac), afterMs: gapMs });
  steps.push({ frame: arpRequest(Uint8Array.of(10, 0, 2, 99)), expect: null, afterMs: gapMs });
  const ping = pingRequest(mac, 0x1234, 1, 56);
  steps.push({ frame: ping, expect: checkPingReply(mac, ping), afterMs: gapMs });
  const udp = (payload: Uint8Array, srcPort: number, id: number, afterMs: number): Step => ({
    frame: udpDatagram(mac, srcPort, 7, payload, id),
    expect: checkUdpEcho(mac, srcPort, 7, payload),
    afterMs,
  });
  steps.push(udp(text('hello'), 5555, 1, gapMs));
  steps.push(udp(Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff), 5556, 2, gapMs));
  for (let i = 0; i < BURST; i++) steps.push(udp(text(`burst ${i}`), 6000 + i, 10 + i, i === 0 ? gapMs : 0));
  steps.push(udp(text('quit'), 5555, 99, gapMs));
  return steps;
}

/** The console lines net-echo prints for the peer's script (MAC as given). */
export function expectedConsole(mac: string): string {
  const lines = [`net-echo: mac ${mac} ip 10.0.2.15 link up`];
  let n = 0;
  const say = (s: string) => lines.push(`net-echo: #${++n} ${s}`);
  say(`arp: who-has 10.0.2.15 tell 10.0.2.2: replied ${mac}`);
  say('arp: not a request for us, ignored');
  say('icmp: echo request from 10.0.2.2 id=4660 seq=1 bytes=56: replied');
  say('udp: 10.0.2.2:5555 -> 10.0.2.15:7 bytes=5 "hello": echoed');
  const kilo = Array.from({ length: 40 }, (_, i) => (i >= 0x20 && i < 0x7f ? String.fromCharCode(i) : '.')).join('');
  say(`udp: 10.0.2.2:5556 -> 10.0.2.15:7 bytes=1000 "${kilo}...": echoed`);
  for (let i = 0; i < BURST; i++) say(`udp: 10.0.2.2:${6000 + i} -> 10.0.2.15:7 bytes=${`burst ${i}`.length} "burst ${i}": echoed`);
  say('udp: 10.0.2.2:5555 -> 10.0.2.15:7 bytes=4 "quit": echoed');
  lines.push(`net-echo: quit after ${n} frames`);
  return lines.join('\n') + '\n';
}

/** What the peer saw. */
export interface PeerResult {
  /** Frames sent to the guest. */
  sent: number;
  /** Frames the guest sent back. */
  replies: Uint8Array[];
  /** Problems found in the replies (empty when all is well). */
  errors: string[];
}

/** A peer socket bound to 127.0.0.1 on a free port. */
export class NetPeer {
  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {}

  static async open(): Promise<NetPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new NetPeer(socket, socket.address().port);
  }

  /**
   * Plays `steps` against the guest listening on 127.0.0.1:`guestPort`, then waits up to
   * `settleMs` for the last answers; every reply is checked against the step that expects it,
   * in order (steps that expect none are skipped).
   */
  async play(guestPort: number, steps: readonly Step[], settleMs = 3000): Promise<PeerResult> {
    const replies: Uint8Array[] = [];
    const expected = steps.filter((s) => s.expect !== null).length;
    let wake: (() => void) | null = null;
    this.socket.on('message', (data: Buffer) => {
      replies.push(new Uint8Array(data));
      if (replies.length >= expected) wake?.();
    });
    for (const step of steps) {
      if (step.afterMs > 0) await sleep(step.afterMs);
      this.socket.send(step.frame, guestPort, '127.0.0.1');
    }
    if (replies.length < expected) {
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(settleMs)]);
    }
    const errors: string[] = [];
    const checks = steps.flatMap((s) => (s.expect === null ? [] : [s.expect]));
    checks.forEach((check, i) => {
      const reply = replies[i];
      const problem = reply === undefined ? 'no reply' : check(reply);
      if (problem !== null) errors.push(`reply ${i}: ${problem}`);
    });
    if (replies.length > checks.length) errors.push(`${replies.length - checks.length} unexpected extra replies`);
    return { sent: steps.length, replies, errors };
  }

  /** Datagrams received so far that `play` did not ask for (a listener for "replay sends nothing"). */
  listen(): Uint8Array[] {
    const got: Uint8Array[] = [];
    this.socket.on('message', (data: Buffer) => got.push(new Uint8Array(data)));
    return got;
  }

  close(): void {
    this.socket.close();
  }
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
