// A network peer for the net-echo guest, for trying `--net` by hand: on 127.0.0.1:PEERPORT it
// sends to 127.0.0.1:GUESTPORT (QEMU -netdev dgram framing: one Ethernet frame per datagram)
// an ARP request, a ping and two UDP datagrams ("hello", then "quit", which ends the guest),
// 200 ms apart, and prints what comes back. Needs `npm run build` (it uses dist/bench/net-frames.js).
//   node examples/net-echo/peer.mjs PEERPORT GUESTPORT
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { GUEST_MAC_TEXT, arpRequest, macOf, pingRequest, udpDatagram } from '../../dist/bench/net-frames.js';

const [peerPort, guestPort] = process.argv.slice(2).map(Number);
if (!(peerPort > 0 && guestPort > 0)) {
  console.error('usage: node examples/net-echo/peer.mjs PEERPORT GUESTPORT');
  process.exit(1);
}
const mac = macOf(GUEST_MAC_TEXT);
const text = (s) => new TextEncoder().encode(s);
const frames = [
  ['ARP who-has 10.0.2.15', arpRequest()],
  ['ping 10.0.2.15', pingRequest(mac, 1, 1, 32)],
  ['UDP "hello" to port 7', udpDatagram(mac, 5555, 7, text('hello'), 1)],
  ['UDP "quit" to port 7', udpDatagram(mac, 5555, 7, text('quit'), 2)],
];
const socket = createSocket('udp4');
socket.on('message', (frame) => console.log(`peer: got ${frame.length} bytes: ${frame.subarray(0, 16).toString('hex')}…`));
await new Promise((resolve) => socket.bind(peerPort, '127.0.0.1', resolve));
for (const [what, frame] of frames) {
  await sleep(200);
  console.log(`peer: sending ${what}`);
  socket.send(frame, guestPort, '127.0.0.1');
}
await sleep(500);
socket.close();
