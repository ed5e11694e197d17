/* cpu-bench-sv32: cpu-bench's workload in S-mode with Sv32 paging on, as under an operating
 * system. M-mode opens PMP, maps the first 4 MiB of RAM (code, data, stack) identity by
 * 4 KiB pages through one leaf table, the test finisher and the UART by 4 MiB superpages,
 * and drops to S-mode; cpu-bench's main runs there and its return value goes to exit.
 * Prints "cpu-bench-sv32: S-mode, Sv32" and then exactly what cpu-bench prints. */
#define main cpu_bench_main
#include "../cpu-bench/cpu-bench.c"
#undef main

#define PTE_V (1u << 0)
#define PTE_R (1u << 1)
#define PTE_W (1u << 2)
#define PTE_X (1u << 3)
#define PTE_A (1u << 6)
#define PTE_D (1u << 7)
#define SATP_SV32 0x80000000u
#define MSTATUS_MPP_S (1u << 11)
#define RAM_BASE 0x80000000u

static uint32_t root[1024] __attribute__((aligned(4096)));
static uint32_t ram_leaf[1024] __attribute__((aligned(4096)));

static uint32_t pte_to(uint32_t address, uint32_t bits)
{
    return ((address >> 12) << 10) | bits;
}

static void s_main(void)
{
    exit(cpu_bench_main());
}

int main(void)
{
    uart_puts("cpu-bench-sv32: S-mode, Sv32\n");
    /* S-mode may touch nothing unless a PMP entry allows it: one NAPOT entry, all of memory, RWX. */
    csr_write(pmpaddr0, 0xffffffffu);
    csr_write(pmpcfg0, 0x1f);
    for (uint32_t i = 0; i < 1024; i++)
        ram_leaf[i] = pte_to(RAM_BASE + (i << 12), PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    root[RAM_BASE >> 22] = pte_to((uint32_t)ram_leaf, PTE_V);
    root[TEST_FINISHER_BASE >> 22] = pte_to(TEST_FINISHER_BASE & ~0x3fffffu, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    root[UART0_BASE >> 22] = pte_to(UART0_BASE & ~0x3fffffu, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    csr_write(satp, SATP_SV32 | ((uint32_t)root >> 12));
    __asm__ volatile("sfence.vma" ::: "memory");
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, MSTATUS_MPP_S);
    csr_write(mepc, (uint32_t)s_main);
    __asm__ volatile("mret");
    return 1;
}
