// Checks the test assembler (asm.ts) against GNU as, so that the instruction tests rest on
// correct encodings. Skips with a printed reason when the cross assembler is missing, and
// fails instead when RRVM_REQUIRE_TOOLS=1.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTool, toolsRequired } from '../../examples/run-guest.js';
import * as A from './asm.js';

const { a0, a1, a2, a3, s0, s1, t0, t1, t6, sp, ra, zero } = A.Reg;

/** [GNU assembler text, our encoding]. */
const CASES: [string, A.Insn][] = [
  ['lui a0, 0x12345', A.lui(a0, 0x12345)],
  ['lui t6, 0xfffff', A.lui(t6, 0xfffff)],
  ['auipc a1, 0x80000', A.auipc(a1, 0x80000)],
  ['jal ra, .+2048', A.jal(ra, 2048)],
  ['jal zero, .-4', A.jal(zero, -4)],
  ['jal a0, .+0x7fffe', A.jal(a0, 0x7fffe)],
  ['jal a0, .-0x80000', A.jal(a0, -0x80000)],
  ['jalr a0, -5(a1)', A.jalr(a0, a1, -5)],
  ['beq a0, a1, .+8', A.beq(a0, a1, 8)],
  ['bne t0, t1, .-4096', A.bne(t0, t1, -4096)],
  ['blt a0, a1, .+4094', A.blt(a0, a1, 4094)],
  ['bge a0, zero, .-2', A.bge(a0, zero, -2)],
  ['bltu s0, s1, .+2050', A.bltu(s0, s1, 2050)],
  ['bgeu a2, a3, .-30', A.bgeu(a2, a3, -30)],
  ['lb a0, -1(a1)', A.lb(a0, a1, -1)],
  ['lh a0, 2047(a1)', A.lh(a0, a1, 2047)],
  ['lw a0, -2048(a1)', A.lw(a0, a1, -2048)],
  ['lbu a0, 3(a1)', A.lbu(a0, a1, 3)],
  ['lhu a0, 6(a1)', A.lhu(a0, a1, 6)],
  ['sb a0, -1(a1)', A.sb(a0, a1, -1)],
  ['sh a0, 2047(a1)', A.sh(a0, a1, 2047)],
  ['sw t6, -2048(sp)', A.sw(t6, sp, -2048)],
  ['addi a0, a1, -2048', A.addi(a0, a1, -2048)],
  ['slti a0, a1, -1', A.slti(a0, a1, -1)],
  ['sltiu a0, a1, 5', A.sltiu(a0, a1, 5)],
  ['xori a0, a1, -1', A.xori(a0, a1, -1)],
  ['ori a0, a1, 0x7ff', A.ori(a0, a1, 0x7ff)],
  ['andi a0, a1, 0xf0', A.andi(a0, a1, 0xf0)],
  ['slli a0, a1, 31', A.slli(a0, a1, 31)],
  ['srli a0, a1, 1', A.srli(a0, a1, 1)],
  ['srai a0, a1, 31', A.srai(a0, a1, 31)],
  ['add a0, a1, a2', A.add(a0, a1, a2)],
  ['sub a0, a1, a2', A.sub(a0, a1, a2)],
  ['sll a0, a1, a2', A.sll(a0, a1, a2)],
  ['slt a0, a1, a2', A.slt(a0, a1, a2)],
  ['sltu a0, a1, a2', A.sltu(a0, a1, a2)],
  ['xor a0, a1, a2', A.xor(a0, a1, a2)],
  ['srl a0, a1, a2', A.srl(a0, a1, a2)],
  ['sra a0, a1, a2', A.sra(a0, a1, a2)],
  ['or a0, a1, a2', A.or(a0, a1, a2)],
  ['and a0, a1, a2', A.and(a0, a1, a2)],
  ['mul a0, a1, a2', A.mul(a0, a1, a2)],
  ['mulh a0, a1, a2', A.mulh(a0, a1, a2)],
  ['mulhsu a0, a1, a2', A.mulhsu(a0, a1, a2)],
  ['mulhu a0, a1, a2', A.mulhu(a0, a1, a2)],
  ['div a0, a1, a2', A.div(a0, a1, a2)],
  ['divu a0, a1, a2', A.divu(a0, a1, a2)],
  ['rem a0, a1, a2', A.rem(a0, a1, a2)],
  ['remu a0, a1, a2', A.remu(a0, a1, a2)],
  ['fence', A.fence()],
  ['fence.i', A.fence_i()],
  ['ecall', A.ecall()],
  ['ebreak', A.ebreak()],
  ['mret', A.mret()],
  ['wfi', A.wfi()],
  ['lr.w a0, (a1)', A.lr_w(a0, a1)],
  ['sc.w a0, a2, (a1)', A.sc_w(a0, a2, a1)],
  ['amoswap.w a0, a2, (a1)', A.amoswap_w(a0, a2, a1)],
  ['amoadd.w a0, a2, (a1)', A.amoadd_w(a0, a2, a1)],
  ['amoxor.w a0, a2, (a1)', A.amoxor_w(a0, a2, a1)],
  ['amoand.w a0, a2, (a1)', A.amoand_w(a0, a2, a1)],
  ['amoor.w a0, a2, (a1)', A.amoor_w(a0, a2, a1)],
  ['amomin.w a0, a2, (a1)', A.amomin_w(a0, a2, a1)],
  ['amomax.w a0, a2, (a1)', A.amomax_w(a0, a2, a1)],
  ['amominu.w a0, a2, (a1)', A.amominu_w(a0, a2, a1)],
  ['amomaxu.w a0, a2, (a1)', A.amomaxu_w(a0, a2, a1)],
  ['csrrw a0, mscratch, a1', A.csrrw(a0, 0x340, a1)],
  ['csrrs a0, mstatus, a1', A.csrrs(a0, 0x300, a1)],
  ['csrrc a0, mie, a1', A.csrrc(a0, 0x304, a1)],
  ['csrrwi a0, mscratch, 31', A.csrrwi(a0, 0x340, 31)],
  ['csrrsi a0, mstatus, 8', A.csrrsi(a0, 0x300, 8)],
  ['csrrci a0, mstatus, 8', A.csrrci(a0, 0x300, 8)],
  ['c.addi s0, -32', A.c_addi(s0, -32)],
  ['c.addi a0, 31', A.c_addi(a0, 31)],
  ['c.li t6, -1', A.c_li(t6, -1)],
  ['c.lui a0, 0xfffe0', A.c_lui(a0, -32)],
  ['c.lui a0, 0x1f', A.c_lui(a0, 31)],
  ['c.addi16sp sp, -512', A.c_addi16sp(-512)],
  ['c.addi16sp sp, 496', A.c_addi16sp(496)],
  ['c.addi4spn a0, sp, 1020', A.c_addi4spn(a0, 1020)],
  ['c.addi4spn s1, sp, 4', A.c_addi4spn(s1, 4)],
  ['c.slli a0, 31', A.c_slli(a0, 31)],
  ['c.srli a5, 1', A.c_srli(15, 1)],
  ['c.srai s0, 31', A.c_srai(s0, 31)],
  ['c.andi a0, -1', A.c_andi(a0, -1)],
  ['c.sub a0, a1', A.c_sub(a0, a1)],
  ['c.xor s0, s1', A.c_xor(s0, s1)],
  ['c.or a2, a3', A.c_or(a2, a3)],
  ['c.and a0, s1', A.c_and(a0, s1)],
  ['c.mv a0, t6', A.c_mv(a0, t6)],
  ['c.add a0, t6', A.c_add(a0, t6)],
  ['c.jr ra', A.c_jr(ra)],
  ['c.jalr t0', A.c_jalr(t0)],
  ['c.ebreak', A.c_ebreak()],
  ['c.lw a0, 124(s1)', A.c_lw(a0, s1, 124)],
  ['c.lw a0, 4(s1)', A.c_lw(a0, s1, 4)],
  ['c.sw a0, 64(s1)', A.c_sw(a0, s1, 64)],
  ['c.lwsp t6, 252(sp)', A.c_lwsp(t6, 252)],
  ['c.swsp t6, 132(sp)', A.c_swsp(t6, 132)],
  ['c.j .-2048', A.c_j(-2048)],
  ['c.j .+2046', A.c_j(2046)],
  ['c.jal .+1234', A.c_jal(1234)],
  ['c.beqz s0, .-256', A.c_beqz(s0, -256)],
  ['c.bnez a5, .+254', A.c_bnez(15, 254)],
  ['c.bnez a0, .+42', A.c_bnez(a0, 42)],
];

const as = findTool('riscv64-unknown-elf-as');
const objcopy = findTool('riscv64-unknown-elf-objcopy');
const missing = as === undefined || objcopy === undefined;
if (missing && !toolsRequired()) console.log('asm.gnu.test: riscv64-unknown-elf-as/objcopy not on PATH, skipped');

describe('test assembler (asm.ts)', () => {
  it.skipIf(missing && !toolsRequired())('encodes every instruction exactly as GNU as does', () => {
    expect(missing, 'riscv64-unknown-elf-as and -objcopy are required (RRVM_REQUIRE_TOOLS=1)').toBe(false);
    const dir = mkdtempSync(join(tmpdir(), 'rrvm-asm-'));
    try {
      // One instruction per line, each on its own so that `.` offsets are relative to it.
      // GNU as compresses 32-bit mnemonics when RVC is on, so switch it per line.
      const lines = CASES.map(([text, insn]) => `${typeof insn === 'number' ? '.option norvc' : '.option rvc'}\n${text}`);
      const source = ['.option norelax', ...lines, ''].join('\n');
      writeFileSync(join(dir, 'a.s'), source);
      const asm = spawnSync(as!, ['-march=rv32imac_zicsr_zifencei', '-mabi=ilp32', '-o', join(dir, 'a.o'), join(dir, 'a.s')], { encoding: 'utf8', timeout: 20_000 });
      expect(asm.status, asm.stderr).toBe(0);
      const copy = spawnSync(objcopy!, ['-O', 'binary', '-j', '.text', join(dir, 'a.o'), join(dir, 'a.bin')], { encoding: 'utf8', timeout: 20_000 });
      expect(copy.status, copy.stderr).toBe(0);
      const gnu = new Uint8Array(readFileSync(join(dir, 'a.bin')));
      const ours = A.assemble(CASES.map(([, insn]) => insn));
      // Compare per instruction so a mismatch names it.
      let at = 0;
      for (const [text, insn] of CASES) {
        const size = A.sizeOf(insn);
        const hex = (b: Uint8Array) => [...b].reverse().map((v) => v.toString(16).padStart(2, '0')).join('');
        expect(hex(ours.subarray(at, at + size)), text).toBe(hex(gnu.subarray(at, at + size)));
        at += size;
      }
      expect(gnu.length).toBe(ours.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds li from one addi or a lui/addi pair that sums to the value', () => {
    expect(A.li(A.Reg.a0, 5)).toEqual([A.addi(a0, 0, 5)]);
    expect(A.li(A.Reg.a0, 0x12345800)).toEqual([A.lui(a0, 0x12346), A.addi(a0, a0, -0x800)]);
    expect(A.li(A.Reg.a0, 0x80000000)).toEqual([A.lui(a0, 0x80000)]);
  });
});
