// devices-all (issue 8): every device busy at once — disk requests in flight while frames
// arrive from a UDP peer on 127.0.0.1, keys are pressed, serial bytes come in and audio plays
// and is captured — recorded by the built CLI with `--chaos-io` and a random seed 20 times;
// each recording replays identically (same console, every CHECKPOINT and the END matched).
// One recording then serves the checks that need every family in one log: `rrvm dump` has a
// line of each, a snapshot taken with frames, audio periods and block requests still to come
// resumes to the same end, and time travel over it reaches the same states in any order.
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogReader } from '../../codecs/index.js';
import type { RrEvent } from '../../src/core/event.js';
import { openReplayDrives } from '../../src/cli/open-drives.js';
import { fullStateDigest } from '../../src/engine/checkpoint-digest.js';
import { FAMILIES } from '../../src/engine/families/registry.js';
import { TimeTravelSession } from '../../src/engine/time-travel-session.js';
import { parseElf } from '../../src/machine/elf-loader.js';
import { MemoryMap } from '../../src/machine/memory-map.js';
import { readEvents, replayLog, stopText, tempDir } from '../engine/harness.js';
import { DEVICES_ALL_AUDIO_IN, DEVICES_ALL_SCRIPT, devicesAllPeerSteps, devicesAllSummary, withoutHostLine } from '../examples/devices-all-inputs.js';
import { NetPeer, freeUdpPort } from '../examples/net-peer.js';
import { REPO_ROOT, describeCli, rrvm, rrvmAsync, type CliResult } from './cli-harness.js';

const temp = tempDir('devices-all');
afterAll(temp.remove);

const ELF = join(REPO_ROOT, 'examples', 'devices-all', 'devices-all.elf');
const IMAGE = temp.path('disk.img');
const RECORDINGS = 20;
const LONG_MS = 60_000;

/** Every family of the registry, by the kind its events have in the log. */
const EVERY_KIND = ['CHAR_READ', 'CLOCK', 'WARP', 'BLOCK_DONE', 'BH', 'RANDOM', 'NET_RX', 'INPUT', 'AUDIO_OUT', 'AUDIO_IN'];

/** One `rrvm record --chaos-io` of devices-all against a fresh UDP peer. */
interface Take {
  log: string;
  seed: string;
  rec: CliResult;
  peerErrors: string[];
}

async function recordOnce(log: string): Promise<Take> {
  const peer = await NetPeer.open();
  const guestPort = await freeUdpPort();
  // Datagrams sent before rrvm binds its port are lost: the peer starts once the guest is ready.
  let ready: () => void = () => {};
  const started = new Promise<void>((resolve) => (ready = resolve));
  const args = ['record', '--chaos-io', '--drive', `file=${IMAGE}`, '--rng', '--net', `udp:${guestPort}:127.0.0.1:${peer.port}`];
  args.push('--input-script', DEVICES_ALL_SCRIPT, '--audio-in', DEVICES_ALL_AUDIO_IN, '-o', log, ELF);
  const run = rrvmAsync(args, { timeoutMs: LONG_MS, onStdout: (text) => text.includes('devices-all: ready') && ready() });
  await Promise.race([started, run]);
  // A loaded machine may answer late: wait up to 10 s for the last echoes (not at all once all came back).
  const played = await peer.play(guestPort, devicesAllPeerSteps(), 10_000);
  const rec = await run;
  peer.close();
  const seed = /--chaos-io seed (\d+)/.exec(rec.stderr)?.[1] ?? '?';
  return { log, seed, rec, peerErrors: played.errors };
}

/** The most push families whose events were applied at one icount (one checkpoint) of a log. */
function familiesInOneSlice(events: readonly RrEvent[]): number {
  const byIcount = new Map<number, Set<string>>();
  for (const e of events) {
    if (e.kind === 'CHECKPOINT' || e.kind === 'END' || e.kind === 'CLOCK' || e.kind === 'RANDOM') continue;
    const kinds = byIcount.get(e.icount) ?? new Set<string>();
    kinds.add(e.kind);
    byIcount.set(e.icount, kinds);
  }
  return Math.max(0, ...[...byIcount.values()].map((s) => s.size));
}

let expected: string;
let first: Take;
const busiest: number[] = [];

beforeAll(() => {
  execFileSync(process.execPath, [join(REPO_ROOT, 'examples', 'disk-test', 'make-image.mjs'), temp.path('base.img')], { stdio: 'ignore' });
  // The guest writes to the drive; rrvm keeps the writes in memory, and the tests use a copy anyway.
  copyFileSync(temp.path('base.img'), IMAGE);
  expected = `devices-all: ready\n${devicesAllSummary(readFileSync(IMAGE))}\ndevices-all: done\n`;
});

describe('devices-all recorded with --chaos-io', () => {
  it(`replays identically ${RECORDINGS} times out of ${RECORDINGS}, each recording with its own random seed`, async () => {
    const seeds: string[] = [];
    for (let i = 0; i < RECORDINGS; i++) {
      const take = await recordOnce(temp.path(`take-${i}.rrlog`));
      const label = `recording ${i} (--chaos-io seed ${take.seed})`;
      expect(take.rec.code, `${label}: ${describeCli(take.rec)}`).toBe(0);
      expect(take.peerErrors, label).toEqual([]);
      const output = take.rec.stdout.toString('latin1');
      expect(withoutHostLine(output), label).toBe(expected);
      const replay = await replayLog(take.log);
      expect(stopText(replay.stop), label).toBe('halt:pass');
      expect(replay.console.toString('latin1'), label).toBe(output);
      seeds.push(take.seed);
      busiest.push(familiesInOneSlice(readEvents(take.log).events));
      if (i === 0) first = take;
      else rmSync(take.log);
    }
    expect(new Set(seeds).size, `seeds ${seeds.join(' ')}`).toBe(RECORDINGS);
    // Events of several families interleave within one slice (the point of this guest).
    console.log(`devices-all: most push families applied at one checkpoint, per recording: ${busiest.join(' ')}`);
    expect(Math.max(...busiest)).toBeGreaterThanOrEqual(3);
  }, RECORDINGS * LONG_MS);
});

describe('one devices-all recording', () => {
  it('has an event of every family of the registry, and rrvm dump prints a line of each', () => {
    expect(FAMILIES.map((f) => f.kind).sort()).toEqual([...EVERY_KIND].sort());
    const dump = rrvm(['dump', first.log]);
    expect(dump.code, describeCli(dump)).toBe(0);
    const text = dump.stdout.toString('utf8');
    for (const kind of EVERY_KIND) expect(text, kind).toMatch(new RegExp(`^${kind} @\\d+ #\\d+ \\S+=`, 'm'));
  });

  it('replays through the CLI and verifies: the same console, every event and the final digest', () => {
    const rep = rrvm(['replay', first.log], { timeoutMs: LONG_MS });
    expect(rep.code, describeCli(rep)).toBe(0);
    expect(rep.stdout.equals(first.rec.stdout)).toBe(true);
    const verify = rrvm(['verify', '--json', first.log], { timeoutMs: LONG_MS });
    expect(verify.code, describeCli(verify)).toBe(0);
    expect(JSON.parse(verify.stdout.toString('utf8'))).toMatchObject({ ok: true, stop: 'pass' });
  });

  /**
   * An icount with NET_RX, AUDIO_OUT, AUDIO_IN and BLOCK_DONE events applied before it and more
   * of each still to come, or null when this recording has none (the host timing decides).
   */
  function midFlight(events: readonly RrEvent[]): number | null {
    const kinds = ['NET_RX', 'AUDIO_OUT', 'AUDIO_IN', 'BLOCK_DONE'];
    const at = (kind: string) => events.filter((e) => e.kind === kind).map((e) => e.icount);
    const lo = Math.max(...kinds.map((k) => Math.min(...at(k))));
    const hi = Math.min(...kinds.map((k) => Math.max(...at(k))));
    return hi - lo >= 2 ? Math.floor((lo + hi) / 2) : null;
  }

  it('resumes from a snapshot file taken with frames, audio periods and block requests still to come', async () => {
    // The host's timing decides where the frames fall against the audio: record until they overlap.
    let take = first;
    let cut = midFlight(readEvents(take.log).events);
    for (let i = 0; cut === null && i < 5; i++) {
      take = await recordOnce(temp.path(`overlap-${i}.rrlog`));
      expect(take.rec.code, describeCli(take.rec)).toBe(0);
      cut = midFlight(readEvents(take.log).events);
    }
    expect(cut, 'no recording had frames arrive while audio played').not.toBeNull();
    const snap = temp.path('mid.rrsnap');
    const head = rrvm(['replay', '--until', String(cut), '--save-snapshot', snap, take.log], { timeoutMs: LONG_MS });
    expect(head.code, describeCli(head)).toBe(0);
    const tail = rrvm(['replay', '--from-snapshot', snap, take.log], { timeoutMs: LONG_MS });
    expect(tail.code, describeCli(tail)).toBe(0);
    expect(Buffer.concat([head.stdout, tail.stdout]).equals(take.rec.stdout)).toBe(true);
    const whole = rrvm(['verify', '--json', take.log], { timeoutMs: LONG_MS });
    const resumed = rrvm(['verify', '--json', '--from-snapshot', snap, take.log], { timeoutMs: LONG_MS });
    expect(resumed.code, describeCli(resumed)).toBe(0);
    const digest = (r: CliResult) => (JSON.parse(r.stdout.toString('utf8')) as { finalDigest: string }).finalDigest;
    expect(digest(resumed)).toBe(digest(whole));
  }, 6 * LONG_MS);

  it('time travel reaches the same states seeking in any order, and hands on each echoed frame once', async () => {
    const session = (onNetTx?: (frame: Uint8Array) => void): TimeTravelSession => {
      const reader = LogReader.open(first.log);
      const image = parseElf(readFileSync(ELF), MemoryMap.RAM, reader.header.ramBytes);
      const drives = openReplayDrives(reader.header.disks, []);
      return new TimeTravelSession({ image, reader, drives, onConsole: () => {}, snapshotEvery: 20_000, onNetTx: (_n, f) => onNetTx?.(f) });
    };
    const forward = session();
    const points = Array.from({ length: 8 }, (_, i) => Math.floor((forward.endIcount * (i + 1)) / 9));
    const states = new Map<number, string>();
    for (const p of points) {
      await forward.seek(p);
      states.set(p, fullStateDigest(forward.session.machine, forward.session.output));
    }
    const sent: string[] = [];
    const travelling = session((f) => sent.push(Buffer.from(f).toString('hex')));
    const order = [...points].sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101));
    for (const p of [...order, ...[...order].reverse(), travelling.endIcount, 0, travelling.endIcount]) {
      await travelling.seek(p);
      expect(travelling.icount).toBe(p);
      if (states.has(p)) expect(fullStateDigest(travelling.session.machine, travelling.session.output), `at icount ${p}`).toBe(states.get(p));
    }
    const steps = devicesAllPeerSteps();
    expect(sent).toHaveLength(steps.length);
    expect(new Set(sent).size).toBe(steps.length);
  }, 2 * LONG_MS);
});
