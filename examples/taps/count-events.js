// count-events.js — an rrvm tap: counts events per kind and prints a summary on stderr
// when the run's event stream ends. Plain ESM, no build step, nothing imported from rrvm.
//
// A tap is the default export: a function that receives the session and subscribes to
// what it wants. Returning the subscription lets rrvm unsubscribe it if the run is aborted.

export default function countEvents(session) {
  const counts = new Map();
  let lastIcount = 0;
  const summary = (ending) => {
    const lines = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([kind, n]) => `  ${kind.padEnd(10)} ${n}`);
    process.stderr.write(`count-events (${session.mode}, ${ending} at icount ${lastIcount}):\n${lines.join('\n')}\n`);
  };
  return session.events$.subscribe({
    next: (event) => {
      counts.set(event.kind, (counts.get(event.kind) ?? 0) + 1);
      lastIcount = event.icount;
    },
    complete: () => summary('completed'),
    error: () => summary('failed'),
  });
}

// Try:
//   rrvm record -o run.rrlog --tap ./examples/taps/count-events.js examples/clock/clock.elf
//   rrvm replay run.rrlog --tap ./examples/taps/count-events.js
//   rrvm replay run.rrlog --tap ./examples/taps/count-events.js --tap events-jsonl=run.jsonl
