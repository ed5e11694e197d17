#include "rrvm.h"

uint64_t rtc_read_ns(void)
{
    /* Reading TIME_LOW latches TIME_HIGH, so LOW must be read first. */
    uint32_t lo = mmio_read32(RTC_BASE + 0x00);
    uint32_t hi = mmio_read32(RTC_BASE + 0x04);
    return ((uint64_t)hi << 32) | lo;
}

uint64_t mtime_read(void)
{
    uint32_t hi, lo;
    do {
        hi = mmio_read32(CLINT_MTIME + 4);
        lo = mmio_read32(CLINT_MTIME);
    } while (hi != mmio_read32(CLINT_MTIME + 4));
    return ((uint64_t)hi << 32) | lo;
}

void timer_set(uint64_t cmp)
{
    /* High half to max first so no intermediate value fires early. */
    mmio_write32(CLINT_MTIMECMP + 4, 0xffffffffu);
    mmio_write32(CLINT_MTIMECMP, (uint32_t)cmp);
    mmio_write32(CLINT_MTIMECMP + 4, (uint32_t)(cmp >> 32));
}

void timer_disable(void)
{
    mmio_write32(CLINT_MTIMECMP + 4, 0xffffffffu);
    mmio_write32(CLINT_MTIMECMP, 0xffffffffu);
}
