#include "rrvm.h"

void exit(int code)
{
    uint32_t v = code == 0 ? 0x5555u : (((uint32_t)code << 16) | 0x3333u);
    for (;;)
        mmio_write32(TEST_FINISHER_BASE, v);
}
