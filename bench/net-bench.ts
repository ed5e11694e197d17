// NET_RX throughput (the bench's net part): net-echo receives FRAMES UDP datagrams, all
// queued at once as `--net` would queue a flood, and echoes each; measured in record and in
// replay (frames per second of wall time) with the log bytes per frame. The frames enter the
// input queue in-process, so this measures rrvm's path (backpressure at checkpoints, the
// virtqueue, the guest's handling, the log), not the host's UDP stack.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { LogReader, LogWriter } from '../codecs/index.js';
import { headerDevices } from '../src/engine/families/registry.js';
import { netRxFamily } from '../src/engine/families/net-rx.js';
import { InputQueue } from '../src/engine/input-queue.js';
import { liveSession } from '../src/engine/live-session.js';
import { replaySession } from '../src/engine/replay-session.js';
import { CHECKPOINT_EVERY, config, loadImage, median, recordingHeader, round } from './bench-util.js';
import { GUEST_MAC_TEXT, macOf, udpDatagram } from './net-frames.js';

const ELF = 'examples/net-echo/net-echo.elf';
/** Datagrams per run (then one "quit"). */
const FRAMES = 5000;
/** UDP payload bytes per datagram (a 106-byte frame). */
const PAYLOAD = 64;

/** What the net part reports (bench/results.json `net`). */
export interface NetSummary {
  frames: number;
  frameBytes: number;
  instructions: number;
  framesPerSecond: { record: number; replay: number };
  logBytes: number;
  logBytesPerFrame: number;
}

const machine = { ...config, virtio: [{ kind: 'virtio-net' as const, netdev: 0, mac: GUEST_MAC_TEXT }] };

function frames(): Uint8Array[] {
  const mac = macOf(GUEST_MAC_TEXT);
  const payload = (i: number): Uint8Array => Uint8Array.from({ length: PAYLOAD }, (_, k) => (i + k) & 0xff);
  return [...Array.from({ length: FRAMES }, (_, i) => udpDatagram(mac, 5000 + (i % 1000), 7, payload(i), i & 0xffff)), udpDatagram(mac, 5555, 7, new TextEncoder().encode('quit'), 0)];
}

async function record(logPath: string, all: Uint8Array[]): Promise<{ seconds: number; icount: number }> {
  const { image } = loadImage(ELF);
  const input = new InputQueue();
  for (const frame of all) input.push(netRxFamily.capture({ netdev: 0, frame }));
  input.close();
  const writer = LogWriter.open(logPath, { ...recordingHeader(ELF), devices: headerDevices(machine) });
  const session = liveSession({ image, config: machine, maxInsns: Infinity, input, interactive: false, idle: 'skip', record: { writer, checkpointEvery: CHECKPOINT_EVERY }, onConsole: () => {} });
  const start = performance.now();
  const { result } = await session.run();
  const seconds = (performance.now() - start) / 1000;
  if (result.stop.kind !== 'halt' || result.stop.halt.kind !== 'pass') throw new Error(`net-echo did not pass: ${JSON.stringify(result.stop)}`);
  return { seconds, icount: result.icount };
}

async function replay(logPath: string): Promise<number> {
  const { image } = loadImage(ELF);
  const session = replaySession({ image, reader: LogReader.open(logPath), maxInsns: Infinity, onConsole: () => {} });
  const start = performance.now();
  await session.run();
  return (performance.now() - start) / 1000;
}

/** Records and replays the flood `runs` times, interleaved; prints one line. */
export async function netBench(runs: number, workDir: string): Promise<NetSummary> {
  const all = frames();
  const logPath = join(workDir, 'net-echo.rrlog');
  const recorded: number[] = [];
  const replayed: number[] = [];
  let icount = 0;
  for (let i = 0; i < runs; i++) {
    const r = await record(logPath, all);
    icount = r.icount;
    recorded.push(r.seconds);
    replayed.push(await replay(logPath));
    process.stderr.write(`  net-echo ${i + 1}/${runs}: record ${r.seconds.toFixed(2)} s, replay ${replayed[i]!.toFixed(2)} s\n`);
  }
  const logBytes = statSync(logPath).size;
  const summary: NetSummary = {
    frames: all.length,
    frameBytes: all[0]!.length,
    instructions: icount,
    framesPerSecond: { record: round(all.length / median(recorded), 0), replay: round(all.length / median(replayed), 0) },
    logBytes,
    logBytesPerFrame: round(logBytes / all.length, 1),
  };
  console.log(
    `net-echo   ${summary.frames} frames of ${summary.frameBytes} bytes, ${summary.instructions} insns` +
      ` | NET_RX frames/s record ${summary.framesPerSecond.record}, replay ${summary.framesPerSecond.replay}` +
      ` | log ${summary.logBytes} bytes, ${summary.logBytesPerFrame} bytes/frame`,
  );
  return summary;
}
