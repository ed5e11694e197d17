import { lastValueFrom } from 'rxjs';
import type { LogFooter } from '../../codecs/index.js';
import { EventStream } from '../../streams/event-stream.js';
import { recordSink, type RecordSinkWriter } from '../../streams/record-sink.js';
import type { ElfImage } from '../machine/elf-image.js';
import type { MachineConfig } from '../machine/machine.js';
import { LiveMode, type IdlePolicy } from './live-mode.js';
import type { InputQueue } from './input-queue.js';
import { BlockIo, type Drive } from './block-io.js';
import { blockDoneFamily } from './families/block-done.js';
import { bhFamily } from './families/bh.js';
import { Deferrals } from './deferrals.js';
import { chaosDelays } from './chaos.js';
import { Session, type SessionResult } from './session.js';

/** Everything a `run` or `record` session is built from. */
export interface LiveSessionOptions {
  image: ElfImage;
  config: MachineConfig;
  /** Stop after this many instructions (Infinity for no bound). */
  maxInsns: number;
  sliceIcount?: number;
  /** Host input of every push family, merged (the CLI feeds it from the sources). */
  input: InputQueue;
  /** The drives, by drive index (`config.virtio` has their virtio-blk devices). */
  drives?: readonly Drive[];
  /** `--chaos-io`: delay host completions by amounts drawn from this seed. */
  chaosSeed?: number;
  interactive: boolean;
  idle: IdlePolicy;
  /** Where to record, or null for a plain run. */
  record: { writer: RecordSinkWriter; checkpointEvery: number } | null;
  /** The stream taps subscribe to (a fresh one when omitted). */
  events?: EventStream;
  onConsole: (bytes: Uint8Array, icount: number) => void;
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
  const mode = new LiveMode(
    options.input,
    events,
    {
      idle: options.idle,
      interactive: options.interactive,
      checkpointEvery: options.record?.checkpointEvery ?? Infinity,
    },
    { blocks, deferrals },
  );
  // A log that can no longer be written ends the recording (the sink has ended the log already).
  footer?.catch(() => mode.requestShutdown('the log cannot be written'));
  const session = new Session(options.image, mode, {
    config: options.config,
    maxInsns: options.maxInsns,
    onConsole: options.onConsole,
    ...(options.sliceIcount === undefined ? {} : { sliceIcount: options.sliceIcount }),
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
      }
      return { result, footer: footer === null ? null : await footer };
    },
  };
}
