// `--keyboard`, `--mouse`, `--tablet` and input-script key/mouse lines end to end through the
// built CLI: the input-log guest records and replays with the same console, `rrvm dump` names
// the evdev events, and bad input is one line and exit 1.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../engine/harness.js';
import { findTool } from '../examples/run-guest.js';
import { REPO_ROOT, RRVM_CLI, describeCli, expectOneLineError, rrvm } from './cli-harness.js';

const temp = tempDir('cli-input');
afterAll(temp.remove);
const ELF = join(REPO_ROOT, 'examples', 'input-log', 'input-log.elf');
const KEYS = join(REPO_ROOT, 'examples', 'input-log', 'keys.jsonl');


describe('input devices on the command line', () => {
  it('records input-log from the example script (devices attached by its lines) and replays the same console', () => {
    const log = temp.path('keys.rrlog');
    const rec = rrvm(['record', '--input-script', KEYS, '-o', log, ELF]);
    expect(rec.code, describeCli(rec)).toBe(0);
    const out = rec.stdout.toString('latin1');
    expect(out).toContain('input-log: mouse in slot 6\ninput-log: keyboard in slot 7\n');
    expect(out).toContain('key KEY_LEFTSHIFT down\nkey KEY_H down\n');
    // Keyboard and mouse lines interleave as the host's timing put them into checkpoints: check the mouse's on their own.
    const mouse = out.split('\n').filter((l) => !l.startsWith('key ')).join('\n');
    expect(mouse).toContain('rel dx=5 dy=-3\nbtn BTN_LEFT down\nbtn BTN_LEFT up\nrel dx=-1 dy=2 wheel=1\ninput-log: bye\n');
    expect(out).toMatch(/key KEY_ESC down\n(?:.*\n)*input-log: bye\n$/);
    const rep = rrvm(['replay', log]);
    expect(rep.code, describeCli(rep)).toBe(0);
    expect(rep.stdout.equals(rec.stdout)).toBe(true);
    const dump = rrvm(['dump', log]).stdout.toString('utf8');
    expect(dump).toMatch(/^INPUT @\d+ #\d+ device=keyboard events="KEY_LEFTSHIFT=1 SYN_REPORT KEY_H=1 SYN_REPORT/m);
    expect(dump).toMatch(/^INPUT @\d+ #\d+ device=mouse events="REL_X=5 REL_Y=-3 SYN_REPORT BTN_LEFT=1 SYN_REPORT/m);
  });

  it('attaches the devices asked for in QEMU order: keyboard, mouse, tablet after the rng', () => {
    const script = temp.path('esc.jsonl');
    writeFileSync(script, '{"after_ms": 10, "key": "KEY_ESC", "down": true}\n');
    const r = rrvm(['run', '--rng', '--tablet', '--mouse', '--input-script', script, ELF]);
    expect(r.code, describeCli(r)).toBe(0);
    expect(r.stdout.toString('latin1')).toMatch(/^input-log: mouse in slot 5\ninput-log: keyboard in slot 6\n/);
  });

  it('names an unknown key in one line, exit 1', () => {
    const script = temp.path('bad-key.jsonl');
    writeFileSync(script, '{"after_ms": 10, "key": "KEY_A", "down": true}\n{"key": "KEY_SHIFTY", "down": true}\n');
    expectOneLineError(rrvm(['record', '--input-script', script, '-o', temp.path('bad.rrlog'), ELF]), /bad-key\.jsonl:2: unknown key "KEY_SHIFTY"/);
  });

  it('refuses --keyboard with a value other than tty, and --keyboard tty without a terminal', () => {
    expectOneLineError(rrvm(['run', '--keyboard', 'usb', ELF]), /--keyboard/);
    expectOneLineError(rrvm(['run', '--keyboard', 'tty', ELF]), /--keyboard tty needs a terminal on stdin/);
  });

  // `script` (util-linux) gives rrvm a pseudo-terminal; the keys are typed into it after rrvm has started.
  it.skipIf(!findTool('script'))('--keyboard tty: keys typed in the terminal reach the keyboard and replay; Ctrl-C stops', () => {
    const typed = (keys: string, log: string): string => {
      const command = `node ${RRVM_CLI} record --keyboard tty -o ${log} ${ELF}`;
      const r = spawnSync('sh', ['-c', `(sleep 2; printf '${keys}'; sleep 2) | script -qec '${command}' /dev/null`], { encoding: 'latin1', timeout: 30_000 });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.replace(/\r/g, '');
    };
    const log = temp.path('tty.rrlog');
    const out = typed('hI\\033', log);
    expect(out).toContain('key KEY_H down\nkey KEY_H up\nkey KEY_LEFTSHIFT down\nkey KEY_I down\nkey KEY_I up\nkey KEY_LEFTSHIFT up\nkey KEY_ESC down\n');
    expect(out).toContain('input-log: bye\n');
    const rep = rrvm(['replay', log]);
    expect(rep.code, describeCli(rep)).toBe(0);
    expect(rep.stdout.toString('latin1')).toContain('key KEY_I down\nkey KEY_I up\nkey KEY_LEFTSHIFT up\nkey KEY_ESC down\n');
    const stopped = temp.path('ctrl-c.rrlog');
    typed('a\\003', stopped);
    const info = rrvm(['dump', stopped]).stdout.toString();
    expect(info).toMatch(/^SHUTDOWN @\d+ #\d+ reason="Ctrl-C pressed"$/m);
  }, 60_000);
});
