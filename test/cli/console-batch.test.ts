import { describe, expect, it } from 'vitest';
import { ConsoleBatch } from '../../src/cli/console-batch.js';

describe('ConsoleBatch', () => {
  it('writes the bytes pushed, in order, in one write per flush', () => {
    const writes: number[][] = [];
    const batch = new ConsoleBatch((bytes) => writes.push([...bytes]));
    batch.push(Uint8Array.of(1));
    batch.push(Uint8Array.of(2, 3));
    expect(writes).toEqual([]);
    batch.flush();
    batch.flush();
    batch.push(Uint8Array.of(4));
    batch.flush();
    expect(writes).toEqual([[1, 2, 3], [4]]);
  });

  it('flushes on its own once the limit is reached', () => {
    const writes: number[] = [];
    const batch = new ConsoleBatch((bytes) => writes.push(bytes.length), 4);
    for (let i = 0; i < 10; i++) batch.push(Uint8Array.of(i));
    expect(writes).toEqual([4, 4]);
    batch.flush();
    expect(writes).toEqual([4, 4, 2]);
  });
});
