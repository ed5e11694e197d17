import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { RrvmError } from '../../../src/core/rrvm-error.js';
import { serialFile$ } from '../../../streams/sources/serial-file.js';
import { serialIn$ } from '../../../streams/sources/serial-in.js';
import { tempDir } from '../stream-fixtures.js';

const temp = tempDir('serial');
afterAll(temp.remove);

describe('serialIn$', () => {
  it('emits each chunk as a copied Uint8Array and completes at end', async () => {
    const input = new PassThrough();
    const all = lastValueFrom(serialIn$(input).pipe(toArray()));
    const chunk = Buffer.from('ls\n');
    input.write(chunk);
    input.write(Buffer.from([0x03]));
    input.end();
    const chunks = await all;
    expect(chunks).toEqual([new Uint8Array(Buffer.from('ls\n')), Uint8Array.of(0x03)]);
    expect(chunks[0]).not.toBeInstanceOf(Buffer);
    chunk[0] = 0;
    expect(chunks[0]![0]).toBe(0x6c);
  });

  it('emits a read error as RrvmError input.read', async () => {
    const input = new PassThrough();
    const all = lastValueFrom(serialIn$(input));
    input.destroy(new Error('EIO'));
    await expect(all).rejects.toEqual(new RrvmError('input.read', 'cannot read serial input: EIO'));
  });

  it('removes its listeners and pauses, without destroying the stream, when unsubscribed', () => {
    const input = new PassThrough();
    const subscription = serialIn$(input).subscribe();
    expect(input.listenerCount('data')).toBe(1);
    subscription.unsubscribe();
    expect(['data', 'end', 'error'].map((e) => input.listenerCount(e))).toEqual([0, 0, 0]);
    expect(input.isPaused()).toBe(true);
    expect(input.destroyed).toBe(false);
  });
});

describe('serialFile$', () => {
  it('emits the whole file once, then completes', async () => {
    const path = join(temp.dir, 'input.txt');
    writeFileSync(path, 'hello\nq');
    expect(await lastValueFrom(serialFile$(path).pipe(toArray()))).toEqual([new TextEncoder().encode('hello\nq')]);
  });

  it('reports a missing file as RrvmError input.read', async () => {
    await expect(lastValueFrom(serialFile$('x'))).rejects.toEqual(
      new RrvmError('input.read', "cannot read serial input 'x': no such file"),
    );
  });
});
