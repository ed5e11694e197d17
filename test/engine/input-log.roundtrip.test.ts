// The input-log guest (virtio keyboard and mouse) recorded with scripted input and replayed:
// byte-identical console and equal final digest, whatever the slice size; input that does not
// fit the guest's event buffers waits on the host side and reaches the log exactly as the
// guest took it — in order, nothing dropped, split only where the buffers ran out.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InputEvent } from '../../src/core/event.js';
import { keyAction, mouseAction, buttonAction, textActions } from '../../streams/sources/input-actions.js';
import { REPO_ROOT, readEvents, recordGuest, replayLog, stopText, tempDir, type InputStep } from './harness.js';

const temp = tempDir('input-log');
afterAll(temp.remove);

const ELF = join(REPO_ROOT, 'examples', 'input-log', 'input-log.elf');
const VIRTIO = [{ kind: 'virtio-input', device: 'keyboard' }, { kind: 'virtio-input', device: 'mouse' }] as const;
/** 45 characters: 94 key transitions (two need shift), 188 evdev events, six times the guest's 32 event buffers. */
const TEXT = 'The quick brown fox jumps over the lazy dog!\n';
const none = new Uint8Array(0);

const steps: InputStep[] = [
  { delayMs: 5, bytes: none, input: textActions(TEXT) },
  { delayMs: 5, bytes: none, input: [...Array.from({ length: 11 }, () => mouseAction(1, 1, 0)), mouseAction(5, -3, 0), buttonAction('BTN_LEFT', true), buttonAction('BTN_LEFT', false), mouseAction(-1, 2, 1)] },
  { delayMs: 5, bytes: none, input: [keyAction('KEY_ESC', true)] },
];

describe('input-log round trip', () => {
  it('prints every key and mouse group, then replays with identical console and digest at any slice size', async () => {
    const rec = await recordGuest({ elf: ELF, logPath: temp.path('input.rrlog'), virtio: [...VIRTIO], input: { kind: 'script', steps } });
    expect(stopText(rec.stop)).toBe('halt:pass');
    const text = rec.console.toString('latin1');
    // The guest drains the keyboard before the mouse each time it wakes, so the two interleave: check each on its own.
    const keys = text.split('\n').filter((l) => l.startsWith('key ')).join('\n');
    const others = text.split('\n').filter((l) => !l.startsWith('key ')).join('\n');
    expect(keys).toContain('key KEY_LEFTSHIFT down\nkey KEY_T down\nkey KEY_T up\nkey KEY_LEFTSHIFT up\nkey KEY_H down\n');
    expect(keys).toMatch(/key KEY_1 down\nkey KEY_1 up\nkey KEY_LEFTSHIFT up\nkey KEY_ENTER down\nkey KEY_ENTER up\nkey KEY_ESC down$/);
    expect(others).toContain('rel dx=1 dy=1\n'.repeat(11) + 'rel dx=5 dy=-3\nbtn BTN_LEFT down\nbtn BTN_LEFT up\nrel dx=-1 dy=2 wheel=1\ninput-log: bye\n');
    expect(text.match(/^key /gm)).toHaveLength(94 + 1);
    for (const sliceIcount of [undefined, 1000, 37]) {
      const rep = await replayLog(rec.logPath, sliceIcount === undefined ? {} : { sliceIcount });
      expect(rep.console.equals(rec.console)).toBe(true);
      expect(rep.digest).toBe(rec.digest);
      expect(rep.icount).toBe(rec.icount);
    }
  });

  it('logs the keyboard events in script order, nothing dropped, split only where the event buffers ran out', async () => {
    const rec = await recordGuest({ elf: ELF, logPath: temp.path('order.rrlog'), virtio: [...VIRTIO], input: { kind: 'script', steps } });
    const inputs = readEvents(rec.logPath).events.filter((e): e is InputEvent => e.kind === 'INPUT');
    const keyboard = inputs.filter((e) => e.device === 0);
    const sent = [...textActions(TEXT), keyAction('KEY_ESC', true)].flatMap((a) => a.events);
    expect(keyboard.flatMap((e) => e.events)).toEqual(sent);
    // The guest keeps 32 buffers: the text cannot go in whole.
    expect(keyboard[0]!.events.length).toBe(3 * 32);
    // 12 motions of 3 events and 2 clicks of 2 do not fit 32 buffers either: a group is cut where they ran out.
    const mouse = inputs.filter((e) => e.device === 1);
    expect(mouse.flatMap((e) => e.events)).toEqual(steps[1]!.input!.flatMap((a) => a.events));
    expect(mouse[0]!.events.length).toBe(3 * 32);
    expect(mouse[0]!.events.slice(-3).join()).not.toBe('0,0,0');
  });
});
