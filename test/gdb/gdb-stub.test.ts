import { beforeEach, describe, expect, it } from 'vitest';
import { GdbStub, WRITE_REFUSED, type StubOutcome } from '../../src/gdb/gdb-stub.js';
import { textToHex } from '../../src/gdb/rsp-hex.js';
import { TARGET_XML } from '../../src/gdb/target-xml.js';
import { FakeTarget } from './fake-target.js';

let target: FakeTarget;
let sent: string[];
let stub: GdbStub;

beforeEach(() => {
  target = new FakeTarget();
  sent = [];
  stub = new GdbStub(target, (data) => sent.push(data));
});

/** Handles one packet; returns the replies it sent. */
async function ask(packet: string): Promise<string[]> {
  sent.length = 0;
  await stub.handle(packet);
  return [...sent];
}

/** The text inside a run of `O` packets. */
function consoleText(replies: string[]): string {
  return replies
    .filter((r) => r.startsWith('O') && r !== 'OK')
    .map((r) => Buffer.from(r.slice(1), 'hex').toString('utf8'))
    .join('');
}

describe('GdbStub queries', () => {
  it('advertises the packet size, target description, reverse execution and no-ack mode', async () => {
    expect(await ask('qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386')).toEqual([
      'PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;ReverseStep+;ReverseContinue+;QStartNoAckMode+',
    ]);
  });

  it('answers the thread and attach queries for its one thread', async () => {
    expect(await ask('qAttached')).toEqual(['1']);
    expect(await ask('qAttached:1')).toEqual(['1']);
    expect(await ask('qC')).toEqual(['QC1']);
    expect(await ask('qfThreadInfo')).toEqual(['m1']);
    expect(await ask('qsThreadInfo')).toEqual(['l']);
    expect(await ask('Hg0')).toEqual(['OK']);
    expect(await ask('Hc-1')).toEqual(['OK']);
    expect(await ask('?')).toEqual(['T05thread:1;']);
  });

  it('gives the empty reply to packets it does not know', async () => {
    expect(await ask('vMustReplyEmpty')).toEqual(['']);
    expect(await ask('qTStatus')).toEqual(['']);
    expect(await ask('qXfer:threads:read::0,fff')).toEqual(['']);
    expect(await ask('!')).toEqual(['']);
    expect(await ask('Z9,80000000,4')).toEqual(['']);
  });

  it('says which vCont actions it supports', async () => {
    expect(await ask('vCont?')).toEqual(['vCont;c;C;s;S']);
  });

  it('switches to no-ack mode after answering OK', async () => {
    sent.length = 0;
    const outcome: StubOutcome = await stub.handle('QStartNoAckMode');
    expect(outcome).toBe('no-ack');
    expect(sent).toEqual(['OK']);
  });

  it('serves target.xml in pieces: m while more follows, l for the last', async () => {
    const [first] = await ask('qXfer:features:read:target.xml:0,100');
    expect(first).toBe('m' + TARGET_XML.slice(0, 0x100));
    let xml = '';
    for (let offset = 0; ; offset += 0x200) {
      const [piece] = await ask(`qXfer:features:read:target.xml:${offset.toString(16)},200`);
      xml += piece!.slice(1);
      if (piece![0] === 'l') break;
      expect(piece![0]).toBe('m');
    }
    expect(xml).toBe(TARGET_XML);
    expect(await ask(`qXfer:features:read:target.xml:${TARGET_XML.length.toString(16)},200`)).toEqual(['l']);
    expect(await ask('qXfer:features:read:other.xml:0,200')).toEqual(['E00']);
  });
});

describe('GdbStub reads', () => {
  it('g: x0..x31 and pc, 32 bits each, little-endian', async () => {
    const [reply] = await ask('g');
    expect(reply).toHaveLength(33 * 8);
    expect(reply!.slice(0, 16)).toBe('0000000001010101');
    expect(reply!.slice(31 * 8)).toBe('1f1f1f1f10000080');
  });

  it('p: one register; a described register the target cannot read is xxxxxxxx; an unknown number is an error', async () => {
    expect(await ask('p20')).toEqual(['10000080']);
    expect(await ask('pa')).toEqual(['0a0a0a0a']);
    expect(await ask(`p${(65 + 0x300).toString(16)}`)).toEqual(['00180000']);
    expect(await ask(`p${(65 + 0x341).toString(16)}`)).toEqual(['xxxxxxxx']);
    expect(await ask('p21')).toEqual(['E01']);
    expect(await ask('pzz')).toEqual(['E01']);
  });

  it('m: memory as hex; E14 when any byte is outside RAM', async () => {
    expect(await ask('m80000004,4')).toEqual(['04050607']);
    expect(await ask('m8000003e,2')).toEqual(['3e3f']);
    expect(await ask('m8000003e,4')).toEqual(['E14']);
    expect(await ask('m10000000,1')).toEqual(['E14']);
    expect(await ask('m8000')).toEqual(['E01']);
  });
});

describe('GdbStub refuses writes', () => {
  it.each(['G' + '00'.repeat(132), 'P20=00000080', 'M80000000,1:ff', 'X80000000,1:\xff', 'c80000000', 'S05;80000000'])('%s', async (packet) => {
    expect(await ask(packet)).toEqual([WRITE_REFUSED]);
    expect(target.calls).toEqual([]);
  });

  it('says why, in the E.text form gdb prints', () => {
    expect(WRITE_REFUSED).toMatch(/^E\.[^#$}*]*refuses writes.*replay would diverge/);
  });
});

describe('GdbStub breakpoints and watchpoints', () => {
  it('Z0/z0 and Z1/z1 set and remove breakpoints; an address set both ways is removed once', async () => {
    expect(await ask('Z0,80000010,2')).toEqual(['OK']);
    expect(await ask('Z1,80000010,4')).toEqual(['OK']);
    expect(await ask('z0,80000010,2')).toEqual(['OK']);
    expect(target.calls).toEqual(['setBreakpoint 0x80000010']);
    expect(await ask('z1,80000010,4')).toEqual(['OK']);
    expect(target.calls).toEqual(['setBreakpoint 0x80000010', 'removeBreakpoint 0x80000010']);
  });

  it('Z2/Z3/Z4 set write, read and access watchpoints with their length; z removes them', async () => {
    expect(await ask('Z2,80001004,4')).toEqual(['OK']);
    expect(await ask('Z3,80001008,2')).toEqual(['OK']);
    expect(await ask('Z4,8000100c,1')).toEqual(['OK']);
    expect(await ask('z2,80001004,4')).toEqual(['OK']);
    expect(target.calls).toEqual([
      'setWatchpoint write 0x80001004 4',
      'setWatchpoint read 0x80001008 2',
      'setWatchpoint access 0x8000100c 1',
      'removeWatchpoint write 0x80001004 4',
    ]);
  });

  it('ignores a breakpoint condition list after the kind', async () => {
    expect(await ask('Z0,80000010,4;X2,0a0b')).toEqual(['OK']);
    expect(target.calls).toEqual(['setBreakpoint 0x80000010']);
  });
});

describe('GdbStub resume and stop replies', () => {
  it.each([
    ['c', 'continue'],
    ['s', 'step'],
    ['C05', 'continue'],
    ['S05', 'step'],
    ['vCont;c', 'continue'],
    ['vCont;s:1;c', 'step'],
    ['vCont;C05:1', 'continue'],
    ['bc', 'reverse-continue'],
    ['bs', 'reverse-step'],
  ])('%s resumes with %s', async (packet, action) => {
    target.stops.push({ reason: 'step' });
    expect(await ask(packet)).toEqual(['T05thread:1;']);
    expect(target.calls).toEqual([`resume ${action}`]);
  });

  it('reports a Z0 breakpoint as swbreak and a Z1-only one as hwbreak', async () => {
    await ask('Z1,80000020,4');
    target.stops.push({ reason: 'breakpoint', pc: 0x80000010 }, { reason: 'breakpoint', pc: 0x80000020 });
    expect(await ask('c')).toEqual(['T05swbreak:;thread:1;']);
    expect(await ask('c')).toEqual(['T05hwbreak:;thread:1;']);
  });

  it('reports watchpoints by kind with the address', async () => {
    target.stops.push(
      { reason: 'watchpoint', kind: 'write', address: 0x80001004 },
      { reason: 'watchpoint', kind: 'read', address: 0x80001008 },
      { reason: 'watchpoint', kind: 'access', address: 0x8000100c },
    );
    expect(await ask('vCont;c')).toEqual(['T05watch:80001004;thread:1;']);
    expect(await ask('bc')).toEqual(['T05rwatch:80001008;thread:1;']);
    expect(await ask('bs')).toEqual(['T05awatch:8000100c;thread:1;']);
    expect(target.calls).toEqual(['resume continue', 'resume reverse-continue', 'resume reverse-step']);
  });

  it('reports the ends of the recording as replaylog stops, the end with its message on the console first', async () => {
    target.stops.push(
      { reason: 'start-of-log' },
      { reason: 'end-of-log', message: 'rrvm: end of the recording at icount 1000: guest halted (pass)' },
      { reason: 'divergence', message: 'replay diverged from the recording at icount 7' },
    );
    expect(await ask('bc')).toEqual(['T05replaylog:begin;thread:1;']);
    const end = await ask('c');
    expect(end).toEqual([`O${textToHex('rrvm: end of the recording at icount 1000: guest halted (pass)\n')}`, 'T05replaylog:end;thread:1;']);
    const diverged = await ask('c');
    expect(consoleText(diverged)).toBe('rrvm: replay diverged from the recording at icount 7\n');
    expect(diverged.at(-1)).toBe('T05replaylog:end;thread:1;');
  });

  it('forwards Ctrl-C to a running resume and reports SIGINT', async () => {
    const running = stub.handle('vCont;c');
    await new Promise((r) => setTimeout(r, 5));
    stub.interrupt();
    await running;
    expect(sent).toEqual(['T02thread:1;']);
    expect(target.calls).toEqual(['resume continue', 'interrupt']);
  });

  it('ignores Ctrl-C when nothing runs', () => {
    stub.interrupt();
    expect(target.calls).toEqual([]);
  });
});

describe('GdbStub monitor commands', () => {
  const rcmd = (command: string): Promise<string[]> => ask(`qRcmd,${textToHex(command)}`);

  it('icount prints the icount alone on its line, then OK', async () => {
    target.icount = 1234;
    const replies = await rcmd('icount');
    expect(replies.at(-1)).toBe('OK');
    expect(consoleText(replies)).toBe('1234\n');
  });

  it('seek moves the target and says where it is', async () => {
    const replies = await rcmd('seek 500');
    expect(target.calls).toEqual(['seek 500']);
    expect(consoleText(replies)).toMatch(/^rrvm: at icount 500; run `maint flush register-cache`/);
    expect(replies.at(-1)).toBe('OK');
  });

  it('seek accepts k/M/G suffixes and reports a stop on the way', async () => {
    const replies = await rcmd('seek 2k');
    expect(target.calls).toEqual(['seek 2000']);
    expect(consoleText(replies)).toMatch(/^rrvm: end of the recording at icount 1000: guest halted \(pass\)\nrrvm: at icount 1000;/);
  });

  it('seek without a number explains its usage and does not move', async () => {
    expect(consoleText(await rcmd('seek soon'))).toMatch(/^rrvm: usage: monitor seek ICOUNT .*ends at 1000/);
    expect(target.calls).toEqual([]);
  });

  it('info, snapshot and help print their lines', async () => {
    expect(consoleText(await rcmd('info'))).toBe('fake recording, icount 0 of 1000\n');
    expect(consoleText(await rcmd('snapshot'))).toBe('snapshot at icount 0\n');
    const help = consoleText(await rcmd('help'));
    for (const command of ['icount', 'seek', 'info', 'snapshot', 'help']) expect(help).toContain(`monitor ${command}`);
  });

  it('an unknown command says so and still answers OK', async () => {
    const replies = await rcmd('frobnicate');
    expect(consoleText(replies)).toBe("rrvm: unknown monitor command 'frobnicate'; `monitor help` lists them\n");
    expect(replies.at(-1)).toBe('OK');
  });

  it('a qRcmd that is not hex is an error', async () => {
    expect(await ask('qRcmd,zz')).toEqual(['E01']);
  });
});

describe('GdbStub detach and kill', () => {
  it('D answers OK and ends the session', async () => {
    sent.length = 0;
    expect(await stub.handle('D')).toBe('detach');
    expect(sent).toEqual(['OK']);
  });

  it('k ends the session without a reply; vKill answers OK', async () => {
    sent.length = 0;
    expect(await stub.handle('k')).toBe('kill');
    expect(sent).toEqual([]);
    expect(await stub.handle('vKill;1')).toBe('kill');
    expect(sent).toEqual(['OK']);
  });
});
