/* rrvm guest SDK: a tiny freestanding runtime for the QEMU `virt` board (riscv32).
 * Same addresses on QEMU and rrvm. No libc: only what is declared here. */
#ifndef RRVM_H
#define RRVM_H

#include <stdint.h>
#include <stddef.h>

/* ---- board addresses ---------------------------------------------------- */
#define TEST_FINISHER_BASE 0x00100000u
#define RTC_BASE           0x00101000u
#define CLINT_BASE         0x02000000u
#define PLIC_BASE          0x0C000000u
#define UART0_BASE         0x10000000u

#define CLINT_MSIP         (CLINT_BASE + 0x0000u)
#define CLINT_MTIMECMP     (CLINT_BASE + 0x4000u)
#define CLINT_MTIME        (CLINT_BASE + 0xBFF8u)
#define MTIME_HZ           10000000u          /* 10 MHz timebase */

#define UART_IRQ           10
#define RTC_IRQ            11

/* NS16550A registers (byte offsets) */
#define UART_RBR 0   /* read: receive buffer */
#define UART_THR 0   /* write: transmit holding */
#define UART_IER 1
#define UART_IIR 2   /* read; FCR on write (do not write it: QEMU drops received bytes) */
#define UART_LCR 3
#define UART_LSR 5
#define UART_LSR_DR   0x01
#define UART_LSR_THRE 0x20
#define UART_IER_RDI  0x01

/* ---- CSRs ----------------------------------------------------------------- */
#define MSTATUS_MIE  (1u << 3)
#define MSTATUS_MPIE (1u << 7)
#define MSTATUS_MPP  (3u << 11)
#define MIE_MSIE     (1u << 3)
#define MIE_MTIE     (1u << 7)
#define MIE_MEIE     (1u << 11)
#define MCAUSE_INTERRUPT 0x80000000u
#define IRQ_M_TIMER  7
#define IRQ_M_EXT    11

#define csr_read(csr) ({ uint32_t __v; \
    __asm__ volatile("csrr %0, " #csr : "=r"(__v) :: "memory"); __v; })
#define csr_write(csr, val) ({ uint32_t __v = (uint32_t)(val); \
    __asm__ volatile("csrw " #csr ", %0" :: "rK"(__v) : "memory"); })
#define csr_set(csr, val) ({ uint32_t __v = (uint32_t)(val); \
    __asm__ volatile("csrs " #csr ", %0" :: "rK"(__v) : "memory"); })
#define csr_clear(csr, val) ({ uint32_t __v = (uint32_t)(val); \
    __asm__ volatile("csrc " #csr ", %0" :: "rK"(__v) : "memory"); })

static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void irq_enable(void) { csr_set(mstatus, MSTATUS_MIE); }
static inline void irq_disable(void) { csr_clear(mstatus, MSTATUS_MIE); }

/* ---- MMIO ----------------------------------------------------------------- */
static inline void mmio_write8(uint32_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline uint8_t mmio_read8(uint32_t a) { return *(volatile uint8_t *)a; }
static inline void mmio_write32(uint32_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint32_t mmio_read32(uint32_t a) { return *(volatile uint32_t *)a; }

/* ---- UART (polling) ---------------------------------------------------------- */
void uart_putc(char c);
void uart_puts(const char *s);                 /* no newline added */
int  uart_getc(void);                          /* blocks until a byte arrives */
int  uart_try_getc(void);                      /* -1 when nothing is waiting */
void uart_put_dec(uint32_t v);
void uart_put_dec64(uint64_t v);
void uart_put_hex(uint32_t v);                 /* 8 hex digits, no prefix */

/* ---- clocks ----------------------------------------------------------------- */
uint64_t rtc_read_ns(void);                    /* goldfish RTC: host wall clock in ns */
uint64_t mtime_read(void);                     /* CLINT mtime, 10 MHz */
void     timer_set(uint64_t mtimecmp);         /* arm the machine timer */
void     timer_disable(void);                  /* mtimecmp = max */

/* ---- PLIC (context 0 = hart 0 M-mode) ---------------------------------------- */
void     plic_set_priority(uint32_t src, uint32_t prio);
void     plic_enable(uint32_t src);
void     plic_disable(uint32_t src);
void     plic_set_threshold(uint32_t t);
uint32_t plic_claim(void);
void     plic_complete(uint32_t src);

/* ---- traps -------------------------------------------------------------------- */
/* A handler gets mcause, mepc, mtval and returns the pc to resume at (mepc to retry
 * or continue after an interrupt, mepc + length to skip a faulting instruction).
 * The assembly entry saves/restores all caller-saved registers around it. */
typedef uint32_t (*trap_handler_t)(uint32_t mcause, uint32_t mepc, uint32_t mtval);
void trap_init(trap_handler_t handler);        /* installs trap_entry in mtvec */
extern void trap_entry(void);

/* ---- exit ------------------------------------------------------------------------ */
/* code 0 = pass (0x5555); otherwise fail with (code << 16) | 0x3333. Never returns. */
void exit(int code) __attribute__((noreturn));

#endif
