/* paging: supervisor mode and Sv32. M-mode opens PMP, builds page tables (RAM and the UART
 * identity-mapped by 4 MiB superpages, one 4 KiB page at 0x40000000 remapped onto a data
 * page, the next one left unmapped), delegates page faults to S-mode and drops to S with
 * paging on. S-mode stores through the remapped page, takes a load page fault on the
 * unmapped one, maps it in its handler and retries, then ecalls back to M-mode, which passes. */
#include "rrvm.h"

#define PTE_V (1u << 0)
#define PTE_R (1u << 1)
#define PTE_W (1u << 2)
#define PTE_X (1u << 3)
#define PTE_A (1u << 6)
#define PTE_D (1u << 7)
#define SATP_SV32 0x80000000u
#define MSTATUS_MPP_S (1u << 11)
#define CAUSE_LOAD_PAGE_FAULT 13
#define CAUSE_STORE_PAGE_FAULT 15
#define CAUSE_ECALL_FROM_S 9

#define REMAPPED 0x40000000u        /* mapped onto data_page */
#define LATE     0x40001000u        /* mapped by the S-mode page-fault handler */

static uint32_t root[1024] __attribute__((aligned(4096)));
static uint32_t leaf[1024] __attribute__((aligned(4096)));
static uint32_t data_page[1024] __attribute__((aligned(4096)));
static uint32_t late_page[1024] __attribute__((aligned(4096)));
static volatile uint32_t page_faults;

void s_trap_entry(void);            /* strap.S: saves registers, calls s_trap, sret */

static uint32_t pte_to(const void *page, uint32_t bits)
{
    return (((uint32_t)page >> 12) << 10) | bits;
}

static void put_hex_line(const char *label, uint32_t v)
{
    uart_puts(label);
    uart_puts("0x");
    uart_put_hex(v);
    uart_puts("\n");
}

/* S-mode trap handler, called from strap.S; returns where to resume. */
uint32_t s_trap(uint32_t scause, uint32_t sepc, uint32_t stval)
{
    if (scause == CAUSE_LOAD_PAGE_FAULT && stval == LATE) {
        page_faults++;
        uart_puts("S: load page fault, scause=13 stval=");
        put_hex_line("", stval);
        leaf[(LATE >> 12) & 0x3ff] = pte_to(late_page, PTE_V | PTE_R | PTE_W);
        __asm__ volatile("sfence.vma %0" :: "r"(stval) : "memory");
        return sepc;                /* retry the load */
    }
    uart_puts("S: unexpected trap scause=");
    put_hex_line("", scause);
    __asm__ volatile("ecall");
    return sepc;
}

/* Runs in S-mode with Sv32 on; ends with ecall to M-mode. */
static void s_main(void)
{
    uart_puts("S: running with Sv32, sstatus.SPP=");
    uart_put_dec((csr_read(sstatus) >> 8) & 1);
    uart_puts("\n");

    *(volatile uint32_t *)REMAPPED = 0x1234abcd;
    put_hex_line("S: stored through 0x40000000, data_page[0]=", data_page[0]);
    uint32_t ad = (leaf[0] & (PTE_A | PTE_D)) >> 6;
    uart_puts("S: remapped PTE has A=");
    uart_put_dec(ad & 1);
    uart_puts(" D=");
    uart_put_dec(ad >> 1);
    uart_puts(" (set by the hardware)\n");

    uint32_t v = *(volatile uint32_t *)LATE;
    put_hex_line("S: loaded from 0x40001000 after the fault: ", v);
    uart_puts("S: page faults handled: ");
    uart_put_dec(page_faults);
    uart_puts("\n");
    __asm__ volatile("ecall");
    for (;;) {
    }
}

static uint32_t m_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    (void)mepc;
    (void)mtval;
    if (mcause == CAUSE_ECALL_FROM_S) {
        uart_puts("M: ecall from S-mode (mcause 9), satp mode=");
        uart_put_dec(csr_read(satp) >> 31);
        uart_puts("\npaging: PASS\n");
        exit(0);
    }
    uart_puts("M: unexpected trap mcause=");
    put_hex_line("", mcause);
    exit(1);
}

int main(void)
{
    uart_puts("paging: M-mode sets up Sv32\n");
    trap_init(m_trap);
    /* S-mode may touch nothing unless a PMP entry allows it: one NAPOT entry, all of memory, RWX. */
    csr_write(pmpaddr0, 0xffffffffu);
    csr_write(pmpcfg0, 0x1f);

    root[0x80000000u >> 22] = pte_to((void *)0x80000000u, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    root[UART0_BASE >> 22] = pte_to((void *)(UART0_BASE & ~0x3fffffu), PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    root[REMAPPED >> 22] = pte_to(leaf, PTE_V);
    leaf[(REMAPPED >> 12) & 0x3ff] = pte_to(data_page, PTE_V | PTE_R | PTE_W);
    late_page[0] = 0x5eed5eed;

    csr_write(medeleg, (1u << CAUSE_LOAD_PAGE_FAULT) | (1u << CAUSE_STORE_PAGE_FAULT));
    csr_write(stvec, (uint32_t)s_trap_entry);
    csr_write(satp, SATP_SV32 | ((uint32_t)root >> 12));
    __asm__ volatile("sfence.vma" ::: "memory");
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, MSTATUS_MPP_S);
    csr_write(mepc, (uint32_t)s_main);
    __asm__ volatile("mret");
    return 1;
}
