// What the devices-all guest is given in the tests — the frames a UDP peer sends (the same
// as examples/devices-all/peer.mjs), its input script (keys and serial bytes), the audio
// source — and the summary lines it must print for them, computed here from those inputs and
// the disk image (FNV-1a 32, as the guest digests).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseInputScript } from '../../streams/sources/input-script.js';
import { GUEST_MAC_TEXT, PEER_MAC, macOf } from '../../bench/net-frames.js';
import { EXAMPLES_DIR } from './run-guest.js';

/** The input script: typed keys, serial bytes, then KEY_ESC (key lines attach the keyboard). */
export const DEVICES_ALL_SCRIPT = join(EXAMPLES_DIR, 'devices-all', 'input.jsonl');

/** `--audio-in`: a tone whose captured peak and RMS are known exactly. */
export const DEVICES_ALL_AUDIO_IN = 'tone:440';

/** Frames sent one at a time before the burst. */
const SINGLE_FRAMES = 8;
/** Frames sent at once: more than the guest's 8 receive buffers. */
const BURST_FRAMES = 12;

/** One frame of EtherType 0x88b5 from the peer to the guest, its payload `text` padded to 46 bytes. */
function localFrame(text: string): Uint8Array {
  const payload = new Uint8Array(46).fill(0x2e);
  payload.set(new TextEncoder().encode(text));
  return Uint8Array.from([...macOf(GUEST_MAC_TEXT), ...PEER_MAC, 0x88, 0xb5, ...payload]);
}

/** The frame with its MAC addresses swapped: what the guest sends back. */
function echoOf(frame: Uint8Array): Uint8Array {
  return Uint8Array.from([...frame.subarray(6, 12), ...frame.subarray(0, 6), ...frame.subarray(12)]);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The peer's script (NetPeer.play): single frames 10 ms apart, a burst, then "end"; each must come back echoed. */
export function devicesAllPeerSteps(): { frame: Uint8Array; expect: (reply: Uint8Array) => string | null; afterMs: number }[] {
  const frames = [
    ...Array.from({ length: SINGLE_FRAMES }, (_, i) => ({ frame: localFrame(`frame ${i}`), afterMs: 10 })),
    ...Array.from({ length: BURST_FRAMES }, (_, i) => ({ frame: localFrame(`burst ${i}`), afterMs: i === 0 ? 10 : 0 })),
    { frame: localFrame('end'), afterMs: 20 },
  ];
  return frames.map(({ frame, afterMs }) => {
    const want = hex(echoOf(frame));
    return { frame, afterMs, expect: (reply: Uint8Array) => (hex(reply) === want ? null : `not the echo of ${hex(frame)}: ${hex(reply)}`) };
  });
}

/** FNV-1a 32 of `bytes`, continuing from `h`. */
function fnv(bytes: Uint8Array, h = 2166136261): number {
  for (const b of bytes) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h;
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

/** The guest's write_pattern(k): the bytes it writes to sector 1500 + k. */
function writePattern(k: number): Uint8Array {
  return Uint8Array.from({ length: 512 }, (_, i) => (k * 37 + i * 11 + (i >> 7)) & 0xff);
}

/**
 * The summary lines devices-all prints for these inputs and `image` (the disk-test image),
 * all but the "host" line, which depends on entropy, the clock and timing.
 */
export function devicesAllSummary(image: Uint8Array): string {
  // Round 0 reads sectors 1..4 of the image; round r > 0 reads back what round r - 1 wrote.
  let disk = fnv(image.subarray(512, 5 * 512));
  for (let round = 1; round < 6; round++) for (let j = 0; j < 4; j++) disk = fnv(writePattern(4 * (round - 1) + j), disk);
  const frames = devicesAllPeerSteps().map((s) => s.frame);
  const net = frames.reduce((h, f) => fnv(f, h), 2166136261);
  const script = parseInputScript(readFileSync(DEVICES_ALL_SCRIPT, 'utf8'), DEVICES_ALL_SCRIPT);
  const events = script.flatMap((line) => line.input ?? []).flatMap((action) => action.events);
  const evdev = Buffer.alloc((events.length / 3) * 8);
  for (let i = 0; i < events.length / 3; i++) {
    evdev.writeUInt16LE(events[3 * i]!, 8 * i);
    evdev.writeUInt16LE(events[3 * i + 1]!, 8 * i + 2);
    evdev.writeInt32LE(events[3 * i + 2]!, 8 * i + 4);
  }
  const serial = Buffer.concat(script.flatMap((line) => (line.serial === undefined ? [] : [line.serial])));
  return [
    `devices-all: disk 48 requests in 6 rounds, fnv=${hex8(disk)}`,
    `devices-all: net ${frames.length} frames echoed, fnv=${hex8(net)}`,
    `devices-all: net ${frames.reduce((n, f) => n + f.length, 0)} bytes`,
    `devices-all: keyboard ${events.length / 3} events, fnv=${hex8(fnv(evdev))}`,
    `devices-all: serial ${serial.length} bytes, fnv=${hex8(fnv(serial))}`,
    'devices-all: audio played 4800 frames, captured 4800 frames peak=16384 rms=11585',
    'devices-all: rng 32 bytes',
  ].join('\n');
}

/** The guest's output without its "host" line (the part every recording shares). */
export function withoutHostLine(output: string): string {
  return output
    .split('\n')
    .filter((line) => !line.startsWith('devices-all: host '))
    .join('\n');
}
