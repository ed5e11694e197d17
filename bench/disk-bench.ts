// disk-test throughput in run, record and replay (the bench's disk part): bytes moved between
// the guest and its disk image, and block requests, per second of wall time. disk-test spends
// most of its instructions polling for completions, so this measures the whole path a request
// takes (guest driver, virtqueue, host I/O, BLOCK_DONE at a checkpoint), not raw disk speed.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogReader, LogWriter } from '../codecs/index.js';
import { openLiveDrives, openReplayDrives } from '../src/cli/open-drives.js';
import type { Drive } from '../src/engine/block-io.js';
import { headerDevices } from '../src/engine/families/registry.js';
import { InputQueue } from '../src/engine/input-queue.js';
import { liveSession } from '../src/engine/live-session.js';
import { replaySession } from '../src/engine/replay-session.js';
import { CHECKPOINT_EVERY, config, loadImage, median, recordingHeader, root, round } from './bench-util.js';

type Mode = 'run' | 'record' | 'replay';

const ELF = 'examples/disk-test/disk-test.elf';

/** What the disk part reports (bench/results.json `disk`). */
export interface DiskSummary {
  instructions: number;
  /** Block requests that reached the image (reads, writes, flushes) and the bytes they moved. */
  requests: number;
  bytes: number;
  mbPerSecond: Record<Mode, number>;
  requestsPerSecond: Record<Mode, number>;
  seconds: Record<Mode, number>;
  logBytes: number;
}

/** Counts the requests and bytes that reach the drives' images. */
class IoCounter {
  requests = 0;
  bytes = 0;

  /** The drives, each image wrapped so that its reads, writes and flushes are counted. */
  wrap(drives: readonly Drive[]): Drive[] {
    return drives.map((drive) => ({ ...drive, image: this.counted(drive.image) }));
  }

  private counted(image: Drive['image']): Drive['image'] {
    const count = (bytes: number): void => {
      this.requests++;
      this.bytes += bytes;
    };
    return new Proxy(image, {
      get: (target, key) => {
        const value = Reflect.get(target, key, target) as unknown;
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        switch (key) {
          case 'read':
          case 'readSync':
            return (sector: number, count512: number) => (count(count512 * 512), method.call(target, sector, count512));
          case 'write':
          case 'writeSync':
            return (sector: number, data: Uint8Array) => (count(data.length), method.call(target, sector, data));
          case 'flush':
          case 'flushSync':
            return () => (count(0), method.call(target));
          default:
            return method.bind(target);
        }
      },
    });
  }
}

interface Sample {
  icount: number;
  seconds: number;
  requests: number;
  bytes: number;
}

async function live(imagePath: string, logPath: string | null): Promise<Sample> {
  const { image } = loadImage(ELF);
  const opened = openLiveDrives([{ file: imagePath, readOnly: false }]);
  const counter = new IoCounter();
  const input = new InputQueue();
  input.close();
  const machine = { ...config, virtio: opened.virtio };
  const writer =
    logPath === null ? null : LogWriter.open(logPath, { ...recordingHeader(ELF), disks: opened.disks, devices: headerDevices(machine) });
  try {
    const session = liveSession({
      image,
      config: machine,
      maxInsns: Infinity,
      input,
      drives: counter.wrap(opened.drives),
      interactive: false,
      idle: 'skip',
      record: writer === null ? null : { writer, checkpointEvery: CHECKPOINT_EVERY },
      onConsole: () => {},
    });
    const start = performance.now();
    const { result } = await session.run();
    const seconds = (performance.now() - start) / 1000;
    if (result.stop.kind !== 'halt' || result.stop.halt.kind !== 'pass') throw new Error(`disk-test did not pass: ${JSON.stringify(result.stop)}`);
    return { icount: result.icount, seconds, requests: counter.requests, bytes: counter.bytes };
  } finally {
    opened.close();
  }
}

async function replay(logPath: string): Promise<Sample> {
  const { image } = loadImage(ELF);
  const reader = LogReader.open(logPath);
  const counter = new IoCounter();
  const drives = openReplayDrives(reader.header.disks, []);
  try {
    const session = replaySession({ image, reader, maxInsns: Infinity, drives: counter.wrap(drives), onConsole: () => {} });
    const start = performance.now();
    const result = await session.run();
    return { icount: result.icount, seconds: (performance.now() - start) / 1000, requests: counter.requests, bytes: counter.bytes };
  } finally {
    for (const d of drives) d.image.close();
  }
}

/** Runs, records and replays disk-test `runs` times, interleaved; prints one line. */
export async function diskBench(runs: number, workDir: string): Promise<DiskSummary> {
  const imagePath = join(workDir, 'disk.img');
  execFileSync(process.execPath, [fileURLToPath(new URL('examples/disk-test/make-image.mjs', root)), imagePath], { stdio: 'ignore' });
  const logPath = join(workDir, 'disk-test.rrlog');
  const samples: Record<Mode, Sample[]> = { run: [], record: [], replay: [] };
  for (let i = 0; i < runs; i++) {
    samples.run.push(await live(imagePath, null));
    samples.record.push(await live(imagePath, logPath));
    samples.replay.push(await replay(logPath));
    const s = (mode: Mode): string => samples[mode][i]!.seconds.toFixed(2);
    process.stderr.write(`  disk-test ${i + 1}/${runs}: run ${s('run')} s, record ${s('record')} s, replay ${s('replay')} s\n`);
  }
  const rec = samples.record[0]!;
  const seconds = (mode: Mode): number => median(samples[mode].map((s) => s.seconds));
  const per = (mode: Mode, amount: (s: Sample) => number): number => median(samples[mode].map((s) => amount(s) / s.seconds));
  const modes: Mode[] = ['run', 'record', 'replay'];
  const table = <T>(f: (mode: Mode) => T): Record<Mode, T> => Object.fromEntries(modes.map((m) => [m, f(m)])) as Record<Mode, T>;
  const summary: DiskSummary = {
    instructions: rec.icount,
    requests: rec.requests,
    bytes: rec.bytes,
    mbPerSecond: table((m) => round(per(m, (s) => s.bytes) / 1e6, 2)),
    requestsPerSecond: table((m) => round(per(m, (s) => s.requests), 0)),
    seconds: table((m) => round(seconds(m), 2)),
    logBytes: statSync(logPath).size,
  };
  console.log(
    `disk-test  ${summary.requests} requests, ${(summary.bytes / 1e6).toFixed(2)} MB, ${summary.instructions} insns` +
      ` | MB/s run ${summary.mbPerSecond.run}, record ${summary.mbPerSecond.record}, replay ${summary.mbPerSecond.replay}` +
      ` | requests/s run ${summary.requestsPerSecond.run}, record ${summary.requestsPerSecond.record}, replay ${summary.requestsPerSecond.replay}` +
      ` | log ${summary.logBytes} bytes`,
  );
  return summary;
}
