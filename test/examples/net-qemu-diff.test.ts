// Differential test for virtio-net (issue 8, item 6): net-echo answers the same scripted UDP
// peer (ARP, ping, UDP datagrams, a burst larger than its receive ring, "quit") on QEMU's
// riscv32 `virt` board (-netdev dgram, modern virtio-mmio) and on `rrvm run --net`, and the
// console output is the same bytes on both, and what the peer expects. Needs
// qemu-system-riscv32; skips with a printed reason without it (fails instead when
// RRVM_REQUIRE_TOOLS=1), like virtio-qemu-diff.test.ts.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../engine/harness.js';
import { EXAMPLES_DIR, RRVM_CLI, findTool, normaliseQemuConsole, skipWithoutTool } from './run-guest.js';
import { NetPeer, expectedConsole, freeUdpPort, peerScript } from './net-peer.js';

const QEMU = 'qemu-system-riscv32';
const skip = skipWithoutTool('net-qemu-diff', QEMU);
const ELF = join(EXAMPLES_DIR, 'net-echo', 'net-echo.elf');
const MAC = '52:54:00:12:34:56';
const TIMEOUT_MS = 60_000;

const temp = tempDir('net-qemu-diff');
afterAll(temp.remove);

/** Runs `command args` with stdout into a file, plays the peer's script once the guest has printed its first line, and returns the console and exit status. */
async function session(command: string, args: readonly string[], name: string, guestPort: number, peer: NetPeer): Promise<{ code: number | null; console: Buffer; errors: string[] }> {
  const outPath = temp.path(`${name}.out`);
  const outFd = openSync(outPath, 'w');
  const child = spawn(command, args, { stdio: ['ignore', outFd, 'pipe'] });
  closeSync(outFd);
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  try {
    // Datagrams sent before the backend binds its port are lost: start once the guest speaks.
    const deadline = Date.now() + TIMEOUT_MS;
    while (!readFileSync(outPath, 'latin1').includes('link up') && Date.now() < deadline) await sleep(50);
    const result = await peer.play(guestPort, peerScript(MAC));
    const code = await exited;
    return { code, console: readFileSync(outPath), errors: [...result.errors, ...(code === 0 ? [] : [`${name} exited ${code}: ${stderr}`])] };
  } finally {
    clearTimeout(killer);
  }
}

describe.skipIf(skip)('net-echo behaves the same on QEMU and on rrvm', () => {
  it('answers the same peer with the same console output', async () => {
    expect(findTool(QEMU), `${QEMU} is required (RRVM_REQUIRE_TOOLS=1) but is not on PATH`).toBeTruthy();
    const qemuPeer = await NetPeer.open();
    const qemuPort = await freeUdpPort();
    const netdev = `dgram,id=n,local.type=inet,local.host=127.0.0.1,local.port=${qemuPort},remote.type=inet,remote.host=127.0.0.1,remote.port=${qemuPeer.port}`;
    const qemuArgs = ['-M', 'virt', '-bios', 'none', '-nographic', '-global', 'virtio-mmio.force-legacy=false', '-netdev', netdev, '-device', `virtio-net-device,netdev=n,mac=${MAC}`, '-kernel', ELF];
    const q = await session(QEMU, qemuArgs, 'qemu', qemuPort, qemuPeer).finally(() => qemuPeer.close());
    expect(q.errors).toEqual([]);
    const want = normaliseQemuConsole(q.console).toString('latin1');
    expect(want).toBe(expectedConsole(MAC));

    expect(existsSync(RRVM_CLI), `rrvm CLI not built: ${RRVM_CLI} is missing (npm test runs tsc first)`).toBe(true);
    const rrvmPeer = await NetPeer.open();
    const rrvmPort = await freeUdpPort();
    const rrvmArgs = [RRVM_CLI, 'run', '--net', `udp:${rrvmPort}:127.0.0.1:${rrvmPeer.port}`, ELF];
    const r = await session(process.execPath, rrvmArgs, 'rrvm', rrvmPort, rrvmPeer).finally(() => rrvmPeer.close());
    expect(r.errors).toEqual([]);
    expect(r.console.toString('latin1')).toBe(want);
  }, 2 * TIMEOUT_MS + 10_000);
});
