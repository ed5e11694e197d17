// The input and audio parts of the bench. input: the input-log guest recorded with a burst of
// key presses queued at once (every press waits for the guest's 32 event buffers), then
// replayed: evdev events applied per second of wall time in each mode, and log bytes per
// event. audio: the audio guest recorded with a 440 Hz tone on its 48 kHz stereo input (real
// time: about 1 s) — AUDIO_IN log bytes per second of captured audio — then replayed.
import { join } from 'node:path';
import { LogReader, LogWriter, type LogFooter } from '../codecs/index.js';
import { keyAction } from '../streams/sources/input-actions.js';
import { headerDevices } from '../src/engine/families/registry.js';
import { inputFamily } from '../src/engine/families/input.js';
import { InputQueue } from '../src/engine/input-queue.js';
import { liveSession } from '../src/engine/live-session.js';
import { replaySession } from '../src/engine/replay-session.js';
import type { VirtioSpec } from '../src/machine/machine.js';
import { CHECKPOINT_EVERY, config, loadImage, recordingHeader, round } from './bench-util.js';

/** What the input part reports (bench/results.json `input`). */
export interface InputSummary {
  /** evdev events delivered (SYN_REPORTs included). */
  events: number;
  eventsPerSecond: { record: number; replay: number };
  logBytesPerEvent: number;
}

/** What the audio part reports (bench/results.json `audio`). */
export interface AudioSummary {
  /** Seconds of 48 kHz stereo audio captured. */
  capturedSeconds: number;
  /** AUDIO_IN bytes in the log per second of captured audio (the raw samples are 192 000 B/s). */
  audioInLogBytesPerSecond: number;
  /** The whole log per second of recorded wall time. */
  logBytesPerSecond: number;
  replaySeconds: number;
}

/** Records `elf` with `config.virtio = virtio` and `fill` feeding its input queue; returns seconds and footer. */
async function record(elf: string, virtio: VirtioSpec[], logPath: string, fill: (queue: InputQueue) => void, audio?: boolean): Promise<{ seconds: number; footer: LogFooter }> {
  const { image } = loadImage(elf);
  const machine = { ...config, virtio };
  const writer = LogWriter.open(logPath, { ...recordingHeader(elf), devices: headerDevices(machine) });
  const input = new InputQueue();
  fill(input);
  const session = liveSession({
    image,
    config: machine,
    maxInsns: Infinity,
    input,
    ...(audio === true ? { audio: { capture: { kind: 'tone' as const, hz: 440 }, wav: null } } : {}),
    interactive: false,
    idle: 'skip',
    record: { writer, checkpointEvery: CHECKPOINT_EVERY },
    onConsole: () => {},
  });
  const start = performance.now();
  const { result, footer } = await session.run();
  const seconds = (performance.now() - start) / 1000;
  if (result.stop.kind !== 'halt' || result.stop.halt.kind !== 'pass') throw new Error(`${elf} did not pass: ${JSON.stringify(result.stop)}`);
  return { seconds, footer: footer! };
}

async function replaySeconds(elf: string, logPath: string): Promise<number> {
  const { image } = loadImage(elf);
  const session = replaySession({ image, reader: LogReader.open(logPath), maxInsns: Infinity, onConsole: () => {} });
  const start = performance.now();
  await session.run();
  return (performance.now() - start) / 1000;
}

/** Key presses through virtio-input: INPUT events per second in record and replay; prints one line. */
export async function inputBench(workDir: string, presses = 5000): Promise<InputSummary> {
  const elf = 'examples/input-log/input-log.elf';
  const logPath = join(workDir, 'input.rrlog');
  const virtio: VirtioSpec[] = [{ kind: 'virtio-input', device: 'keyboard' }];
  const keys = ['KEY_A', 'KEY_S', 'KEY_D', 'KEY_F'];
  const rec = await record(elf, virtio, logPath, (queue) => {
    for (let i = 0; i < presses; i++) for (const down of [true, false]) queue.push(inputFamily.capture(keyAction(keys[i % 4]!, down)));
    queue.push(inputFamily.capture(keyAction('KEY_ESC', true)));
    queue.close();
  });
  const events = (2 * presses + 1) * 2;
  const replay = await replaySeconds(elf, logPath);
  const summary: InputSummary = {
    events,
    eventsPerSecond: { record: round(events / rec.seconds, 0), replay: round(events / replay, 0) },
    logBytesPerEvent: round(rec.footer.bytes.INPUT / events, 2),
  };
  console.log(
    `input      ${events} evdev events in ${rec.footer.counts.INPUT} INPUT events | events/s record ${summary.eventsPerSecond.record}, replay ${summary.eventsPerSecond.replay} | ${summary.logBytesPerEvent} log bytes per evdev event`,
  );
  return summary;
}

/** 48 kHz stereo capture and playback through virtio-sound: log bytes per second of audio; prints one line. */
export async function audioBench(workDir: string): Promise<AudioSummary> {
  const elf = 'examples/audio/audio.elf';
  const logPath = join(workDir, 'audio.rrlog');
  const rec = await record(elf, [{ kind: 'virtio-sound' }], logPath, (queue) => queue.close(), true);
  const capturedSeconds = 0.5;
  const logBytes = Object.values(rec.footer.bytes).reduce((a, b) => a + b, 0);
  const summary: AudioSummary = {
    capturedSeconds,
    audioInLogBytesPerSecond: round(rec.footer.bytes.AUDIO_IN / capturedSeconds, 0),
    logBytesPerSecond: round(logBytes / rec.seconds, 0),
    replaySeconds: round(await replaySeconds(elf, logPath), 2),
  };
  console.log(
    `audio      48 kHz stereo, ${capturedSeconds} s in and out | AUDIO_IN ${summary.audioInLogBytesPerSecond} log B/s of audio (raw 192000) | log ${summary.logBytesPerSecond} B/s of recording | replay ${summary.replaySeconds} s`,
  );
  return summary;
}
