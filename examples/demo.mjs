// The README's demo: record the echo guest fed a timed input script, replay the log, and check
// that the replay printed exactly what the recording did. Run with `npm run demo`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const log = join(mkdtempSync(join(tmpdir(), 'rrvm-demo-')), 'echo.rrlog');

function rrvm(title, ...args) {
  console.log(`\n== ${title}\n$ rrvm ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'latin1' });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (r.status !== 0) {
    console.error(`demo: rrvm ${args[0]} exited with status ${r.status}`);
    process.exit(1);
  }
  return r.stdout;
}

const recorded = rrvm('record (input from a script, with delays)', 'record', '--input-script', 'examples/echo/demo-input.jsonl', '-o', log, 'examples/echo/echo.elf');
rrvm('what the log holds', 'info', log);
const replayed = rrvm('replay (no input: everything comes from the log)', 'replay', log);
rrvm('verify (replay with every check, no output)', 'verify', log);
if (replayed !== recorded) {
  console.error('\ndemo: the replay printed something else than the recording');
  process.exit(1);
}
console.log(`\nreplay matched the recording byte for byte (${recorded.length} bytes of console output)`);
