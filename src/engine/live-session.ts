import { lastValueFrom } from 'rxjs';
import type { LogFooter } from '../../codecs/index.js';
import { EventStream } from '../../streams/event-stream.js';
import type { ExecStreams } from '../../streams/exec-streams.js';
import { recordSink, type RecordSinkWriter } from '../../streams/record-sink.js';
import type { ElfImage } from '../machine/elf-image.js';
import type { MachineConfig } from '../machine/machine.js';
import { LiveMode, type IdlePolicy } from './live-mode.js';
import type { InputQueue } from './input-queue.js';
import { BlockIo, type Drive } from './block-io.js';
import { blockDoneFamily } from './families/block-done.js';
import { bhFamily } from './families/bh.js';
import { Deferrals } from './deferrals.js';
import { NetIo } from './net-io.js';
import { chaosDelays } from './chaos.js';
import { Session, type SessionResult } from './session.js';
import { AudioIo } from './audio-io.js';
import { audioInFamily } from './families/audio-in.js';
import { audioOutFamily } from './families/audio-out.js';
import type { CaptureSource } from '../../streams/sources/audio-capture.js';
import type { AudioWav } from '../../streams/taps/audio-wav.js';

/** Everything a `run` or `record` session is built from. */
export interface LiveSessionOptions {
  image: ElfImage;
  config: MachineConfig;
  /** Stop after this many instructions (Infinity for no bound). */
  maxInsns: number;
  sliceIcount?: number;
  /** Execution taps' streams (`--tap insn-trace`, `mmio`, …). */
  exec?: ExecStreams;
  /** Host input of every push family, merged (the CLI feeds it from the sources). */
  input: InputQueue;
  /** The drives, by drive index (`config.virtio` has their virtio-blk devices). */
  drives?: readonly Drive[];
  /** The host side of a sound device: what `--audio-in` captures, and the `--audio-out` WAV (or null). */
  audio?: { capture: CaptureSource; wav: AudioWav | null };
  /** `--chaos-io`: delay host completions by amounts drawn from this seed. */
  chaosSeed?: number;
  interactive: boolean;
  idle: IdlePolicy;
  /** Where to record, or null for a plain run. */
  record: { writer: RecordSinkWriter; checkpointEvery: number } | null;
  /** The stream taps subscribe to (a fresh one when omitted). */
  events?: EventStream;
  onConsole: (bytes: Uint8Array, icount: number) => void;
  /** `--net`: sends a frame the guest transmitted to the host network (without it, frames go nowhere). */
  netSend?: (netdev: number, frame: Uint8Array) => void;
  /** Hears every frame the guest transmits, with the icount (taps). */
  onNetTx?: (netdev: number, frame: Uint8Array, icount: number) => void;
}

/** A live session, built and ready to run. */
export interface LiveSession {
  readonly mode: LiveMode;
  readonly session: Session;
  readonly events: EventStream;
  /** Runs it; with a recording, resolves after the log is closed (END written) with its footer. */
  run(): Promise<{ result: SessionResult; footer: LogFooter | null }>;
}

/**
 * Builds a `run` or `record` session: the record sink subscribes to the event stream before
 * the first event, so the log holds every event; on a failure the log is still closed.
 */
export function liveSession(options: LiveSessionOptions): LiveSession {
  const events = options.events ?? new EventStream();
  const footer = options.record === null ? null : lastValueFrom(events.events$.pipe(recordSink(options.record.writer)));
  const drives = options.drives ?? [];
  // A block completion is host input like any other: it joins the queue, tagged by its family.
  const chaos = options.chaosSeed === undefined ? null : chaosDelays(options.chaosSeed);
  const blocks =
    drives.length === 0 ? null : new BlockIo(drives, true, (request, status) => options.input.push(blockDoneFamily.capture({ request, status })), chaos);
  // So is a BH that falls due: the device's code runs when its event is applied.
  const deferrals = new Deferrals(true, (id) => options.input.push(bhFamily.capture(id)), chaos);
  // And so are the periods of a running audio stream, paced by the host's timers.
  const audio =
    options.audio === undefined
      ? undefined
      : new AudioIo(
          {
            capture: options.audio.capture,
            push: (stream, p) =>
              options.input.push('frames' in p ? audioOutFamily.capture({ stream, frames: p.frames }) : audioInFamily.capture({ stream, samples: p.samples })),
          },
          options.audio.wav,
        );
  const mode = new LiveMode(
    options.input,
    events,
    {
      idle: options.idle,
      interactive: options.interactive,
      checkpointEvery: options.record?.checkpointEvery ?? Infinity,
    },
    { blocks, deferrals, net: new NetIo(options.netSend ?? null, (netdev, frame) => options.onNetTx?.(netdev, frame, session.machine.icount)), ...(audio === undefined ? {} : { audio }) },
  );
  // A log that can no longer be written ends the recording (the sink has ended the log already).
  footer?.catch(() => mode.requestShutdown('the log cannot be written'));
  const session = new Session(options.image, mode, {
    config: options.config,
    maxInsns: options.maxInsns,
    onConsole: options.onConsole,
    ...(options.sliceIcount === undefined ? {} : { sliceIcount: options.sliceIcount }),
    ...(options.exec === undefined ? {} : { exec: options.exec }),
  });
  return {
    mode,
    session,
    events,
    async run() {
      let result: SessionResult;
      try {
        result = await session.run();
      } catch (err) {
        // The sink still closes the log (END written) before the error propagates.
        events.error(err);
        await footer?.catch(() => undefined);
        throw err;
      } finally {
        audio?.close();
      }
      return { result, footer: footer === null ? null : await footer };
    },
  };
}
