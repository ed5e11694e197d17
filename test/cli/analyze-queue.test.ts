// `rrvm analyze --queue` with two `rrvm worker` processes on a real redis-server (started here
// on a free port of 127.0.0.1, killed by pid at the end) prints exactly what the local run
// prints. Skips with a printed reason without redis-server (fails instead when RRVM_REQUIRE_TOOLS=1).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, type ExampleGuest } from '../engine/harness.js';
import { findTool, skipWithoutTool } from '../examples/run-guest.js';
import { describeCli, expectOneLineError, REPO_ROOT, RRVM_CLI, rrvmAsync } from './cli-harness.js';
import { recordLogs } from './analyze-fixtures.js';

const REDIS = 'redis-server';
const skip = skipWithoutTool('analyze --queue', REDIS);

/** A port of 127.0.0.1 nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts connections on `port` (tries for up to 10 s). */
async function listening(port: number): Promise<boolean> {
  for (let tries = 0; tries < 100; tries++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return true;
    await sleep(100);
  }
  return false;
}

/** A child process with its stderr collected, and a promise of its exit. */
interface Child {
  process: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(command: string, args: readonly string[]): Child {
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RRVM_DEBUG: '' } });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, stderr: () => err, exited };
}

/** Waits (up to 20 s) until `child` has written `text` on stderr. */
async function saidOnStderr(child: Child, text: string): Promise<boolean> {
  for (let tries = 0; tries < 200 && !child.stderr().includes(text); tries++) await sleep(100);
  return child.stderr().includes(text);
}

describe.skipIf(skip)('rrvm analyze --queue with rrvm worker on redis-server', () => {
  const temp = tempDir('analyze-queue');
  let redis: Child | null = null;
  const workers: Child[] = [];
  let url = '';
  let logs: string[] = [];

  beforeAll(async () => {
    expect(findTool(REDIS), `${REDIS} is required (RRVM_REQUIRE_TOOLS=1) but is not on PATH`).toBeTruthy();
    const guests: ExampleGuest[] = Array.from({ length: 10 }, (_, i) => (i % 3 === 2 ? 'hello' : 'clock'));
    logs = await recordLogs(temp, guests);
    const corrupt = temp.path('corrupt.rrlog');
    writeFileSync(corrupt, Buffer.concat([Buffer.from('XXXX'), readFileSync(logs[0]!).subarray(4)]));
    logs.splice(4, 0, corrupt);
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = start(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    expect(await listening(port), `redis-server did not start: ${redis.stderr()}`).toBe(true);
    for (let i = 0; i < 2; i++) workers.push(start(process.execPath, [RRVM_CLI, 'worker', '--queue', url, '--jobs', '1']));
    for (const w of workers) expect(await saidOnStderr(w, 'working queue'), w.stderr()).toBe(true);
  }, 240_000);

  afterAll(async () => {
    for (const w of workers) w.process.kill('SIGKILL');
    redis?.process.kill('SIGKILL');
    await Promise.all([...workers.map((w) => w.exited), redis?.exited]);
    temp.remove();
  });

  it('gives the same results as the local run, text and JSON, in the order of the arguments', async () => {
    const local = await rrvmAsync(['analyze', '--jobs', '2', ...logs]);
    expect(local.code, describeCli(local)).toBe(1);
    const queued = await rrvmAsync(['analyze', '--queue', url, ...logs]);
    expect(queued.code, describeCli(queued)).toBe(1);
    expect(queued.stdout.toString()).toBe(local.stdout.toString());
    expect(local.stdout.toString()).toMatch(/^error +\S*corrupt\.rrlog: /m);
    expect(local.stdout.toString()).toMatch(/\n11 logs: 10 ok, 0 divergence, 0 incomplete, 1 error\n$/);

    const localJson = await rrvmAsync(['analyze', '--json', ...logs]);
    const queuedJson = await rrvmAsync(['analyze', '--json', '--queue', url, ...logs]);
    expect(JSON.parse(queuedJson.stdout.toString())).toEqual(JSON.parse(localJson.stdout.toString()));
    // Both workers took jobs: 2 × 11 in all.
    const worked = workers.map((w) => (w.stderr().match(/^rrvm: worker: (ok|error) /gm) ?? []).length);
    expect(worked[0]! + worked[1]!).toBe(22);
    expect(Math.min(...worked)).toBeGreaterThan(0);
  }, 240_000);

  it('workers stop cleanly on SIGINT', async () => {
    for (const w of workers) w.process.kill('SIGINT');
    for (const w of workers) {
      expect(await w.exited).toBe(0);
      expect(w.stderr()).toMatch(/rrvm: worker: stopped after \d+ job\(s\)\n$/);
    }
  }, 60_000);

  it('Ctrl-C withdraws the jobs no worker took, closes and exits 1 with one line', async () => {
    const analyze = start(process.execPath, [RRVM_CLI, 'analyze', '--queue', url, ...logs.slice(0, 3)]);
    expect(await saidOnStderr(analyze, 'no worker is on queue'), analyze.stderr()).toBe(true);
    analyze.process.kill('SIGINT');
    expect(await analyze.exited).toBe(1);
    expect(analyze.stderr()).toMatch(/\nrrvm: interrupted; 3 job\(s\) not finished were withdrawn from the queue\n$/);
    const { Redis } = await import('ioredis');
    const client = new Redis(url);
    try {
      expect(await client.llen('bull:rrvm-analyze:wait')).toBe(0);
    } finally {
      client.disconnect();
    }
  }, 60_000);

  it('a Redis that goes away while the caller waits ends it with one line and exit 1', async () => {
    const analyze = start(process.execPath, [RRVM_CLI, 'analyze', '--queue', url, ...logs.slice(0, 3)]);
    expect(await saidOnStderr(analyze, 'no worker is on queue'), analyze.stderr()).toBe(true);
    redis!.process.kill('SIGKILL');
    expect(await analyze.exited).toBe(1);
    expect(analyze.stderr()).toMatch(/\nrrvm: lost the connection to Redis at 127\.0\.0\.1:\d+: .*\n$/);
  }, 60_000);
});

describe('rrvm analyze --queue and rrvm worker without a Redis', () => {
  it('fail with one line and exit 1 when nothing listens on the port', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    // Any log path: the queue is reached before a log is read.
    const analyze = await rrvmAsync(['analyze', '--queue', url, 'no-such.rrlog'], { timeoutMs: 30_000 });
    expectOneLineError(analyze, /^rrvm: cannot reach Redis at 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    const worker = await rrvmAsync(['worker', '--queue', url], { timeoutMs: 30_000 });
    expectOneLineError(worker, /^rrvm: cannot reach Redis at 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  }, 60_000);

  it('reject a URL that is not redis://', async () => {
    const r = await rrvmAsync(['worker', '--queue', 'http://127.0.0.1:6379']);
    expectOneLineError(r, /^rrvm: bad --queue 'http:\/\/127\.0\.0\.1:6379': unsupported scheme 'http'/);
  });
});
