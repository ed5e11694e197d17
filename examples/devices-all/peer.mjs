// A network peer for the devices-all guest, for trying it by hand: on 127.0.0.1:PEERPORT it
// sends to 127.0.0.1:GUESTPORT (QEMU -netdev dgram framing: one Ethernet frame per datagram)
// 8 frames of EtherType 0x88b5 10 ms apart, a burst of 12 (more than the guest's 8 receive
// buffers), then a frame whose payload starts with "end", and counts the echoes coming back.
// The same frames as the tests' peer (test/examples/devices-all-inputs.ts).
//   node examples/devices-all/peer.mjs PEERPORT GUESTPORT
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';

const [peerPort, guestPort] = process.argv.slice(2).map(Number);
if (!(peerPort > 0 && guestPort > 0)) {
  console.error('usage: node examples/devices-all/peer.mjs PEERPORT GUESTPORT');
  process.exit(1);
}
const header = Buffer.from('525400123456' + '525400000002' + '88b5', 'hex');
const frame = (text) => Buffer.concat([header, Buffer.from(text.padEnd(46, '.'), 'latin1')]);
const frames = [
  ...Array.from({ length: 8 }, (_, i) => [frame(`frame ${i}`), 10]),
  ...Array.from({ length: 12 }, (_, i) => [frame(`burst ${i}`), i === 0 ? 10 : 0]),
  [frame('end'), 20],
];
const socket = createSocket('udp4');
let echoes = 0;
socket.on('message', () => echoes++);
await new Promise((resolve) => socket.bind(peerPort, '127.0.0.1', resolve));
for (const [bytes, afterMs] of frames) {
  if (afterMs > 0) await sleep(afterMs);
  socket.send(bytes, guestPort, '127.0.0.1');
}
await sleep(500);
console.log(`peer: sent ${frames.length} frames, ${echoes} came back`);
socket.close();
