/** Public API of streams/: the event stream, record sink, replay source, input sources and taps (DESIGN §5, §8). */
export { EventStream } from './event-stream.js';
export { recordSink } from './record-sink.js';
export type { RecordSinkOptions, RecordSinkWriter } from './record-sink.js';
export { replaySource } from './replay-source.js';
export { inputScript$, parseInputScript } from './sources/input-script.js';
export type { ScriptInput, ScriptLine } from './sources/input-script.js';
export { serialFile$ } from './sources/serial-file.js';
export { serialIn$ } from './sources/serial-in.js';
export { attachTaps } from './taps/attach-taps.js';
export type { AttachedTaps } from './taps/attach-taps.js';
export { CONSOLE_TRANSCRIPT_FILE, consoleTranscript } from './taps/console-transcript.js';
export { EVENTS_JSONL_FILE, eventsJsonl } from './taps/events-jsonl.js';
export { loadTap } from './taps/load-tap.js';
export { NET_PCAP_FILE, netPcap } from './taps/net-pcap.js';
export { udpFrames$ } from './sources/udp-frames.js';
export type { LoadedTap } from './taps/load-tap.js';
export type { NetTxFrame, Tap, TapSession } from './taps/tap.js';
