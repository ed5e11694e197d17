// rrvm gdb driven by a real gdb-multiarch: records the debug-demo guest, serves the log with
// `rrvm gdb --port 0`, and checks breakpoints, stepping forwards and backwards, a watchpoint
// hit in both directions, monitor commands, refused writes and the console output; then the
// command line itself. The gdb tests need gdb-multiarch; they skip with a printed reason
// without it (and fail instead when RRVM_REQUIRE_TOOLS=1).
import { spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCli, rrvm, RRVM_CLI } from '../cli/cli-harness.js';
import { tempDir } from '../engine/harness.js';
import { EXAMPLES_DIR, findTool, skipWithoutTool } from '../examples/run-guest.js';
import { marker, runGdb, section } from './gdb-driver.js';

const GDB = 'gdb-multiarch';
const ELF = join(EXAMPLES_DIR, 'debug-demo', 'debug-demo.elf');
const STEPS = 10;
const skip = skipWithoutTool('gdb-multiarch e2e', GDB);

/** A running `rrvm gdb`. */
interface RrvmGdb {
  /** Where it listens, as printed in its `target remote` line. */
  address: string;
  /** Waits for it to exit (its client is done): SIGKILL if it is still up 30 s later. */
  exit(): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts `rrvm gdb LOG ...options` (default: `--port 0`) and waits for its `target remote` line. */
async function startRrvmGdb(log: string, options: readonly string[] = ['--port', '0']): Promise<RrvmGdb> {
  const child = spawn(process.execPath, [RRVM_CLI, 'gdb', log, ...options], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RRVM_DEBUG: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  const closed = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  const exit = (): typeof closed => {
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
    return closed;
  };
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rrvm gdb printed no 'target remote' line in 30 s; stderr: ${stderr}`));
    }, 30_000);
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
      const m = /^target remote (\S+)$/m.exec(stderr);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('close', () => reject(new Error(`rrvm gdb exited before listening; stderr: ${stderr}`)));
  });
  return { address, exit };
}

/** The register lines of `info registers` as name → value text. */
function registerLines(text: string): Map<string, string> {
  const regs = new Map<string, string>();
  for (const m of text.matchAll(/^(\w+)\s+(0x[0-9a-f]+)/gm)) regs.set(m[1]!, m[2]!);
  return regs;
}

describe.skipIf(skip)('rrvm gdb with gdb-multiarch', () => {
  const temp = tempDir('rrvm-gdb-');
  const log = temp.path('debug-demo.rrlog');
  afterAll(() => temp.remove());

  beforeAll(() => {
    expect(findTool(GDB), `${GDB} is required (RRVM_REQUIRE_TOOLS=1) but is not on PATH`).toBeTruthy();
    expect(existsSync(RRVM_CLI), `rrvm CLI not built: ${RRVM_CLI} is missing (npx tsc -p tsconfig.json)`).toBe(true);
    const recorded = rrvm(['record', '-o', log, ELF]);
    expect(recorded.code, describeCli(recorded)).toBe(0);
  });

  it('breaks, steps forwards and back through the same states, finds the last write both ways, seeks, and prints each console line once', async () => {
    const server = await startRrvmGdb(log);
    const commands = ['break bump', 'continue', marker('F0'), 'info registers'];
    for (let i = 1; i <= STEPS; i++) commands.push('stepi', marker(`F${i}`), 'info registers');
    for (let i = STEPS - 1; i >= 0; i--) commands.push('reverse-stepi', marker(`R${i}`), 'info registers');
    // Three more calls of bump (counter 1 → 3 → 6, next +4), then back to the write of 3 → 6.
    commands.push('continue', 'continue', 'continue', 'delete', 'watch *(int*)&counter', marker('WATCH'), 'reverse-continue', 'print $pc');
    commands.push(marker('WATCH-FORWARD'), 'continue', 'print $pc');
    commands.push(marker('ICOUNT'), 'monitor icount', 'delete');
    commands.push(marker('SEEK'), 'monitor seek 1000', 'maint flush register-cache', 'monitor icount', marker('END'), 'continue', 'detach');
    const gdb = await runGdb(ELF, server.address, commands);
    const rr = await server.exit();
    const out = gdb.output;
    const context = `gdb exit ${gdb.code}${gdb.timedOut ? ' (timed out)' : ''}\n--- gdb output\n${out}\n--- rrvm stderr\n${rr.stderr}`;

    expect(gdb.timedOut, context).toBe(false);
    expect(out, context).toMatch(/Breakpoint 1, 0x[0-9a-f]+ in bump \(\)/);

    const forward = Array.from({ length: STEPS + 1 }, (_, i) => registerLines(section(out, `F${i}`)));
    const backward = Array.from({ length: STEPS }, (_, i) => registerLines(section(out, `R${i}`)));
    expect(forward[0]!.get('pc'), context).toBe('0x8000035e'); // bump+10, where gdb puts `break bump`
    expect(forward[0]!.size, context).toBeGreaterThanOrEqual(32);
    expect(new Set(forward.map((r) => r.get('pc'))).size, 'stepi moved the pc').toBeGreaterThan(5);
    for (let i = 0; i < STEPS; i++) expect([...backward[i]!], `state after reverse-stepi back to step ${i}`).toEqual([...forward[i]!]);

    const watch = section(out, 'WATCH');
    expect(watch, context).toMatch(/Hardware watchpoint 2: \*\(int\*\)&counter\s+Old value = 6\s+New value = 3/);
    expect(watch, context).toMatch(/\$1 = \(void \(\*\)\(\)\) 0x8000035e <bump\+10>/); // the store

    const forwardWatch = section(out, 'WATCH-FORWARD');
    expect(forwardWatch, context).toMatch(/Hardware watchpoint 2: \*\(int\*\)&counter\s+Old value = 3\s+New value = 6/);
    expect(forwardWatch, context).toMatch(/\$2 = \(void \(\*\)\(\)\) 0x80000362 <bump\+14>/); // just after the store

    expect(section(out, 'ICOUNT').trim(), context).toMatch(/^\d+$/);
    expect(section(out, 'SEEK'), context).toMatch(/^rrvm: at icount 1000; .*\n(.*\n)*1000\n/);
    expect(section(out, 'END'), context).toMatch(/rrvm: end of the recording.*\n(.*\n)*.*No more reverse-execution history/);

    expect(rr.code, context).toBe(0);
    const ticks = rr.stdout.split('\n').filter((line) => line.startsWith('tick '));
    expect(ticks).toEqual(Array.from({ length: 20 }, (_, i) => `tick ${i + 1} counter=${((i + 1) * (i + 2)) / 2}`));
  }, 240_000);

  it('taps see the execution once, as `rrvm replay` does, however gdb goes back and forth', async () => {
    const taps = (dir: string): string[] => ['insn-trace', 'mmio', 'events-jsonl', 'coverage'].flatMap((tap) => ['--tap', `${tap}=${join(dir, tap)}.txt`]);
    const replayed = temp.path('replayed');
    const debugged = temp.path('debugged');
    mkdirSync(replayed);
    mkdirSync(debugged);
    const replay = rrvm(['replay', log, ...taps(replayed)]);
    expect(replay.code, describeCli(replay)).toBe(0);
    const server = await startRrvmGdb(log, ['--port', '0', ...taps(debugged)]);
    const commands = ['break bump', 'continue', 'stepi', 'stepi', 'reverse-stepi', 'reverse-stepi', 'continue', 'monitor seek 0', 'maint flush register-cache'];
    commands.push('continue', 'delete', 'continue', 'reverse-stepi', 'reverse-stepi', 'continue', 'detach');
    const gdb = await runGdb(ELF, server.address, commands);
    const rr = await server.exit();
    const context = `--- gdb output\n${gdb.output}\n--- rrvm stderr\n${rr.stderr}`;
    expect(rr.code, context).toBe(0);
    expect(gdb.output, context).toMatch(/No more reverse-execution history/);
    for (const tap of ['insn-trace', 'mmio', 'events-jsonl', 'coverage']) {
      const expected = readFileSync(join(replayed, `${tap}.txt`), 'utf8');
      expect(expected.length, `${tap} wrote something`).toBeGreaterThan(0);
      expect(readFileSync(join(debugged, `${tap}.txt`), 'utf8'), tap).toBe(expected);
    }
  }, 240_000);

  it('refuses writes to registers and memory, naming the reason', async () => {
    const server = await startRrvmGdb(log);
    const gdb = await runGdb(ELF, server.address, ['break bump', 'continue', 'set $a0 = 7', 'set var *(int*)&counter = 5', 'print $a0', 'kill']);
    const rr = await server.exit();
    const context = `--- gdb output\n${gdb.output}\n--- rrvm stderr\n${rr.stderr}`;
    expect(gdb.output, context).toMatch(/Could not write register "a0"; remote failure reply 'E\.rrvm refuses writes .* the replay would diverge/);
    expect(gdb.output, context).toMatch(/Cannot access memory at address 0x80001004/);
    expect(gdb.output, context).toMatch(/\$1 = 1\n/);
    expect(rr.code, context).toBe(0);
  }, 120_000);
});

describe('rrvm gdb command line', () => {
  const temp = tempDir('rrvm-gdb-cli-');
  const log = temp.path('hello.rrlog');
  beforeAll(() => {
    const recorded = rrvm(['record', '-o', log, join(EXAMPLES_DIR, 'hello', 'hello.elf')]);
    expect(recorded.code, describeCli(recorded)).toBe(0);
  });
  afterAll(() => temp.remove());

  it('--help explains the command with an example session', () => {
    const r = rrvm(['gdb', '--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.toString('utf8');
    for (const text of ['--port', '--listen', '--elf', '--force', '--snapshot-mem', 'target remote 127.0.0.1:1234', 'reverse-stepi', 'reverse-continue', 'watch *(int*)&counter', 'monitor icount', 'detach']) {
      expect(help).toContain(text);
    }
  });

  it('a busy port is a one-line error and exit status 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = rrvm(['gdb', log, '--port', String(port)]);
      expect(r.stderr).toBe(`rrvm: cannot listen on 127.0.0.1:${port}: address in use\n`);
      expect(r.code).toBe(1);
    } finally {
      blocker.close();
    }
  });

  it('rejects a malformed --listen, and --listen with --port', () => {
    const bad = rrvm(['gdb', log, '--listen', 'localhost']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/expected HOST:PORT/);
    const both = rrvm(['gdb', log, '--listen', '127.0.0.1:0', '--port', '0']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/cannot be used with/);
  });

  it('--listen HOST:PORT listens there; a client that goes away ends the command with status 0', async () => {
    const server = await startRrvmGdb(log, ['--listen', '127.0.0.1:0']);
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const [host, port] = server.address.split(':');
    const socket = connect({ host: host!, port: Number(port) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.destroy();
    const rr = await server.exit();
    expect(rr.code, rr.stderr).toBe(0);
    expect(rr.stderr).toMatch(/rrvm: gdb disconnected at icount 0\n$/);
  });
});
