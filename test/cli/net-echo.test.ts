// `--net` end to end through the built CLI (issue 8, items 1-3 and 5): the net-echo guest is
// recorded against a scripted UDP peer on 127.0.0.1 (ARP, ping, UDP datagrams, a burst of more
// frames than the guest has receive buffers, "quit"); the peer checks every answer. The
// replay runs with the peer gone: the same console output, a verified final digest, and not
// one datagram on the recorded remote port while the recorded local port is held by the test.
// `--net-pcap` writes the same capture in record and replay, and tcpdump reads it. Bad input
// (a busy port, a malformed --net, a bad --mac) is one line and exit 1.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../engine/harness.js';
import { findTool, skipWithoutTool } from '../examples/run-guest.js';
import { GUEST_MAC_TEXT, NetPeer, expectedConsole, freeUdpPort, peerScript, type PeerResult } from '../examples/net-peer.js';
import { runGdb } from '../gdb/gdb-driver.js';
import { type CliResult, REPO_ROOT, RRVM_CLI, describeCli, expectOneLineError, rrvm, rrvmAsync } from './cli-harness.js';

const temp = tempDir('cli-net-echo');
afterAll(temp.remove);

const ELF = join(REPO_ROOT, 'examples', 'net-echo', 'net-echo.elf');
const LOG = temp.path('n.rrlog');
const REC_PCAP = temp.path('rec.pcap');
const REP_PCAP = temp.path('rep.pcap');
const MAC = '02:00:00:aa:bb:cc';
const LONG_MS = 60_000;

let recorded: CliResult;
let peerResult: PeerResult;
let guestPort: number;
let peerPort: number;

beforeAll(async () => {
  const peer = await NetPeer.open();
  peerPort = peer.port;
  guestPort = await freeUdpPort();
  // Datagrams sent before rrvm binds its port are lost (UDP): start once the guest speaks.
  let ready: () => void = () => {};
  const started = new Promise<void>((resolve) => (ready = resolve));
  const args = ['record', '--net', `udp:${guestPort}:127.0.0.1:${peer.port}`, '--mac', MAC, '--net-pcap', REC_PCAP, '-o', LOG, ELF];
  const run = rrvmAsync(args, { timeoutMs: LONG_MS, onStdout: (text) => text.includes('link up') && ready() });
  await Promise.race([started, run]);
  peerResult = await peer.play(guestPort, peerScript(MAC));
  recorded = await run;
  peer.close();
}, LONG_MS + 10_000);

describe('rrvm record --net with net-echo', () => {
  it('answers ARP, ping and every UDP datagram, and the peer finds every answer correct', () => {
    expect(recorded.code, describeCli(recorded)).toBe(0);
    expect(peerResult.errors).toEqual([]);
    expect(peerResult.replies).toHaveLength(peerResult.sent - 1);
    expect(recorded.stdout.toString('latin1')).toBe(expectedConsole(MAC));
  });

  it('records each received frame as one NET_RX event, none dropped', () => {
    const r = rrvm(['dump', '--kind', 'NET_RX', LOG]);
    expect(r.code, describeCli(r)).toBe(0);
    const lines = r.stdout.toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(peerResult.sent);
    expect(lines[0]).toMatch(/NET_RX .*netdev=0 frame=ffffffffffff525400000002/);
  });

  it('puts the device, with its MAC, in the log header', () => {
    const r = rrvm(['info', '--json', LOG]);
    expect(r.code, describeCli(r)).toBe(0);
    const devices = (JSON.parse(r.stdout.toString('utf8')) as { header: { devices: object[] } }).header.devices;
    expect(devices).toContainEqual({ kind: 'virtio-net', netdev: 0, mac: MAC });
  });
});

describe('rrvm replay of a --net recording', () => {
  it('prints the same console output with the peer gone, sending nothing and binding nothing', async () => {
    // The recorded remote port listens for anything the replay might send; the recorded
    // local port is held by the test the whole time, so a replay that bound it would fail.
    const listener = createSocket('udp4');
    await new Promise<void>((resolve) => listener.bind(peerPort, '127.0.0.1', resolve));
    const got: Buffer[] = [];
    listener.on('message', (b: Buffer) => got.push(b));
    const holder = createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(guestPort, '127.0.0.1', resolve));
    try {
      const replay = await rrvmAsync(['replay', '--net-pcap', REP_PCAP, LOG], { timeoutMs: LONG_MS });
      expect(replay.code, describeCli(replay)).toBe(0);
      expect(replay.stdout.toString('latin1')).toBe(recorded.stdout.toString('latin1'));
      await sleep(200);
      expect(got).toHaveLength(0);
    } finally {
      listener.close();
      holder.close();
    }
  }, LONG_MS);

  it('verifies: every event and the final digest match', () => {
    const r = rrvm(['verify', '--json', LOG], { timeoutMs: LONG_MS });
    expect(r.code, describeCli(r)).toBe(0);
    expect(JSON.parse(r.stdout.toString('utf8'))).toMatchObject({ ok: true, stop: 'pass' });
  }, LONG_MS);

  it('writes the same pcap as the recording: every frame in and out, dated by virtual time', () => {
    const rec = readFileSync(REC_PCAP);
    const rep = readFileSync(REP_PCAP);
    expect(rep.equals(rec)).toBe(true);
    // 24-byte header, then per frame a 16-byte record header and the frame.
    let frames = 0;
    for (let at = 24; at < rec.length; frames++) at += 16 + rec.readUInt32LE(at + 8);
    expect(frames).toBe(peerResult.sent + peerResult.replies.length);
  });
});

describe.skipIf(skipWithoutTool('net-echo pcap', 'tcpdump'))('tcpdump -r', () => {
  it('reads the capture: the ARP exchange, the ping and the UDP echoes', () => {
    expect(findTool('tcpdump'), 'tcpdump is required (RRVM_REQUIRE_TOOLS=1) but is not on PATH').toBeTruthy();
    const r = spawnSync('tcpdump', ['-n', '-r', REC_PCAP], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(peerResult.sent + peerResult.replies.length);
    expect(lines[0]).toMatch(/ARP, Request who-has 10\.0\.2\.15 tell 10\.0\.2\.2/);
    expect(lines[1]).toMatch(/ARP, Reply 10\.0\.2\.15 is-at 02:00:00:aa:bb:cc/);
    expect(r.stdout).toMatch(/10\.0\.2\.15 > 10\.0\.2\.2: ICMP echo reply, id 4660, seq 1/);
    expect(r.stdout).toMatch(/10\.0\.2\.15\.7 > 10\.0\.2\.2\.5555: UDP, length 4/);
  });
});

describe.skipIf(skipWithoutTool('net-echo gdb', 'gdb-multiarch'))('rrvm gdb --net-pcap', () => {
  it('writes each frame once while gdb goes back over the whole session and forward again', async () => {
    expect(findTool('gdb-multiarch'), 'gdb-multiarch is required (RRVM_REQUIRE_TOOLS=1) but is not on PATH').toBeTruthy();
    const pcap = temp.path('gdb.pcap');
    let listening: (address: string) => void = () => {};
    const address = new Promise<string>((resolve) => (listening = resolve));
    const child = spawn(process.execPath, [RRVM_CLI, 'gdb', '--port', '0', '--net-pcap', pcap, LOG], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
      const m = /^target remote (\S+)$/m.exec(stderr);
      if (m !== null) listening(m[1]!);
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), LONG_MS);
    try {
      const gdb = await runGdb(ELF, await address, ['continue', 'monitor seek 0', 'maint flush register-cache', 'continue', 'reverse-stepi', 'continue', 'detach'], LONG_MS);
      expect(gdb.code, gdb.output).toBe(0);
      expect(await exited, stderr).toBe(0);
    } finally {
      clearTimeout(killer);
    }
    expect(readFileSync(pcap).equals(readFileSync(REC_PCAP))).toBe(true);
  }, 2 * LONG_MS);
});

describe('bad --net input', () => {
  it('a busy local port is one line and exit 1, before any log is written', async () => {
    const busy = createSocket('udp4');
    await new Promise<void>((resolve) => busy.bind(0, '127.0.0.1', resolve));
    try {
      const log = temp.path('busy.rrlog');
      const r = await rrvmAsync(['record', '--net', `udp:${busy.address().port}:127.0.0.1:9`, '-o', log, ELF]);
      expectOneLineError(r, /--net: cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
      expect(rrvm(['info', log]).code).toBe(1);
    } finally {
      busy.close();
    }
  });

  it.each([
    ['tcp:1:127.0.0.1:2', /unknown backend 'tcp'/],
    ['udp:1:127.0.0.1', /has 2 fields/],
    ['udp:70000:127.0.0.1:2', /local port '70000'/],
    ['udp:1:127.0.0.1:x', /remote port 'x'/],
  ])('a malformed --net %s is one line and exit 1', (spec, pattern) => {
    expectOneLineError(rrvm(['run', '--net', spec, ELF]), pattern);
  });

  it('a bad --mac, or --mac without --net, is one line and exit 1', () => {
    expectOneLineError(rrvm(['run', '--net', 'udp:1:127.0.0.1:2', '--mac', '52:54:00:12:34', ELF]), /six hex pairs/);
    expectOneLineError(rrvm(['run', '--net', 'udp:1:127.0.0.1:2', '--mac', '01:00:00:00:00:01', ELF]), /multicast/);
    expectOneLineError(rrvm(['run', '--mac', GUEST_MAC_TEXT, ELF]), /--mac needs --net/);
  });
});
