/* isa-selftest: the parts that must be written in assembly. */
    .file "asm.S"    /* fixed name in the symbol table: keeps builds reproducible */

/* ---- C extension --------------------------------------------------------------
 * uint32_t c_test(uint32_t *buf): uses explicit compressed mnemonics only, so the
 * assembler cannot expand them; returns an accumulated value checked in C. */
    .section .text
    .option push
    .option rvc
    .balign 4
    .globl c_test
c_test:
    c.addi16sp sp, -32          /* sp -= 32 */
    c.swsp  ra, 28(sp)
    c.swsp  s0, 24(sp)
    c.mv    s0, a0              /* s0 = buf */
    c.li    a5, 0               /* a5 = acc = 0 */
    c.li    a4, 5
    c.addi  a4, 3               /* a4 = 8 */
    c.slli  a4, 2               /* a4 = 32 */
    c.mv    a5, a4              /* acc = 32 */
    c.add   a5, a4              /* acc = 64 */
    c.lui   a3, 0x12            /* a3 = 0x12000 */
    c.or    a5, a3              /* acc = 0x12040 */
    c.li    a2, -1              /* a2 = 0xffffffff */
    c.xor   a2, a5              /* a2 = ~0x12040 = 0xfffedfbf */
    c.andi  a2, -16             /* a2 = 0xfffedfb0 */
    c.srai  a2, 4               /* a2 = 0xffffedfb */
    c.srli  a2, 8               /* a2 = 0x00ffffed */
    c.sub   a5, a2              /* acc = 0x12040 - 0xffffed = 0xff012053 */
    c.and   a2, a3              /* a2 = 0x00ffffed & 0x12000 = 0x12000 */
    c.add   a5, a2              /* acc = 0xff024053 */
    /* memory: c.sw / c.lw through s0, c.swsp / c.lwsp, c.addi4spn */
    c.sw    a5, 4(s0)           /* buf[1] = acc */
    c.lw    a4, 4(s0)           /* a4 = acc */
    c.addi4spn a1, sp, 8        /* a1 = sp + 8 */
    c.sw    a4, 0(a1)           /* [sp+8] = acc */
    c.lwsp  a3, 8(sp)           /* a3 = acc */
    c.swsp  a3, 12(sp)
    c.lw    a2, 4(a1)           /* a2 = [sp+12] = acc */
    c.sub   a2, a5              /* a2 = 0 if the round trips worked */
    c.bnez  a2, 9f              /* not taken */
    /* loop: c.bnez taken 9 times */
    c.li    a1, 10
1:  c.addi  a5, 3
    c.addi  a1, -1
    c.bnez  a1, 1b              /* acc += 30 -> 0xff024071 */
    c.beqz  a1, 2f              /* taken */
    c.li    a5, 0               /* skipped */
2:  c.j     3f
    c.li    a5, 0               /* skipped */
3:  c.jal   c_sub1              /* acc += 16 -> 0xff024081 (c.jal exists on RV32 only) */
    lui     t0, %hi(c_sub2)
    addi    t0, t0, %lo(c_sub2)
    c.jalr  t0                  /* acc ^= 0x505a -> 0xff0210db */
    c.nop
    c.mv    a0, a5
    c.j     4f
9:  c.li    a0, 0               /* failure path */
4:  c.lwsp  s0, 24(sp)
    c.lwsp  ra, 28(sp)
    c.addi16sp sp, 32
    c.jr    ra

c_sub1:
    c.addi  a5, 16
    c.jr    ra
c_sub2:
    lui     a4, 0x5
    addi    a4, a4, 0x5a
    c.xor   a5, a4
    c.jr    ra
    .option pop

/* ---- fence.i / self-modifying code -------------------------------------------
 * smc_func returns its first instruction's immediate: `addi a0, zero, IMM`.
 * The test rewrites that word, executes fence.i, and calls it again. */
    .option push
    .option norvc
    .balign 4
    .globl smc_func
smc_func:
    addi    a0, zero, 1
    ret
    .option pop

/* ---- user mode -----------------------------------------------------------------
 * uint32_t run_user(void (*entry)(void)): mret to entry in U-mode (MPP = 0). The
 * U-mode code ends with ecall; the trap handler answers mcause 8 by setting MPP = M
 * and resuming at user_return, which returns to the caller in M-mode. */
    .balign 4
    .globl run_user
run_user:
    csrw    mepc, a0
    li      t0, 0x1800          /* mstatus.MPP */
    csrc    mstatus, t0         /* MPP = U */
    mret
    .globl user_return
user_return:
    ret                         /* a0 = the value the U-mode code left */

    .balign 4
    .globl user_entry
    .globl user_ecall
user_entry:
    li      a0, 0x5a
    csrr    t0, mscratch        /* illegal in U-mode: the handler skips it */
    addi    a0, a0, 1
user_ecall:
    ecall                       /* mcause 8 */
1:  j       1b
