/* rng: reads 64 random bytes from a virtio-rng device (ID 4) in three requests of
 * 16, 32 and 16 bytes: the first completed by polling the used ring, the other two
 * queued together (one notify) and completed by interrupt (PLIC source 1 + slot).
 * A device may fill a buffer only partly (the used length says how much); the rest is
 * asked for again. The bytes differ on every run: each hex string follows "bytes=",
 * so tests mask them with /bytes=[0-9a-f]+/g. */
#include "virtio.h"

static struct virtio_dev dev;
static struct virtq vq;
static uint8_t pool[64] __attribute__((aligned(16)));
static volatile uint32_t irq_count;

static const struct { uint32_t off, len; } chunk[3] = { { 0, 16 }, { 16, 32 }, { 48, 16 } };
static uint32_t got[3];                 /* bytes filled so far per request */
static int head_chunk[VIRTQ_SIZE];

static void fail(const char *what, int code) __attribute__((noreturn));
static void fail(const char *what, int code)
{
    uart_puts("rng: FAIL ");
    uart_puts(what);
    uart_puts("\n");
    exit(code);
}

static uint32_t on_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    (void)mtval;
    if (mcause != (MCAUSE_INTERRUPT | IRQ_M_EXT)) {
        uart_puts("rng: FAIL unexpected trap mcause=0x");
        uart_put_hex(mcause);
        uart_puts(" mepc=0x");
        uart_put_hex(mepc);
        uart_puts("\n");
        exit(9);
    }
    uint32_t src = plic_claim();
    if (src == dev.irq && (virtio_ack_interrupt(&dev) & VIRTIO_INT_USED_BUFFER))
        irq_count++;
    if (src)
        plic_complete(src);
    return mepc;
}

/* Queue the unfilled rest of request k as one device-writable buffer. */
static void start(int k)
{
    struct virtq_buf b = { pool + chunk[k].off + got[k], chunk[k].len - got[k],
                           VIRTQ_BUF_DEVICE_WRITES };
    int head = virtq_submit(&vq, &b, 1);
    if (head < 0)
        fail("virtq_submit: no free descriptors", 4);
    head_chunk[head] = k;
}

/* Take one completion; returns 1 when that request is now complete. */
static int finish(int id, uint32_t len)
{
    int k = head_chunk[id];
    if (len > chunk[k].len - got[k])
        fail("used length larger than the buffer", 5);
    got[k] += len;
    if (got[k] == chunk[k].len)
        return 1;
    start(k);                           /* partly filled (or empty): ask for the rest */
    virtq_notify(&dev, &vq);
    return 0;
}

static void print_chunk(int k, const char *how)
{
    uart_puts("rng: request ");
    uart_put_dec((uint32_t)k + 1);
    uart_puts(how);
    uart_put_dec(chunk[k].len);
    uart_puts(" bytes=");
    for (uint32_t i = 0; i < chunk[k].len; i++) {
        uint8_t b = pool[chunk[k].off + i];
        uart_putc("0123456789abcdef"[b >> 4]);
        uart_putc("0123456789abcdef"[b & 15]);
    }
    uart_puts("\n");
}

int main(void)
{
    int slot = virtio_find(VIRTIO_ID_RNG, 0);
    if (slot < 0)
        fail("no virtio-rng device (ID 4, version 2) in any of the 8 virtio-mmio slots", 2);
    int err = virtio_init(&dev, slot, 0);
    if (err == 0)
        err = virtio_queue_init(&dev, &vq, 0);
    if (err) {
        uart_puts("rng: FAIL virtio-rng setup error ");
        uart_put_dec((uint32_t)-err);
        uart_puts("\n");
        exit(2);
    }
    virtio_driver_ok(&dev);
    uart_puts("rng: virtio-rng ready\n");

    /* Request 1, polled. */
    uint32_t len;
    int id;
    start(0);
    virtq_notify(&dev, &vq);
    for (;;) {
        while ((id = virtq_get_used(&vq, &len)) < 0)
            ;
        if (finish(id, len))
            break;
    }
    virtio_ack_interrupt(&dev);         /* clear what polling left pending */
    print_chunk(0, " (polled): ");

    /* Requests 2 and 3 together, by interrupt. */
    trap_init(on_trap);
    plic_set_priority(dev.irq, 1);
    plic_enable(dev.irq);
    plic_set_threshold(0);
    csr_set(mie, MIE_MEIE);
    start(1);
    start(2);
    virtq_notify(&dev, &vq);
    int left = 2;
    while (left) {
        irq_disable();
        id = virtq_get_used(&vq, &len);
        if (id < 0) {
            wfi();                      /* wakes on a pending interrupt even with MIE clear */
            irq_enable();
            continue;
        }
        irq_enable();
        left -= finish(id, len);
    }
    irq_disable();
    csr_clear(mie, MIE_MEIE);
    plic_disable(dev.irq);
    if (irq_count == 0)
        fail("no used-buffer interrupt arrived", 9);
    print_chunk(1, " (irq): ");
    print_chunk(2, " (irq): ");

    /* 64 bytes of a working generator are not all the same. */
    int varied = 0;
    for (uint32_t i = 1; i < sizeof pool; i++)
        varied |= pool[i] != pool[0];
    if (!varied)
        fail("all 64 bytes are equal", 3);
    uart_puts("rng: 64 bytes, not all equal\n");
    uart_puts("rng: done\n");
    return 0;
}
