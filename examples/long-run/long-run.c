/* long-run: a long, steady guest for the time-travel benchmark (`npm run bench`).
 * A hot FNV-1a loop hashes a 64 KiB buffer over and over; every fourth pass rewrites one
 * 4 KiB page of the buffer (xorshift32), so RAM pages keep changing between snapshots.
 * Every STEP_PASSES passes (about 10^8 instructions) it calls checkpoint_marker(), a
 * non-inlined function for a debugger to break on, and prints a progress line. STEPS = 22
 * steps execute about 2.2 * 10^9 instructions, then it passes via the test finisher.
 *
 * never_called() is compiled next to the hot loop (same 4 KiB code page) but never runs:
 * the benchmark sets a breakpoint on it to measure what a breakpoint on a hot page costs.
 * The code sits at 0x80000000 and the buffer in .bss, on its own pages (sdk/link.ld). */
#include "rrvm.h"

#ifndef STEPS
#define STEPS 22
#endif
#ifndef STEP_PASSES
#define STEP_PASSES 432
#endif

#define BUF_BYTES (64u * 1024u)
#define PAGE_BYTES 4096u

static uint8_t buf[BUF_BYTES] __attribute__((aligned(4096)));
static uint32_t rng_state = 0x2545F491u;
/* Written by checkpoint_marker, so the call cannot be optimised away. */
volatile uint32_t marker_last;
/* Never set: keeps never_called() reachable for the compiler but unexecuted. */
volatile uint32_t never_flag;

static uint32_t rng(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* The hot loop: FNV-1a over `n` bytes, 4 bytes per iteration. */
__attribute__((noinline, noipa)) uint32_t fnv_pass(const uint8_t *p, uint32_t n, uint32_t h)
{
    for (const uint8_t *end = p + n; p != end; p += 4) {
        h = (h ^ p[0]) * 16777619u;
        h = (h ^ p[1]) * 16777619u;
        h = (h ^ p[2]) * 16777619u;
        h = (h ^ p[3]) * 16777619u;
    }
    return h;
}

/* A breakpoint target on the hot loop's page that execution never reaches. */
__attribute__((noinline, noipa)) void never_called(uint32_t h)
{
    marker_last = h ^ 0xdeadbeefu;
    uart_puts("never_called ran\n");
}

/* Called once per progress line: the breakpoint target for reverse-continue. */
__attribute__((noinline, noipa)) void checkpoint_marker(uint32_t step, uint32_t h)
{
    marker_last = step ^ h;
}

static void rewrite_page(uint32_t page)
{
    uint32_t *w = (uint32_t *)(buf + (page % (BUF_BYTES / PAGE_BYTES)) * PAGE_BYTES);
    for (uint32_t i = 0; i < PAGE_BYTES / 4; i++)
        w[i] = rng();
}

int main(void)
{
    uart_puts("long-run: ");
    uart_put_dec(STEPS);
    uart_puts(" steps\n");
    for (uint32_t page = 0; page < BUF_BYTES / PAGE_BYTES; page++)
        rewrite_page(page);
    uint32_t h = 2166136261u;
    uint32_t pass = 0;
    for (uint32_t step = 1; step <= STEPS; step++) {
        for (uint32_t i = 0; i < STEP_PASSES; i++, pass++) {
            h = fnv_pass(buf, BUF_BYTES, h);
            if ((pass & 3) == 3)
                rewrite_page(pass >> 2);
        }
        checkpoint_marker(step, h);
        if (never_flag)
            never_called(h);
        uart_puts("step ");
        uart_put_dec(step);
        uart_puts(" hash=");
        uart_put_hex(h);
        uart_puts("\n");
    }
    return 0;
}
