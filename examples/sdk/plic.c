#include "rrvm.h"

#define PLIC_PRIORITY(src) (PLIC_BASE + 4u * (src))
#define PLIC_ENABLE0(src)  (PLIC_BASE + 0x2000u + 4u * ((src) / 32u))
#define PLIC_THRESHOLD0    (PLIC_BASE + 0x200000u)
#define PLIC_CLAIM0        (PLIC_BASE + 0x200004u)

void plic_set_priority(uint32_t src, uint32_t prio) { mmio_write32(PLIC_PRIORITY(src), prio); }

void plic_enable(uint32_t src)
{
    mmio_write32(PLIC_ENABLE0(src), mmio_read32(PLIC_ENABLE0(src)) | (1u << (src % 32u)));
}

void plic_disable(uint32_t src)
{
    mmio_write32(PLIC_ENABLE0(src), mmio_read32(PLIC_ENABLE0(src)) & ~(1u << (src % 32u)));
}

void plic_set_threshold(uint32_t t) { mmio_write32(PLIC_THRESHOLD0, t); }
uint32_t plic_claim(void) { return mmio_read32(PLIC_CLAIM0); }
void plic_complete(uint32_t src) { mmio_write32(PLIC_CLAIM0, src); }
