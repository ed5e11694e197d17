/* disk-test: exercises a virtio-blk device (ID 2) through the SDK's virtio-mmio driver.
 * Expects the image that make-image.mjs writes (2048 sectors; sector n >= 1 holds a
 * xorshift32 pattern seeded by n), so every line it prints depends only on that image
 * (and on the drive's serial for the id line). It runs the same steps twice, first
 * completing requests by polling the used ring, then by interrupt (PLIC source 1 + slot):
 *   single reads of sectors 0, 1 and the last, with FNV-1a 32 checksums;
 *   the whole disk read with 8 requests in flight per notify, checked against the pattern;
 *   writes (a chain with two data buffers, 8 writes in flight), read back and checked;
 *   FLUSH, a read past the end (IOERR) and an unknown request type (UNSUPP).
 * Finally it writes back what it changed, so the image ends as it began, and flushes.
 * Any failure prints a line starting "disk-test: FAIL" and exits with a nonzero code. */
#include "virtio.h"

#define SECTOR      512u
#define MAX_BATCH   8                   /* requests in flight at once */
#define BUF_BYTES   4096u               /* data buffer per request: 8 sectors */

#define VIRTIO_BLK_F_FLUSH  (1ull << 9)
#define VIRTIO_BLK_T_IN     0u
#define VIRTIO_BLK_T_OUT    1u
#define VIRTIO_BLK_T_FLUSH  4u
#define VIRTIO_BLK_T_GET_ID 8u
#define VIRTIO_BLK_T_BOGUS  0x20u       /* no such request type */
#define VIRTIO_BLK_S_OK     0u
#define VIRTIO_BLK_S_IOERR  1u
#define VIRTIO_BLK_S_UNSUPP 2u
#define VIRTIO_BLK_ID_BYTES 20u

struct blk_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

struct blk_req {
    struct blk_hdr hdr;                 /* device reads */
    volatile uint8_t status;            /* device writes */
    int done;
};

static struct virtio_dev dev;
static struct virtq vq;
static struct blk_req reqs[MAX_BATCH];
static int head_req[VIRTQ_SIZE];        /* chain head id -> request index */
static uint8_t bufs[MAX_BATCH][BUF_BYTES] __attribute__((aligned(16)));
static uint64_t capacity;               /* in 512-byte sectors */
static uint32_t disk_fnv_before;

static int use_irq;                     /* 0: poll the used ring; 1: sleep until the PLIC */
static volatile uint32_t irq_count;
static const char *mode;                /* "[polled]" or "[irq]" */

/* ---- output helpers -------------------------------------------------------------- */
static void put_u64(uint64_t v) { uart_put_dec64(v); }

static void say(const char *s)
{
    uart_puts("disk-test: ");
    uart_puts(mode);
    uart_puts(" ");
    uart_puts(s);
}

static void fail(const char *what, int code) __attribute__((noreturn));
static void fail(const char *what, int code)
{
    uart_puts("disk-test: FAIL ");
    uart_puts(what);
    uart_puts("\n");
    exit(code);
}

static void fail_sector(const char *what, uint64_t sector, int code) __attribute__((noreturn));
static void fail_sector(const char *what, uint64_t sector, int code)
{
    uart_puts("disk-test: FAIL ");
    uart_puts(what);
    uart_puts(" sector ");
    put_u64(sector);
    uart_puts("\n");
    exit(code);
}

static const char *status_name(uint8_t s)
{
    switch (s) {
    case VIRTIO_BLK_S_OK: return "OK";
    case VIRTIO_BLK_S_IOERR: return "IOERR";
    case VIRTIO_BLK_S_UNSUPP: return "UNSUPP";
    default: return "BAD";
    }
}

/* ---- the image's pattern and checksums ------------------------------------------- */
static uint32_t fnv1a(uint32_t h, const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x01000193u;
    }
    return h;
}
#define FNV_INIT 0x811c9dc5u

/* Sector n >= 1 of the image: 128 xorshift32 words (make-image.mjs). */
static void pattern(uint64_t n, uint8_t *out)
{
    uint32_t s = (uint32_t)n * 0x9e3779b9u + 0x12345678u;
    if (s == 0)
        s = 1;
    for (uint32_t i = 0; i < SECTOR; i += 4) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        out[i] = (uint8_t)s;
        out[i + 1] = (uint8_t)(s >> 8);
        out[i + 2] = (uint8_t)(s >> 16);
        out[i + 3] = (uint8_t)(s >> 24);
    }
}

/* What this test writes to sector n: the pattern inverted. */
static void pattern_written(uint64_t n, uint8_t *out)
{
    pattern(n, out);
    for (uint32_t i = 0; i < SECTOR; i++)
        out[i] = (uint8_t)~out[i];
}

static int same(const uint8_t *a, const uint8_t *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static uint8_t expect[SECTOR];

static void check_pattern(const uint8_t *data, uint64_t first, uint32_t count, int inverted)
{
    for (uint32_t k = 0; k < count; k++) {
        uint64_t n = first + k;
        if (n == 0)
            continue;                   /* the header sector has no pattern */
        if (inverted)
            pattern_written(n, expect);
        else
            pattern(n, expect);
        if (!same(data + k * SECTOR, expect, SECTOR))
            fail_sector(inverted ? "read back differs from what was written at" :
                        "data differs from the make-image.mjs pattern at", n, 3);
    }
}

/* ---- requests -------------------------------------------------------------------- */
static uint32_t on_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    if (mcause != (MCAUSE_INTERRUPT | IRQ_M_EXT)) {
        uart_puts("disk-test: FAIL unexpected trap mcause=0x");
        uart_put_hex(mcause);
        uart_puts(" mepc=0x");
        uart_put_hex(mepc);
        uart_puts(" mtval=0x");
        uart_put_hex(mtval);
        uart_puts("\n");
        exit(9);
    }
    uint32_t src = plic_claim();
    if (src == dev.irq) {
        if (virtio_ack_interrupt(&dev) & VIRTIO_INT_USED_BUFFER)
            irq_count++;
    }
    if (src)
        plic_complete(src);
    return mepc;
}

/* Queue request r (no notify). data may be split into two buffers of len/2 each to make
 * a longer chain: header, data..., status. len = 0: header and status only. */
static void start(int r, uint32_t type, uint64_t sector, uint8_t *data, uint32_t len, int split)
{
    struct blk_req *q = &reqs[r];
    struct virtq_buf b[4];
    int n = 0;
    uint32_t dflags = (type == VIRTIO_BLK_T_OUT) ? 0 : VIRTQ_BUF_DEVICE_WRITES;

    q->hdr.type = type;
    q->hdr.reserved = 0;
    q->hdr.sector = sector;
    q->status = 0xff;
    q->done = 0;
    b[n++] = (struct virtq_buf){ &q->hdr, sizeof q->hdr, 0 };
    if (len && split) {
        b[n++] = (struct virtq_buf){ data, len / 2, dflags };
        b[n++] = (struct virtq_buf){ data + len / 2, len - len / 2, dflags };
    } else if (len) {
        b[n++] = (struct virtq_buf){ data, len, dflags };
    }
    b[n++] = (struct virtq_buf){ (void *)&q->status, 1, VIRTQ_BUF_DEVICE_WRITES };
    int head = virtq_submit(&vq, b, n);
    if (head < 0)
        fail("virtq_submit: no free descriptors", 4);
    head_req[head] = r;
}

/* Wait for the next completion, in whatever order the device returns them. */
static int wait_one(void)
{
    int id;
    if (!use_irq) {
        while ((id = virtq_get_used(&vq, NULL)) < 0)
            ;
        virtio_ack_interrupt(&dev);     /* keep InterruptStatus clear while polling */
    } else {
        for (;;) {
            irq_disable();
            id = virtq_get_used(&vq, NULL);
            if (id >= 0)
                break;
            wfi();                      /* wakes on a pending interrupt even with MIE clear */
            irq_enable();
        }
        irq_enable();
    }
    int r = head_req[id];
    if (reqs[r].done)
        fail("the device completed a request twice", 5);
    reqs[r].done = 1;
    return r;
}

static void wait_all(int count)
{
    for (int k = 0; k < count; k++)
        wait_one();
}

/* One request, notified and waited for; returns its status. */
static uint8_t blk_do(uint32_t type, uint64_t sector, uint8_t *data, uint32_t len, int split)
{
    start(0, type, sector, data, len, split);
    virtq_notify(&dev, &vq);
    wait_one();
    return reqs[0].status;
}

static void expect_ok(uint8_t st, const char *what, uint64_t sector)
{
    if (st != VIRTIO_BLK_S_OK) {
        uart_puts("disk-test: FAIL ");
        uart_puts(what);
        uart_puts(" sector ");
        put_u64(sector);
        uart_puts(": status ");
        uart_puts(status_name(st));
        uart_puts("\n");
        exit(6);
    }
}

/* ---- test steps -------------------------------------------------------------------- */
static void read_single(uint64_t n)
{
    uint8_t *d = bufs[0];
    expect_ok(blk_do(VIRTIO_BLK_T_IN, n, d, SECTOR, 0), "read", n);
    if (n != 0)
        check_pattern(d, n, 1, 0);
    say("sector ");
    put_u64(n);
    uart_puts(" fnv=");
    uart_put_hex(fnv1a(FNV_INIT, d, SECTOR));
    if (n == 0) {
        uart_puts(" \"");
        for (uint32_t i = 0; i < 64 && d[i] >= ' ' && d[i] < 0x7f; i++)
            uart_putc((char)d[i]);
        uart_puts("\"\n");
    } else {
        uart_puts(" pattern ok\n");
    }
}

/* Reads the whole disk, MAX_BATCH requests of 8 sectors queued per notify; checks the
 * pattern and returns the FNV-1a of the whole disk (in sector order). */
static uint32_t read_whole_disk(void)
{
    const uint32_t per_req = BUF_BYTES / SECTOR;
    uint32_t h = FNV_INIT;
    uint64_t next = 0;
    while (next < capacity) {
        int n = 0;
        uint64_t first[MAX_BATCH];
        uint32_t count[MAX_BATCH];
        for (; n < MAX_BATCH && next < capacity; n++) {
            uint64_t left = capacity - next;
            count[n] = left < per_req ? (uint32_t)left : per_req;
            first[n] = next;
            /* every other request splits its data over two descriptors */
            start(n, VIRTIO_BLK_T_IN, next, bufs[n], count[n] * SECTOR, n & 1);
            next += count[n];
        }
        virtq_notify(&dev, &vq);        /* one notify for the whole batch */
        wait_all(n);
        for (int r = 0; r < n; r++) {
            expect_ok(reqs[r].status, "batched read", first[r]);
            check_pattern(bufs[r], first[r], count[r], 0);
            h = fnv1a(h, bufs[r], count[r] * SECTOR);
        }
    }
    return h;
}

/* Writes `count` single sectors starting at `first`, all in flight at once (inverted
 * pattern, or the original pattern when restoring), then reads them back the same way. */
static void write_batch(uint64_t first, int count, int restore)
{
    for (int r = 0; r < count; r++) {
        if (restore)
            pattern(first + r, bufs[r]);
        else
            pattern_written(first + r, bufs[r]);
        start(r, VIRTIO_BLK_T_OUT, first + r, bufs[r], SECTOR, 0);
    }
    virtq_notify(&dev, &vq);
    wait_all(count);
    for (int r = 0; r < count; r++)
        expect_ok(reqs[r].status, "batched write", first + r);

    for (int r = 0; r < count; r++) {
        for (uint32_t i = 0; i < SECTOR; i++)
            bufs[r][i] = 0;
        start(r, VIRTIO_BLK_T_IN, first + r, bufs[r], SECTOR, 0);
    }
    virtq_notify(&dev, &vq);
    wait_all(count);
    for (int r = 0; r < count; r++) {
        expect_ok(reqs[r].status, "read back", first + r);
        check_pattern(bufs[r], first + r, 1, !restore);
    }
}

/* One write of `count` sectors whose data is split over two descriptors; read back. */
static void write_split(uint64_t first, uint32_t count, int restore)
{
    uint8_t *d = bufs[0];
    for (uint32_t k = 0; k < count; k++) {
        if (restore)
            pattern(first + k, d + k * SECTOR);
        else
            pattern_written(first + k, d + k * SECTOR);
    }
    expect_ok(blk_do(VIRTIO_BLK_T_OUT, first, d, count * SECTOR, 1), "split write", first);
    for (uint32_t i = 0; i < count * SECTOR; i++)
        d[i] = 0;
    expect_ok(blk_do(VIRTIO_BLK_T_IN, first, d, count * SECTOR, 0), "read back", first);
    check_pattern(d, first, count, !restore);
}

static void run_steps(int irq)
{
    use_irq = irq;
    mode = irq ? "[irq]" : "[polled]";
    uint64_t last = capacity - 1;
    /* the sectors each pass writes (distinct, so the irq pass sees the polled pass's
     * writes undone) */
    uint64_t split_first = irq ? 300 : 100;
    uint64_t batch_first = irq ? 400 : 200;

    read_single(0);
    read_single(1);
    read_single(last);

    uint32_t h = read_whole_disk();
    say("whole disk, 8 requests in flight: fnv=");
    uart_put_hex(h);
    uart_puts(" pattern ok\n");
    if (h != disk_fnv_before && disk_fnv_before != 0)
        fail("whole-disk checksum changed between passes", 7);
    disk_fnv_before = h;

    write_split(split_first, 4, 0);
    say("write sectors ");
    put_u64(split_first);
    uart_puts("-");
    put_u64(split_first + 3);
    uart_puts(" (data in 2 descriptors), read back ok\n");

    write_batch(batch_first, MAX_BATCH, 0);
    say("8 writes in flight, sectors ");
    put_u64(batch_first);
    uart_puts("-");
    put_u64(batch_first + MAX_BATCH - 1);
    uart_puts(", read back ok\n");

    write_split(last, 1, 0);
    say("write last sector, read back ok\n");

    expect_ok(blk_do(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0), "flush", 0);
    say("flush ok\n");

    uint8_t st = blk_do(VIRTIO_BLK_T_IN, capacity, bufs[0], SECTOR, 0);
    say("read at sector ");
    put_u64(capacity);
    uart_puts(" (past the end): status ");
    uart_puts(status_name(st));
    uart_puts("\n");
    if (st != VIRTIO_BLK_S_IOERR)
        fail("a read past the end must fail with IOERR", 8);

    st = blk_do(VIRTIO_BLK_T_BOGUS, 0, 0, 0, 0);
    say("unknown request type: status ");
    uart_puts(status_name(st));
    uart_puts("\n");
    if (st != VIRTIO_BLK_S_UNSUPP)
        fail("an unknown request type must fail with UNSUPP", 8);

    /* undo this pass's writes: the disk must read as the image again */
    write_split(split_first, 4, 1);
    write_batch(batch_first, MAX_BATCH, 1);
    write_split(last, 1, 1);
    say("restored the written sectors, read back ok\n");
}

int main(void)
{
    mode = "";
    int slot = virtio_find(VIRTIO_ID_BLK, 0);
    if (slot < 0)
        fail("no virtio-blk device (ID 2, version 2) in any of the 8 virtio-mmio slots", 2);
    int err = virtio_init(&dev, slot, VIRTIO_BLK_F_FLUSH);
    if (err == 0)
        err = virtio_queue_init(&dev, &vq, 0);
    if (err) {
        uart_puts("disk-test: FAIL virtio-blk setup error ");
        uart_put_dec((uint32_t)-err);
        uart_puts("\n");
        exit(2);
    }
    virtio_driver_ok(&dev);
    if (virtio_status(&dev) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
        fail("device needs reset after DRIVER_OK", 2);
    if (!(dev.features & VIRTIO_BLK_F_FLUSH))
        fail("device does not offer VIRTIO_BLK_F_FLUSH", 2);
    uart_puts("disk-test: virtio-blk ready (VERSION_1, FLUSH)\n");

    capacity = virtio_config_read64(&dev, 0);
    uart_puts("disk-test: capacity ");
    put_u64(capacity);
    uart_puts(" sectors\n");
    if (capacity < 512)
        fail("disk too small (make-image.mjs writes 2048 sectors)", 2);

    /* GET_ID: up to 20 bytes, NUL-terminated only when shorter. */
    static uint8_t id[VIRTIO_BLK_ID_BYTES + 1];
    mode = "";
    uint8_t st = blk_do(VIRTIO_BLK_T_GET_ID, 0, id, VIRTIO_BLK_ID_BYTES, 0);
    if (st == VIRTIO_BLK_S_OK) {
        uart_puts("disk-test: id \"");
        for (uint32_t i = 0; i < VIRTIO_BLK_ID_BYTES && id[i]; i++)
            uart_putc(id[i] >= ' ' && id[i] < 0x7f ? (char)id[i] : '?');
        uart_puts("\"\n");
    } else {
        uart_puts("disk-test: id not available (status ");
        uart_puts(status_name(st));
        uart_puts(")\n");
    }

    run_steps(0);

    /* Interrupt mode: clear what polling left pending, then PLIC (enable before the
     * threshold, see echo.c), then the hart. */
    virtio_ack_interrupt(&dev);
    trap_init(on_trap);
    plic_set_priority(dev.irq, 1);
    plic_enable(dev.irq);
    plic_set_threshold(0);
    csr_set(mie, MIE_MEIE);
    irq_enable();

    run_steps(1);

    irq_disable();
    csr_clear(mie, MIE_MEIE);
    plic_disable(dev.irq);
    if (irq_count == 0)
        fail("interrupt mode completed without a single used-buffer interrupt", 9);

    mode = "";
    use_irq = 0;
    expect_ok(blk_do(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0), "final flush", 0);
    uart_puts("disk-test: done\n");
    return 0;
}
