import type { LogReader, LogWriter } from '../../codecs/index.js';

/**
 * Appends the events of `reader` with seq in [fromSeq, toSeq) to `writer`, leaving out the
 * SNAPSHOT events when `dropSnapshots` (their stored positions belong to the source log); an
 * END closes the writer. Returns how many events were appended.
 */
export function copyEvents(reader: LogReader, fromSeq: number, toSeq: number, writer: LogWriter, dropSnapshots: boolean): number {
  let copied = 0;
  for (const chunk of reader.eventChunksFromSeq(fromSeq)) {
    for (const e of chunk) {
      if (e.seq < fromSeq) continue;
      if (e.seq >= toSeq) return copied;
      if (dropSnapshots && e.kind === 'SNAPSHOT') continue;
      if (e.kind === 'END') writer.close({ icount: e.icount });
      else writer.append(e);
      copied++;
    }
  }
  return copied;
}
