// page-heat.js — an rrvm tap: counts the guest's RAM loads and stores per 4 KiB page (from the
// memory-access stream, session.exec.memory$) and the basic blocks run per code page (from
// session.exec.blocks$), and writes a table when the run ends: to the file given as option
// `file`, or to stderr. Plain ESM, nothing imported from rrvm.
//
// memory$ makes the machine run one instruction at a time (a few million per second):
// attach it to a replay of the stretch you care about (`rrvm replay --until N`).
import { writeFileSync } from 'node:fs';

export default function pageHeat(session) {
  const pages = new Map(); // page number → [loads, stores, blocks]
  const row = (address) => {
    const page = Math.floor(address / 4096);
    let r = pages.get(page);
    if (r === undefined) pages.set(page, (r = [0, 0, 0]));
    return r;
  };
  const report = () => {
    const lines = [...pages].sort(([a], [b]) => a - b).map(([page, [loads, stores, blocks]]) =>
      `${(page * 4096).toString(16).padStart(8, '0')} ${String(loads).padStart(10)} ${String(stores).padStart(10)} ${String(blocks).padStart(10)}`);
    const text = `page         loads     stores     blocks\n${lines.join('\n')}\n`;
    if (session.options.file === undefined) process.stderr.write(text);
    else writeFileSync(session.options.file, text);
  };
  const memory = session.exec.memory$.subscribe({
    next: (b) => {
      for (let i = 0; i < b.count; i++) row(b.address[i])[b.write[i]]++;
    },
    complete: report,
  });
  memory.add(session.exec.blocks$.subscribe((b) => {
    for (let i = 0; i < b.count; i++) row(b.pc[i])[2]++;
  }));
  return memory;
}

// Try:
//   rrvm record -o run.rrlog examples/isa-selftest/isa-selftest.elf
//   rrvm replay run.rrlog --tap ./examples/taps/page-heat.js
//   rrvm replay run.rrlog --tap ./examples/taps/page-heat.js,file=heat.txt
