/* rrvm guest SDK: startup code. Runs in M-mode straight from reset (-bios none). */
    .file "crt0.S"    /* fixed name in the symbol table: keeps builds reproducible */
    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la    gp, __global_pointer$
    .option pop
    la    sp, __stack_top
    /* no trap handler yet: park traps in a tight loop rather than jumping to 0 */
    la    t0, _early_trap
    csrw  mtvec, t0
    /* zero .bss */
    la    t0, __bss_start
    la    t1, __bss_end
1:  bgeu  t0, t1, 2f
    sw    zero, 0(t0)
    addi  t0, t0, 4
    j     1b
2:  li    a0, 0
    li    a1, 0
    call  main
    call  exit          /* exit(main's return value); never returns */
3:  j     3b

    .balign 4
_early_trap:
    li    a0, 0x7f      /* report an unexpected early trap as failure code 127 */
    call  exit
    j     _early_trap
