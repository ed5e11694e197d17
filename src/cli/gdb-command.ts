import { InvalidArgumentError, Option, type Command } from 'commander';
import { ExitStatus } from '../core/rrvm-error.js';
import { TimeTravelSession } from '../engine/time-travel-session.js';
import { listenForGdb } from '../gdb/gdb-server.js';
import { openRecording } from './open-recording.js';
import { addDriveOption, parseDrives } from './drive-options.js';
import { openReplayDrives } from './open-drives.js';
import { parseIntInRange, parseMemorySize } from './parse-options.js';
import { addElfOptions } from './replay-command.js';
import { writeOut } from './stdout.js';
import { addNetPcapOption, netPcapTap } from './net-options.js';
import { Subject } from 'rxjs';
import { EventStream } from '../../streams/event-stream.js';
import { ExecStreams } from '../../streams/exec-streams.js';
import { attachTaps } from '../../streams/taps/attach-taps.js';
import { addTapOption, loadTaps } from './tap-options.js';
import type { NetTxFrame } from '../../streams/taps/tap.js';

/** Options of `rrvm gdb`. */
interface GdbOptions {
  port: number;
  listen?: { host: string; port: number };
  elf?: string;
  force?: boolean;
  snapshotMem?: number;
  /** `--drive` values: where the recorded disk images are now. */
  drive: string[];
  /** `--net-pcap FILE`: the frames, each once, however often gdb goes back. */
  netPcap?: string;
  /** `--tap` specs: each sees the execution once, however often gdb goes back. */
  tap: string[];
}

/** The host gdb connects from unless `--listen` says otherwise: this machine only. */
const DEFAULT_HOST = '127.0.0.1';

/** gdb's customary remote port. */
const DEFAULT_PORT = 1234;

const EXAMPLE = `
Example (two terminals):
  $ rrvm record -o demo.rrlog examples/debug-demo/debug-demo.elf
  $ rrvm gdb demo.rrlog
  rrvm: waiting for gdb on 127.0.0.1:1234 (one client); in gdb-multiarch type:
  target remote 127.0.0.1:1234

  $ gdb-multiarch examples/debug-demo/debug-demo.elf
  (gdb) target remote 127.0.0.1:1234
  (gdb) break bump                  # software breakpoint (Z0)
  (gdb) continue
  (gdb) stepi                       # forwards one instruction...
  (gdb) reverse-stepi               # ...and back again
  (gdb) watch *(int*)&counter       # write watchpoint (Z2); rwatch and awatch work too
  (gdb) reverse-continue            # back to the last write: Old value / New value
  (gdb) monitor icount              # instructions executed so far
  (gdb) monitor seek 1000           # jump to icount 1000, then:
  (gdb) maint flush register-cache
  (gdb) monitor help                # icount, seek, info, snapshot
  (gdb) detach                      # rrvm exits 0

Time only moves inside the recording: continue stops at its end ("No more
reverse-execution history", with the reason on gdb's console), reverse-continue at its
start. The guest's console goes to rrvm's stdout, each line once, however often gdb goes
back over it; so do taps (--tap insn-trace=t.txt): they see the execution as far as gdb
took it, once, and their files are complete when rrvm exits. Writes to registers or memory
are refused: the replay would no longer match the log.
`;

/** `rrvm gdb run.rrlog`: serves a recording to gdb-multiarch, with reverse execution. */
export function gdbCommand(program: Command): void {
  const cmd = program
    .command('gdb')
    .summary('debug a recording with gdb-multiarch, forwards and backwards')
    .description(
      'Replays a recording under the control of gdb (GDB remote serial protocol): breakpoints, watchpoints, stepping, and the same backwards (reverse-stepi, reverse-continue). Listens on 127.0.0.1 only, unless --listen says otherwise, for one gdb client, and prints the `target remote` line to type in gdb. Exits 0 when gdb detaches, kills or disconnects.',
    )
    .argument('<log>', 'the .rrlog written by `rrvm record`')
    .option('--port <n>', 'TCP port on 127.0.0.1 (0: any free port)', parseIntInRange(0, 65535), DEFAULT_PORT)
    .addOption(new Option('--listen <host:port>', 'listen on this address instead, e.g. 0.0.0.0:1234 to accept other machines (anyone who can connect controls the debugger)').argParser(parseListen).conflicts('port'))
    .option('--snapshot-mem <size>', 'memory for automatic snapshots, e.g. 256M (default: 4 × guest RAM; more: faster reverse execution)', parseMemorySize);
  addTapOption(addNetPcapOption(addDriveOption(addElfOptions(cmd))))
    .addHelpText('after', EXAMPLE)
    .action(async (logPath: string, opts: GdbOptions) => {
      const { reader, image, elf } = openRecording(logPath, { elf: opts.elf, force: opts.force });
      const drives = openReplayDrives(reader.header.disks, parseDrives(opts.drive), { path: logPath, files: reader.embedded });
      const taps = [...(await loadTaps(opts.tap)), ...netPcapTap(opts.netPcap, reader.header.icountShift)];
      // Taps see events, console output, sent frames and execution only past the furthest point reached: each once.
      const events = new EventStream();
      const console$ = new Subject<{ icount: number; bytes: Uint8Array }>();
      const netTx$ = new Subject<NetTxFrame>();
      const exec = new ExecStreams();
      const attached = attachTaps(taps, { mode: 'replay', events$: events.events$, console$, netTx$, exec, elf });
      const session = new TimeTravelSession({
        image,
        reader,
        drives,
        events,
        exec,
        onConsole: (bytes) => {
          writeOut(bytes);
          console$.next({ icount: session.icount, bytes });
        },
        onNetTx: (netdev, frame, icount) => netTx$.next({ icount, netdev, frame }),
        ...(opts.snapshotMem !== undefined ? { snapshotMemBytes: opts.snapshotMem } : {}),
      });
      const host = opts.listen?.host ?? DEFAULT_HOST;
      const server = await listenForGdb(session, host, opts.listen?.port ?? opts.port);
      const address = `${host.includes(':') ? `[${host}]` : host}:${server.port}`;
      process.stderr.write(`rrvm: waiting for gdb on ${address} (one client); in gdb-multiarch type:\ntarget remote ${address}\n`);
      const how = await server.finished;
      // The taps' output ends as far as gdb took execution (the recording's end only if it got there).
      events.complete();
      console$.complete();
      netTx$.complete();
      exec.complete();
      await attached.finish();
      process.stderr.write(`rrvm: gdb ${how === 'detach' ? 'detached' : how === 'kill' ? 'killed the session' : 'disconnected'} at icount ${session.icount}\n`);
      process.exitCode = ExitStatus.OK;
    });
}

/** Parses `--listen HOST:PORT` (an IPv6 host in brackets: `[::1]:1234`). */
function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) throw new InvalidArgumentError(`expected HOST:PORT like 127.0.0.1:1234 or [::1]:1234, got '${text}'`);
  return { host: m[1] ?? m[2]!, port };
}
