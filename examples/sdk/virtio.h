/* rrvm guest SDK: a small virtio-mmio driver (modern transport, version 2; VIRTIO 1.2
 * section 4.2) with split virtqueues (section 2.7). Static memory, no malloc, M-mode,
 * physical addresses = pointers. Used by examples/rng and examples/disk-test.
 *
 * Typical use:
 *   struct virtio_dev dev;  static struct virtq q;
 *   int slot = virtio_find(VIRTIO_ID_RNG, 0);
 *   virtio_init(&dev, slot, 0);            reset, ACKNOWLEDGE|DRIVER, features, FEATURES_OK
 *   virtio_queue_init(&dev, &q, 0);        queue 0, QueueReady = 1
 *   virtio_driver_ok(&dev);
 *   struct virtq_buf b = { buf, 64, VIRTQ_BUF_DEVICE_WRITES };
 *   virtq_submit(&q, &b, 1);  virtq_notify(&dev, &q);
 *   while ((id = virtq_get_used(&q, &len)) < 0) ;    or sleep until the interrupt
 */
#ifndef RRVM_VIRTIO_H
#define RRVM_VIRTIO_H

#include "rrvm.h"

/* ---- board ------------------------------------------------------------------ */
#define VIRTIO_SLOTS        8
#define VIRTIO_MMIO_BASE(n) (0x10001000u + 0x1000u * (uint32_t)(n))
#define VIRTIO_IRQ(n)       (1u + (uint32_t)(n))     /* PLIC source of slot n */

/* ---- device IDs ----------------------------------------------------------------- */
#define VIRTIO_ID_NET    1
#define VIRTIO_ID_BLK    2
#define VIRTIO_ID_RNG    4
#define VIRTIO_ID_INPUT  18
#define VIRTIO_ID_SOUND  25

/* ---- virtio-mmio registers (byte offsets) -------------------------------------- */
#define VIRTIO_MMIO_MAGIC_VALUE         0x000   /* 0x74726976 "virt" */
#define VIRTIO_MMIO_VERSION             0x004   /* 2 = modern */
#define VIRTIO_MMIO_DEVICE_ID           0x008   /* 0 = empty slot */
#define VIRTIO_MMIO_VENDOR_ID           0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL           0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034
#define VIRTIO_MMIO_QUEUE_NUM           0x038
#define VIRTIO_MMIO_QUEUE_READY         0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064
#define VIRTIO_MMIO_STATUS              0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090   /* available ring */
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0   /* used ring */
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION   0x0fc
#define VIRTIO_MMIO_CONFIG              0x100   /* device-specific configuration */

#define VIRTIO_MMIO_MAGIC 0x74726976u

/* Status bits */
#define VIRTIO_STATUS_ACKNOWLEDGE        1u
#define VIRTIO_STATUS_DRIVER             2u
#define VIRTIO_STATUS_DRIVER_OK          4u
#define VIRTIO_STATUS_FEATURES_OK        8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED             128u

/* InterruptStatus bits */
#define VIRTIO_INT_USED_BUFFER 1u
#define VIRTIO_INT_CONFIG      2u

/* Feature bits (64-bit mask) */
#define VIRTIO_F_VERSION_1 (1ull << 32)

/* ---- split virtqueue ------------------------------------------------------------- */
#define VIRTQ_SIZE 32                  /* descriptors per queue (a power of 2) */

#define VIRTQ_DESC_F_NEXT  1
#define VIRTQ_DESC_F_WRITE 2           /* device writes this buffer */

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[VIRTQ_SIZE];
    uint16_t used_event;
};

struct virtq_used_elem {
    uint32_t id;                       /* head of the completed chain */
    uint32_t len;                      /* bytes the device wrote */
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[VIRTQ_SIZE];
    uint16_t avail_event;
};

/* One queue: the three areas the device reads and writes, then driver bookkeeping.
 * Declare it static (it is about 1 KiB). */
struct virtq {
    struct virtq_desc  desc[VIRTQ_SIZE] __attribute__((aligned(16)));
    struct virtq_avail avail            __attribute__((aligned(2)));
    struct virtq_used  used             __attribute__((aligned(4)));
    uint16_t index;                    /* queue number on the device */
    uint16_t num;                      /* size in use (power of 2, <= VIRTQ_SIZE) */
    uint16_t free_head;                /* free descriptors, linked through .next */
    uint16_t num_free;
    uint16_t last_used;                /* next used.ring entry to consume */
};

/* One element of a chain for virtq_submit. */
struct virtq_buf {
    void    *addr;
    uint32_t len;
    uint32_t flags;                    /* 0 = device reads, VIRTQ_BUF_DEVICE_WRITES */
};
#define VIRTQ_BUF_DEVICE_WRITES 1u

struct virtio_dev {
    uint32_t base;                     /* MMIO base address */
    uint32_t irq;                      /* PLIC source */
    uint32_t device_id;
    int      slot;
    uint64_t features;                 /* negotiated */
};

/* ---- errors (negative return values) ----------------------------------------------- */
#define VIRTIO_ERR_NO_DEVICE     (-1)  /* bad magic / version / device id in that slot */
#define VIRTIO_ERR_FEATURES      (-2)  /* device lacks VERSION_1 or a required feature */
#define VIRTIO_ERR_FEATURES_OK   (-3)  /* device refused FEATURES_OK */
#define VIRTIO_ERR_NO_QUEUE      (-4)  /* QueueNumMax = 0 */
#define VIRTIO_ERR_QUEUE_BUSY    (-5)  /* QueueReady already 1 after reset */
#define VIRTIO_ERR_FULL          (-6)  /* not enough free descriptors */

/* ---- API ---------------------------------------------------------------------------- */
/* First slot >= start_slot with a version-2 device of that ID, or -1. */
int  virtio_find(uint32_t device_id, int start_slot);

/* Reset, ACKNOWLEDGE, DRIVER, negotiate features, FEATURES_OK (checked). Accepts
 * VIRTIO_F_VERSION_1 (required) plus those bits of `wanted` that the device offers;
 * dev->features holds the result. On error sets FAILED and returns a VIRTIO_ERR_*. */
int  virtio_init(struct virtio_dev *dev, int slot, uint64_t wanted);

/* Set up queue `index` (size min(VIRTQ_SIZE, QueueNumMax), rounded down to a power
 * of 2) and set QueueReady. Call between virtio_init and virtio_driver_ok. */
int  virtio_queue_init(struct virtio_dev *dev, struct virtq *q, uint16_t index);

void virtio_driver_ok(struct virtio_dev *dev);          /* Status |= DRIVER_OK */
uint32_t virtio_status(struct virtio_dev *dev);          /* Status register */

/* Device configuration space. 64-bit and multi-field reads should be wrapped in
 * virtio_config_generation() checks; virtio_config_read64 does that itself. */
uint32_t virtio_config_generation(struct virtio_dev *dev);
uint8_t  virtio_config_read8(struct virtio_dev *dev, uint32_t off);
uint32_t virtio_config_read32(struct virtio_dev *dev, uint32_t off);
uint64_t virtio_config_read64(struct virtio_dev *dev, uint32_t off);

/* Chain n buffers (device-readable ones first, by the spec's rule) into free
 * descriptors and publish the chain in the available ring. Does not notify: queue
 * several, then virtq_notify once. Returns the head descriptor id (the request's
 * handle) or VIRTIO_ERR_FULL. */
int  virtq_submit(struct virtq *q, const struct virtq_buf *bufs, int n);
void virtq_notify(struct virtio_dev *dev, struct virtq *q);

/* Nonzero when the device has returned chains not yet taken by virtq_get_used. */
int  virtq_has_used(struct virtq *q);
/* Take the next used element: frees its descriptors, stores the length the device
 * wrote in *len (if len is not NULL), returns the head id; -1 when none is waiting. */
int  virtq_get_used(struct virtq *q, uint32_t *len);

/* Read InterruptStatus and acknowledge those bits; returns them. Call from the
 * PLIC handler (source dev->irq) or after polling. */
uint32_t virtio_ack_interrupt(struct virtio_dev *dev);

#endif
