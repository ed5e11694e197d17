/* virtio-mmio (version 2) transport and split virtqueues. See virtio.h. */
#include "virtio.h"

/* Memory ordering between the driver and the device (VIRTIO 1.2 section 2.7.13):
 *   descriptors and avail.ring[] before avail.idx     fence w,w
 *   avail.idx before the QueueNotify MMIO write        fence w,o
 *   used.idx before used.ring[] and buffer contents    fence r,r
 * Registers are accessed 32 bits wide (the modern transport requires it). */
static inline void fence_w_w(void) { __asm__ volatile("fence w, w" ::: "memory"); }
static inline void fence_w_o(void) { __asm__ volatile("fence w, o" ::: "memory"); }
static inline void fence_r_r(void) { __asm__ volatile("fence r, r" ::: "memory"); }

static inline uint32_t reg_read(struct virtio_dev *dev, uint32_t off)
{
    return mmio_read32(dev->base + off);
}

static inline void reg_write(struct virtio_dev *dev, uint32_t off, uint32_t v)
{
    mmio_write32(dev->base + off, v);
}

int virtio_find(uint32_t device_id, int start_slot)
{
    for (int n = start_slot < 0 ? 0 : start_slot; n < VIRTIO_SLOTS; n++) {
        uint32_t base = VIRTIO_MMIO_BASE(n);
        if (mmio_read32(base + VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC)
            continue;
        if (mmio_read32(base + VIRTIO_MMIO_VERSION) != 2)
            continue;                     /* legacy transport: not driven here */
        if (mmio_read32(base + VIRTIO_MMIO_DEVICE_ID) == device_id)
            return n;
    }
    return -1;
}

static void set_status(struct virtio_dev *dev, uint32_t bits)
{
    reg_write(dev, VIRTIO_MMIO_STATUS, reg_read(dev, VIRTIO_MMIO_STATUS) | bits);
}

uint32_t virtio_status(struct virtio_dev *dev) { return reg_read(dev, VIRTIO_MMIO_STATUS); }

int virtio_init(struct virtio_dev *dev, int slot, uint64_t wanted)
{
    if (slot < 0 || slot >= VIRTIO_SLOTS)
        return VIRTIO_ERR_NO_DEVICE;
    dev->slot = slot;
    dev->base = VIRTIO_MMIO_BASE(slot);
    dev->irq = VIRTIO_IRQ(slot);
    dev->features = 0;
    if (reg_read(dev, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC ||
        reg_read(dev, VIRTIO_MMIO_VERSION) != 2)
        return VIRTIO_ERR_NO_DEVICE;
    dev->device_id = reg_read(dev, VIRTIO_MMIO_DEVICE_ID);
    if (dev->device_id == 0)
        return VIRTIO_ERR_NO_DEVICE;

    /* 3.1.1: reset (and wait for it), ACKNOWLEDGE, DRIVER. */
    reg_write(dev, VIRTIO_MMIO_STATUS, 0);
    while (reg_read(dev, VIRTIO_MMIO_STATUS) != 0)
        ;
    set_status(dev, VIRTIO_STATUS_ACKNOWLEDGE);
    set_status(dev, VIRTIO_STATUS_DRIVER);

    /* Features: 64 bits read and written as two 32-bit halves. */
    reg_write(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t offered = reg_read(dev, VIRTIO_MMIO_DEVICE_FEATURES);
    reg_write(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    offered |= (uint64_t)reg_read(dev, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    if (!(offered & VIRTIO_F_VERSION_1)) {
        set_status(dev, VIRTIO_STATUS_FAILED);
        return VIRTIO_ERR_FEATURES;
    }
    uint64_t accept = (wanted | VIRTIO_F_VERSION_1) & offered;
    reg_write(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    reg_write(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)accept);
    reg_write(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    reg_write(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(accept >> 32));
    dev->features = accept;

    set_status(dev, VIRTIO_STATUS_FEATURES_OK);
    if (!(reg_read(dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
        set_status(dev, VIRTIO_STATUS_FAILED);
        return VIRTIO_ERR_FEATURES_OK;
    }
    return 0;
}

int virtio_queue_init(struct virtio_dev *dev, struct virtq *q, uint16_t index)
{
    reg_write(dev, VIRTIO_MMIO_QUEUE_SEL, index);
    if (reg_read(dev, VIRTIO_MMIO_QUEUE_READY) != 0)
        return VIRTIO_ERR_QUEUE_BUSY;
    uint32_t max = reg_read(dev, VIRTIO_MMIO_QUEUE_NUM_MAX);
    if (max == 0)
        return VIRTIO_ERR_NO_QUEUE;
    uint32_t num = VIRTQ_SIZE;
    while (num > max)
        num >>= 1;

    /* Zero the shared areas; chain every descriptor into the free list. */
    uint8_t *p = (uint8_t *)q;
    for (uint32_t i = 0; i < sizeof *q; i++)
        p[i] = 0;
    q->index = index;
    q->num = (uint16_t)num;
    for (uint32_t i = 0; i < num; i++)
        q->desc[i].next = (uint16_t)(i + 1);
    q->free_head = 0;
    q->num_free = (uint16_t)num;
    q->last_used = 0;

    reg_write(dev, VIRTIO_MMIO_QUEUE_NUM, num);
    reg_write(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)q->desc);
    reg_write(dev, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
    reg_write(dev, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)&q->avail);
    reg_write(dev, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
    reg_write(dev, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)&q->used);
    reg_write(dev, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
    fence_w_o();
    reg_write(dev, VIRTIO_MMIO_QUEUE_READY, 1);
    return 0;
}

void virtio_driver_ok(struct virtio_dev *dev)
{
    fence_w_o();
    set_status(dev, VIRTIO_STATUS_DRIVER_OK);
}

uint32_t virtio_config_generation(struct virtio_dev *dev)
{
    return reg_read(dev, VIRTIO_MMIO_CONFIG_GENERATION);
}

uint8_t virtio_config_read8(struct virtio_dev *dev, uint32_t off)
{
    return mmio_read8(dev->base + VIRTIO_MMIO_CONFIG + off);
}

uint32_t virtio_config_read32(struct virtio_dev *dev, uint32_t off)
{
    return mmio_read32(dev->base + VIRTIO_MMIO_CONFIG + off);
}

uint64_t virtio_config_read64(struct virtio_dev *dev, uint32_t off)
{
    uint32_t gen, lo, hi;
    do {
        gen = virtio_config_generation(dev);
        lo = virtio_config_read32(dev, off);
        hi = virtio_config_read32(dev, off + 4);
    } while (gen != virtio_config_generation(dev));
    return ((uint64_t)hi << 32) | lo;
}

int virtq_submit(struct virtq *q, const struct virtq_buf *bufs, int n)
{
    if (n <= 0 || n > q->num_free)
        return VIRTIO_ERR_FULL;
    uint16_t head = q->free_head, i = head;
    for (int k = 0; k < n; k++) {
        struct virtq_desc *d = &q->desc[i];
        d->addr = (uint32_t)bufs[k].addr;
        d->len = bufs[k].len;
        d->flags = (uint16_t)((bufs[k].flags & VIRTQ_BUF_DEVICE_WRITES) ? VIRTQ_DESC_F_WRITE : 0);
        if (k + 1 < n) {
            d->flags |= VIRTQ_DESC_F_NEXT;
            i = d->next;                  /* the free list already links them */
        } else {
            q->free_head = d->next;
        }
    }
    q->num_free = (uint16_t)(q->num_free - n);

    /* Publish: ring entry first, then (after a fence) the index the device reads. */
    volatile struct virtq_avail *av = &q->avail;
    uint16_t idx = av->idx;
    av->ring[idx & (q->num - 1)] = head;
    fence_w_w();
    av->idx = (uint16_t)(idx + 1);
    return head;
}

void virtq_notify(struct virtio_dev *dev, struct virtq *q)
{
    fence_w_o();
    reg_write(dev, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
}

int virtq_has_used(struct virtq *q)
{
    return ((volatile struct virtq_used *)&q->used)->idx != q->last_used;
}

int virtq_get_used(struct virtq *q, uint32_t *len)
{
    volatile struct virtq_used *u = &q->used;
    if (u->idx == q->last_used)
        return -1;
    fence_r_r();
    volatile struct virtq_used_elem *e = &u->ring[q->last_used & (q->num - 1)];
    uint32_t id = e->id;
    if (len)
        *len = e->len;
    q->last_used++;

    /* Return the chain to the free list: find its tail, link the tail to the old head. */
    uint16_t tail = (uint16_t)id, count = 1;
    while (q->desc[tail].flags & VIRTQ_DESC_F_NEXT) {
        tail = q->desc[tail].next;
        count++;
    }
    q->desc[tail].next = q->free_head;
    q->free_head = (uint16_t)id;
    q->num_free = (uint16_t)(q->num_free + count);
    return (int)id;
}

uint32_t virtio_ack_interrupt(struct virtio_dev *dev)
{
    uint32_t st = reg_read(dev, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (st)
        reg_write(dev, VIRTIO_MMIO_INTERRUPT_ACK, st);
    return st;
}
