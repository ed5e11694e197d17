// Differential test for virtio-input (issue 8, item 6): the input-log guest on QEMU's riscv32
// `virt` board with virtio-keyboard-device and virtio-mouse-device (modern virtio-mmio), fed
// through QMP `input-send-event`, and on `rrvm record` fed the same actions by an input
// script, prints the same lines; the rrvm recording replays them. The actions are 40 ms
// apart, so each reaches the guest on its own on both machines (the guest drains the keyboard
// before the mouse when both have events waiting, and QEMU's timing is the host's).
// Needs qemu-system-riscv32; skips with a printed reason without it (fails instead when
// RRVM_REQUIRE_TOOLS=1), like the other QEMU tests.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../engine/harness.js';
import { EXAMPLES_DIR, REPO_ROOT, RRVM_CLI, findTool, skipWithoutTool } from './run-guest.js';

const QEMU = 'qemu-system-riscv32';
const skip = skipWithoutTool('input-qemu-diff', QEMU);
const ELF = join(EXAMPLES_DIR, 'input-log', 'input-log.elf');
const GAP_MS = 40;

const temp = tempDir('input-qemu-diff');
afterAll(temp.remove);

/** One action in both languages: an rrvm input-script line and the QMP input events. */
interface Action {
  script: object;
  qmp: object[];
}

/** QEMU's qcode of each key the test presses. */
const QCODE: Record<string, string> = { KEY_LEFTSHIFT: 'shift', KEY_H: 'h', KEY_I: 'i', KEY_1: '1', KEY_ENTER: 'ret', KEY_ESC: 'esc', KEY_SPACE: 'spc' };
const key = (name: string, down: boolean): Action => ({
  script: { key: name, down },
  qmp: [{ type: 'key', data: { down, key: { type: 'qcode', data: QCODE[name] } } }],
});
const move = (dx: number, dy: number): Action => ({
  script: { mouse: { dx, dy } },
  qmp: [{ type: 'rel', data: { axis: 'x', value: dx } }, { type: 'rel', data: { axis: 'y', value: dy } }],
});
const button = (down: boolean, name: 'BTN_LEFT' | 'BTN_RIGHT'): Action => ({
  script: { button: name, down },
  qmp: [{ type: 'btn', data: { down, button: name === 'BTN_LEFT' ? 'left' : 'right' } }],
});

const ACTIONS: Action[] = [
  key('KEY_LEFTSHIFT', true), key('KEY_H', true), key('KEY_H', false), key('KEY_LEFTSHIFT', false),
  key('KEY_I', true), key('KEY_I', false),
  move(5, -3), button(true, 'BTN_LEFT'), button(false, 'BTN_LEFT'), move(-12, 7), button(true, 'BTN_RIGHT'), button(false, 'BTN_RIGHT'),
  key('KEY_1', true), key('KEY_1', false), key('KEY_SPACE', true), key('KEY_SPACE', false), key('KEY_ENTER', true), key('KEY_ENTER', false),
  key('KEY_ESC', true),
];

/** Sends one QMP command and waits for its answer. */
function qmpClient(socketPath: string): Promise<{ send: (cmd: object) => Promise<unknown>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffered = '';
    const waiting: ((reply: unknown) => void)[] = [];
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const reply = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>;
        buffered = buffered.slice(nl + 1);
        if ('QMP' in reply) resolve({ send, close: () => socket.end() });
        else if ('return' in reply || 'error' in reply) waiting.shift()?.(reply);
      }
    });
    function send(cmd: object): Promise<unknown> {
      return new Promise((done) => {
        waiting.push(done);
        socket.write(`${JSON.stringify(cmd)}\n`);
      });
    }
  });
}

/** Runs input-log on QEMU, sending ACTIONS through QMP once the guest says it is ready; returns its console. */
async function runQemu(): Promise<{ code: number | null; console: string }> {
  const out = temp.path('qemu.out');
  const socketPath = temp.path('qmp.sock');
  writeFileSync(out, '');
  const child = spawn(QEMU, [
    '-M', 'virt', '-bios', 'none', '-display', 'none', '-monitor', 'none', '-serial', `file:${out}`,
    '-global', 'virtio-mmio.force-legacy=false', '-device', 'virtio-keyboard-device', '-device', 'virtio-mouse-device',
    '-qmp', `unix:${socketPath},server=on,wait=off`, '-kernel', ELF,
  ], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    for (let i = 0; i < 200 && !(existsSync(socketPath) && readFileSync(out, 'latin1').includes('input-log: ready')); i++) await sleep(25);
    const qmp = await qmpClient(socketPath);
    await qmp.send({ execute: 'qmp_capabilities' });
    for (const action of ACTIONS) {
      await qmp.send({ execute: 'input-send-event', arguments: { events: action.qmp } });
      await sleep(GAP_MS);
    }
    qmp.close();
    return { code: await exited, console: readFileSync(out, 'latin1') };
  } finally {
    clearTimeout(killer);
  }
}

describe.skipIf(skip)('input-log behaves the same on QEMU and on rrvm', () => {
  it('prints the same lines for the same keys, motions and clicks; the rrvm recording replays them', async () => {
    expect(findTool(QEMU), `${QEMU} is required (RRVM_REQUIRE_TOOLS=1) but is not on PATH`).toBeTruthy();
    const q = await runQemu();
    expect(q.code, q.console).toBe(0);
    const script = temp.path('actions.jsonl');
    writeFileSync(script, ACTIONS.map((a) => JSON.stringify({ after_ms: GAP_MS, ...a.script })).join('\n'));
    const log = temp.path('input.rrlog');
    const run = (args: string[]) => spawnSync(process.execPath, [RRVM_CLI, ...args], { cwd: REPO_ROOT, input: '', timeout: 60_000, killSignal: 'SIGKILL', encoding: 'latin1' });
    const rec = run(['record', '--keyboard', '--mouse', '--input-script', script, '-o', log, ELF]);
    expect(rec.status, rec.stderr).toBe(0);
    expect(rec.stdout).toBe(q.console);
    expect(q.console).toContain('key KEY_LEFTSHIFT down\nkey KEY_H down\nkey KEY_H up\nkey KEY_LEFTSHIFT up\n');
    expect(q.console).toContain('rel dx=5 dy=-3\nbtn BTN_LEFT down\nbtn BTN_LEFT up\nrel dx=-12 dy=7\nbtn BTN_RIGHT down\n');
    const rep = run(['replay', log]);
    expect(rep.status, rep.stderr).toBe(0);
    expect(rep.stdout).toBe(q.console);
  }, 90_000);
});
