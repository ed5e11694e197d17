// Ethernet frames a network peer sends to the net-echo guest (IPv4 10.0.2.15): an ARP
// request, an ICMP echo request, UDP datagrams, all with valid checksums. Shared by the net
// bench and the tests' scripted peer (test/examples/net-peer.ts).

/** The guest's IPv4 address (net-echo answers for it). */
export const GUEST_IP = Uint8Array.of(10, 0, 2, 15);
/** The peer's IPv4 address. */
export const PEER_IP = Uint8Array.of(10, 0, 2, 2);
/** The peer's MAC address. */
export const PEER_MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x00, 0x00, 0x02);
/** The guest's MAC address without --mac (rrvm's and QEMU's default). */
export const GUEST_MAC_TEXT = '52:54:00:12:34:56';
const BROADCAST = new Uint8Array(6).fill(0xff);

/** The six bytes of a MAC address written "52:54:00:12:34:56". */
export const macOf = (text: string): Uint8Array => Uint8Array.from(text.split(':'), (h) => parseInt(h, 16));

/** RFC 1071 checksum of `bytes` (with an optional starting sum), inverted. */
export function checksum(bytes: Uint8Array, start = 0): number {
  let sum = start;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length & 1) sum += bytes[bytes.length - 1]! << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/** `n` as two big-endian bytes. */
export const be16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];

/** An Ethernet frame from the peer to `dst`. */
function ethernet(dst: Uint8Array, type: number, payload: Uint8Array): Uint8Array {
  return Uint8Array.from([...dst, ...PEER_MAC, ...be16(type), ...payload]);
}

/** An ARP request from the peer for `target`. */
export function arpRequest(target: Uint8Array = GUEST_IP): Uint8Array {
  return ethernet(BROADCAST, 0x0806, Uint8Array.from([0, 1, 8, 0, 6, 4, 0, 1, ...PEER_MAC, ...PEER_IP, 0, 0, 0, 0, 0, 0, ...target]));
}

/** An IPv4 packet from the peer to the guest, header checksum included. */
function ipv4(guestMac: Uint8Array, protocol: number, body: Uint8Array, id: number): Uint8Array {
  const header = Uint8Array.from([0x45, 0, ...be16(20 + body.length), ...be16(id), 0x40, 0, 64, protocol, 0, 0, ...PEER_IP, ...GUEST_IP]);
  header.set(be16(checksum(header)), 10);
  return ethernet(guestMac, 0x0800, Uint8Array.from([...header, ...body]));
}

/** An ICMP echo request (`bytes` of payload) to the guest. */
export function pingRequest(guestMac: Uint8Array, id: number, seq: number, bytes: number): Uint8Array {
  const icmp = Uint8Array.from([8, 0, 0, 0, ...be16(id), ...be16(seq), ...Array.from({ length: bytes }, (_, i) => (i * 13 + seq) & 0xff)]);
  icmp.set(be16(checksum(icmp)), 2);
  return ipv4(guestMac, 1, icmp, 0x100 + seq);
}

/** A UDP datagram from the peer's `srcPort` to the guest's `dstPort` (checksum included). */
export function udpDatagram(guestMac: Uint8Array, srcPort: number, dstPort: number, payload: Uint8Array, id: number): Uint8Array {
  const udp = Uint8Array.from([...be16(srcPort), ...be16(dstPort), ...be16(8 + payload.length), 0, 0, ...payload]);
  const pseudo = Uint8Array.from([...PEER_IP, ...GUEST_IP, 0, 17, ...be16(udp.length)]);
  udp.set(be16(checksum(Uint8Array.from([...pseudo, ...udp])) || 0xffff), 6);
  return ipv4(guestMac, 17, udp, id);
}

