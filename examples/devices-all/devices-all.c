/* devices-all: every device of the board busy at once, so that events of every family
 * (serial, clock, warp, block, BH, random, net, input, audio) interleave within one slice.
 * One event loop sleeps in WFI (PLIC polled with MIE clear) and, at each wakeup, takes what
 * every device has returned:
 *   virtio-blk    6 rounds of 8 requests in flight (4 writes, 4 reads; from round 1 on the
 *                 reads check the sectors written the round before)
 *   virtio-net    frames of EtherType 0x88b5 echoed back (MAC addresses swapped) until one
 *                 whose payload starts with "end"
 *   virtio-input  keyboard events until KEY_ESC is pressed
 *   virtio-sound  10 periods (10 ms, 48 kHz stereo) played while 10 are captured
 *   virtio-rng    32 bytes; the UART's received bytes until '\n'; the RTC read once
 * It then prints a summary. Every line but the "host" one depends only on what the devices
 * delivered (the image, the frames, the keys, the captured samples), not on when; the "host"
 * line digests the entropy, the clock and the order in which the devices reported, which
 * differ between recordings and are equal in a replay.
 * Try: see examples/README.md (it needs --drive, --rng, --net, --input-script and --audio-in). */
#include "virtio.h"

static void fail(const char *what, uint32_t n) __attribute__((noreturn));
static void fail(const char *what, uint32_t n)
{
    uart_puts("devices-all: FAIL ");
    uart_puts(what);
    uart_puts(" 0x");
    uart_put_hex(n);
    uart_puts("\n");
    exit(3);
}

/* FNV-1a 32 over n bytes, continuing from h. */
static uint32_t fnv(uint32_t h, const void *p, uint32_t n)
{
    const uint8_t *b = p;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}
#define FNV_START 2166136261u

static void put32(uint8_t *b, uint32_t v) { b[0] = v; b[1] = v >> 8; b[2] = v >> 16; b[3] = v >> 24; }

/* The host-dependent digest: entropy, the clock, and which device reported at each wakeup. */
static uint32_t host_fnv = FNV_START;
static void note_host(uint32_t v) { host_fnv = fnv(host_fnv, &v, 4); }

/* Brings up a virtio device of `id` with `nq` queues; fails when there is none. */
static void start_device(struct virtio_dev *dev, uint32_t id, struct virtq *const *qs, int nq, const char *name)
{
    int slot = virtio_find(id, 0);
    if (slot < 0) {
        uart_puts("devices-all: FAIL no ");
        uart_puts(name);
        uart_puts("\n");
        exit(2);
    }
    if (virtio_init(dev, slot, 0))
        fail("virtio setup, device id", id);
    for (int i = 0; i < nq; i++)
        if (virtio_queue_init(dev, qs[i], (uint16_t)i))
            fail("virtio queue setup, device id", id);
    plic_set_priority(dev->irq, 1);
    plic_enable(dev->irq);
}

/* ---- virtio-blk ------------------------------------------------------------------- */
#define SECTOR   512u
#define ROUNDS   6u
#define BATCH    8u                      /* requests in flight: 4 writes then 4 reads */
#define WBASE    1500u                   /* first sector written */
#define T_IN     0u
#define T_OUT    1u

static struct virtio_dev blk;
static struct virtq blkq;
static struct { uint32_t type, reserved; uint64_t sector; } blk_hdr[BATCH];
static volatile uint8_t blk_status[BATCH];
static uint8_t blk_buf[BATCH][SECTOR] __attribute__((aligned(16)));
static int blk_head[VIRTQ_SIZE];
static uint32_t blk_round, blk_left, blk_fnv = FNV_START, blk_requests;

/* The bytes written to sector WBASE + k. */
static void write_pattern(uint8_t *b, uint32_t k)
{
    for (uint32_t i = 0; i < SECTOR; i++)
        b[i] = (uint8_t)(k * 37u + i * 11u + (i >> 7));
}

static void blk_start_round(void)
{
    for (uint32_t i = 0; i < BATCH; i++) {
        uint32_t reading = i >= BATCH / 2, j = i % (BATCH / 2);
        blk_hdr[i].type = reading ? T_IN : T_OUT;
        blk_hdr[i].reserved = 0;
        /* Round 0 reads sectors 1..4 of the image; later rounds the sectors written before. */
        blk_hdr[i].sector = reading ? (blk_round ? WBASE + 4u * (blk_round - 1u) + j : 1u + j) : WBASE + 4u * blk_round + j;
        if (!reading)
            write_pattern(blk_buf[i], 4u * blk_round + j);
        blk_status[i] = 0xff;
        struct virtq_buf b[3] = {
            { &blk_hdr[i], sizeof blk_hdr[i], 0 },
            { blk_buf[i], SECTOR, reading ? VIRTQ_BUF_DEVICE_WRITES : 0 },
            { (void *)&blk_status[i], 1, VIRTQ_BUF_DEVICE_WRITES },
        };
        int head = virtq_submit(&blkq, b, 3);
        if (head < 0)
            fail("block queue full", i);
        blk_head[head] = (int)i;
    }
    blk_left = BATCH;
    virtq_notify(&blk, &blkq);
}

/* Returns how many block requests completed. */
static int blk_poll(void)
{
    int n = 0, id;
    while (blk_round < ROUNDS && (id = virtq_get_used(&blkq, 0)) >= 0) {
        uint32_t i = (uint32_t)blk_head[id];
        if (blk_status[i] != 0)
            fail("block request status", blk_status[i]);
        n++;
        blk_requests++;
        note_host(0x100u + i);
        if (--blk_left)
            continue;
        /* Round complete: digest the reads in request order, whatever order they completed in. */
        for (uint32_t k = BATCH / 2; k < BATCH; k++) {
            if (blk_round) {
                uint8_t want[SECTOR];
                write_pattern(want, 4u * (blk_round - 1u) + k - BATCH / 2);
                for (uint32_t b = 0; b < SECTOR; b++)
                    if (blk_buf[k][b] != want[b])
                        fail("read back differs, round", blk_round);
            }
            blk_fnv = fnv(blk_fnv, blk_buf[k], SECTOR);
        }
        if (++blk_round < ROUNDS)
            blk_start_round();
    }
    return n;
}

/* ---- virtio-net --------------------------------------------------------------------- */
#define NET_HDR  12u
#define NET_BUF  1536u
#define NET_RX   8
#define ETHERTYPE_LOCAL 0x88b5u

static struct virtio_dev net;
static struct virtq netrx, nettx;
static uint8_t net_rx[NET_RX][NET_BUF] __attribute__((aligned(16)));
static uint8_t net_tx[NET_BUF] __attribute__((aligned(16)));
static int net_head[VIRTQ_SIZE];
static uint32_t net_frames, net_bytes, net_fnv = FNV_START, net_done;

static void net_post(int k)
{
    struct virtq_buf b = { net_rx[k], NET_BUF, VIRTQ_BUF_DEVICE_WRITES };
    int head = virtq_submit(&netrx, &b, 1);
    if (head < 0)
        fail("receive queue full", (uint32_t)k);
    net_head[head] = k;
}

/* Sends the frame back to its sender: the MAC addresses swapped, the rest as it came. */
static void net_echo(const uint8_t *f, uint32_t len)
{
    for (uint32_t i = 0; i < NET_HDR; i++)
        net_tx[i] = 0;
    uint8_t *o = net_tx + NET_HDR;
    for (uint32_t i = 0; i < 6; i++) {
        o[i] = f[6 + i];
        o[6 + i] = f[i];
    }
    for (uint32_t i = 12; i < len; i++)
        o[i] = f[i];
    struct virtq_buf b = { net_tx, NET_HDR + len, 0 };
    if (virtq_submit(&nettx, &b, 1) < 0)
        fail("transmit queue full", 0);
    virtq_notify(&net, &nettx);
    while (virtq_get_used(&nettx, 0) < 0)
        ;
}

static int net_poll(void)
{
    int n = 0, id;
    uint32_t len;
    while ((id = virtq_get_used(&netrx, &len)) >= 0) {
        int k = net_head[id];
        const uint8_t *f = net_rx[k] + NET_HDR;
        uint32_t flen = len > NET_HDR ? len - NET_HDR : 0;
        if (flen >= 14 && ((uint32_t)f[12] << 8 | f[13]) == ETHERTYPE_LOCAL) {
            net_frames++;
            net_bytes += flen;
            net_fnv = fnv(net_fnv, f, flen);
            net_echo(f, flen);
            if (flen >= 17 && f[14] == 'e' && f[15] == 'n' && f[16] == 'd')
                net_done = 1;
            note_host(0x200u + net_frames);
            n++;
        }
        net_post(k);
        virtq_notify(&net, &netrx);
    }
    return n;
}

/* ---- virtio-input (keyboard) ------------------------------------------------------------ */
#define KEY_ESC 1u
#define EV_KEY  1u

static struct virtio_dev kbd;
static struct virtq kbdq, kbd_statusq;
static struct { uint16_t type, code; uint32_t value; } kbd_ev[VIRTQ_SIZE];
static uint32_t kbd_events, kbd_fnv = FNV_START, kbd_done;

static void kbd_post(int i)
{
    struct virtq_buf b = { &kbd_ev[i], sizeof kbd_ev[i], VIRTQ_BUF_DEVICE_WRITES };
    if (virtq_submit(&kbdq, &b, 1) != i)
        fail("keyboard buffer not at its own descriptor", (uint32_t)i);
}

static int kbd_poll(void)
{
    int n = 0, id;
    uint32_t len;
    while ((id = virtq_get_used(&kbdq, &len)) >= 0) {
        if (len != sizeof kbd_ev[id])
            fail("input event length", len);
        kbd_events++;
        kbd_fnv = fnv(kbd_fnv, &kbd_ev[id], sizeof kbd_ev[id]);
        if (kbd_ev[id].type == EV_KEY && kbd_ev[id].code == KEY_ESC && kbd_ev[id].value == 1)
            kbd_done = 1;
        note_host(0x300u + kbd_events);
        kbd_post(id);
        n++;
    }
    if (n)
        virtq_notify(&kbd, &kbdq);
    return n;
}

/* ---- virtio-sound: output and input at once -------------------------------------------- */
#define RATE_48000    7
#define FMT_S16       5
#define CHANNELS      2u
#define PERIOD_FRAMES 480u                 /* 10 ms at 48 kHz */
#define PERIOD_BYTES  (PERIOD_FRAMES * CHANNELS * 2u)
#define IN_FLIGHT     4u                   /* periods queued per stream */
#define PERIODS       10u                  /* played, and captured */
#define R_PCM_SET_PARAMS 0x101u
#define R_PCM_PREPARE    0x102u
#define R_PCM_RELEASE    0x103u
#define R_PCM_START      0x104u
#define R_PCM_STOP       0x105u
#define S_OK             0x8000u

static struct virtio_dev snd;
static struct virtq snd_ctl, snd_evq, snd_tx, snd_rx;
static uint8_t snd_req[24] __attribute__((aligned(8)));
static uint32_t snd_resp;
static uint32_t snd_stream_id[2] = { 0, 1 };
static int16_t snd_pcm[2][IN_FLIGHT][PERIOD_FRAMES * CHANNELS];
static uint32_t snd_xfer_status[2][IN_FLIGHT][2];
static uint32_t snd_queued, snd_played, snd_captured, snd_peak, snd_phase;
static uint64_t snd_squares;

static void snd_control(uint32_t code, uint32_t stream, uint32_t len)
{
    put32(snd_req, code);
    put32(snd_req + 4, stream);
    struct virtq_buf b[2] = { { snd_req, len, 0 }, { &snd_resp, 4, VIRTQ_BUF_DEVICE_WRITES } };
    if (virtq_submit(&snd_ctl, b, 2) < 0)
        fail("sound control queue full", code);
    virtq_notify(&snd, &snd_ctl);
    while (virtq_get_used(&snd_ctl, 0) < 0)
        ;
    if (snd_resp != S_OK)
        fail("sound request refused, code", code);
}

static void snd_set_params(uint32_t stream)
{
    put32(snd_req + 8, IN_FLIGHT * PERIOD_BYTES);
    put32(snd_req + 12, PERIOD_BYTES);
    put32(snd_req + 16, 0);
    snd_req[20] = CHANNELS;
    snd_req[21] = FMT_S16;
    snd_req[22] = RATE_48000;
    snd_req[23] = 0;
    snd_control(R_PCM_SET_PARAMS, stream, 24);
}

/* Queues period buffer i of `stream` (0: played, 1: captured). */
static void snd_submit(uint32_t stream, uint32_t i)
{
    if (stream == 0) {
        /* A triangle wave, 100 Hz, continuous across periods. */
        for (uint32_t f = 0; f < PERIOD_FRAMES; f++, snd_phase = (snd_phase + 1) % 480u) {
            int32_t t = (int32_t)snd_phase;
            int16_t v = (int16_t)((t < 240 ? t - 120 : 360 - t) * 80);
            snd_pcm[0][i][2 * f] = snd_pcm[0][i][2 * f + 1] = v;
        }
    }
    struct virtq_buf b[3] = {
        { &snd_stream_id[stream], 4, 0 },
        { snd_pcm[stream][i], PERIOD_BYTES, stream ? VIRTQ_BUF_DEVICE_WRITES : 0 },
        { snd_xfer_status[stream][i], 8, VIRTQ_BUF_DEVICE_WRITES },
    };
    int head = virtq_submit(stream ? &snd_rx : &snd_tx, b, 3);
    if (head != (int)(3u * i))
        fail("unexpected sound descriptor head", (uint32_t)head);
}

static int snd_poll(void)
{
    int n = 0, id;
    uint32_t len;
    while (snd_played < PERIODS * PERIOD_FRAMES && (id = virtq_get_used(&snd_tx, 0)) >= 0) {
        uint32_t i = (uint32_t)id / 3u;
        if (snd_xfer_status[0][i][0] != S_OK)
            fail("tx status", snd_xfer_status[0][i][0]);
        snd_played += PERIOD_FRAMES;
        note_host(0x400u + i);
        n++;
        if (snd_queued < PERIODS) {
            snd_submit(0, i);
            virtq_notify(&snd, &snd_tx);
            snd_queued++;
        } else if (snd_played == PERIODS * PERIOD_FRAMES) {
            snd_control(R_PCM_STOP, 0, 8);
            snd_control(R_PCM_RELEASE, 0, 8);
        }
    }
    while (snd_captured < PERIODS * PERIOD_FRAMES && (id = virtq_get_used(&snd_rx, &len)) >= 0) {
        uint32_t i = (uint32_t)id / 3u;
        if (snd_xfer_status[1][i][0] != S_OK || len != PERIOD_BYTES + 8u)
            fail("rx status or length", len);
        for (uint32_t k = 0; k < PERIOD_FRAMES * CHANNELS; k++) {
            int32_t v = snd_pcm[1][i][k];
            uint32_t a = v < 0 ? (uint32_t)-v : (uint32_t)v;
            if (a > snd_peak)
                snd_peak = a;
            snd_squares += (uint64_t)(v * v);
        }
        snd_captured += PERIOD_FRAMES;
        note_host(0x500u + i);
        n++;
        if (snd_captured + (IN_FLIGHT - 1u) * PERIOD_FRAMES < PERIODS * PERIOD_FRAMES) {
            snd_submit(1, i);
            virtq_notify(&snd, &snd_rx);
        } else if (snd_captured == PERIODS * PERIOD_FRAMES) {
            snd_control(R_PCM_STOP, 1, 8);
            snd_control(R_PCM_RELEASE, 1, 8);
        }
    }
    return n;
}

static uint32_t isqrt64(uint64_t v)
{
    uint64_t r = 0, bit = 1ull << 62;
    while (bit > v)
        bit >>= 2;
    for (; bit; bit >>= 2) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else
            r >>= 1;
    }
    return (uint32_t)r;
}

/* ---- virtio-rng ------------------------------------------------------------------------ */
#define RNG_BYTES 32u

static struct virtio_dev rng;
static struct virtq rngq;
static uint8_t rng_buf[RNG_BYTES];
static uint32_t rng_got;

static void rng_ask(void)
{
    struct virtq_buf b = { rng_buf + rng_got, RNG_BYTES - rng_got, VIRTQ_BUF_DEVICE_WRITES };
    if (virtq_submit(&rngq, &b, 1) < 0)
        fail("rng queue full", 0);
    virtq_notify(&rng, &rngq);
}

static int rng_poll(void)
{
    int n = 0;
    uint32_t len;
    while (rng_got < RNG_BYTES && virtq_get_used(&rngq, &len) >= 0) {
        rng_got += len;
        n++;
        if (rng_got < RNG_BYTES)
            rng_ask();
        else
            host_fnv = fnv(host_fnv, rng_buf, RNG_BYTES);
    }
    return n;
}

/* ---- UART --------------------------------------------------------------------------------- */
static uint32_t serial_bytes, serial_fnv = FNV_START, serial_done;

static int serial_poll(void)
{
    int n = 0, c;
    while ((c = uart_try_getc()) >= 0) {
        uint8_t b = (uint8_t)c;
        serial_bytes++;
        serial_fnv = fnv(serial_fnv, &b, 1);
        if (b == '\n')
            serial_done = 1;
        note_host(0x600u + b);
        n++;
    }
    return n;
}

/* ---- interrupts ------------------------------------------------------------------------- */
static struct virtio_dev *const devices[] = { &blk, &net, &kbd, &snd, &rng };

/* Claims one pending PLIC source and acknowledges its device. Only one: the UART's level
 * stays high until its bytes are read, so claiming again at once would find it again. */
static void service_irq(void)
{
    uint32_t src = plic_claim();
    if (src == 0)
        return;
    for (uint32_t d = 0; d < sizeof devices / sizeof devices[0]; d++)
        if (src == devices[d]->irq)
            virtio_ack_interrupt(devices[d]);
    plic_complete(src);
}

static void put_line(const char *what, uint32_t count, const char *unit, uint32_t digest)
{
    uart_puts("devices-all: ");
    uart_puts(what);
    uart_put_dec(count);
    uart_puts(unit);
    uart_puts(" fnv=");
    uart_put_hex(digest);
    uart_puts("\n");
}

int main(void)
{
    struct virtq *const blk_qs[] = { &blkq };
    struct virtq *const net_qs[] = { &netrx, &nettx };
    struct virtq *const kbd_qs[] = { &kbdq, &kbd_statusq };
    struct virtq *const snd_qs[] = { &snd_ctl, &snd_evq, &snd_tx, &snd_rx };
    struct virtq *const rng_qs[] = { &rngq };
    start_device(&blk, VIRTIO_ID_BLK, blk_qs, 1, "virtio-blk (--drive)");
    start_device(&net, VIRTIO_ID_NET, net_qs, 2, "virtio-net (--net)");
    start_device(&kbd, VIRTIO_ID_INPUT, kbd_qs, 2, "virtio keyboard (key lines in --input-script)");
    start_device(&snd, VIRTIO_ID_SOUND, snd_qs, 4, "virtio-sound (--audio-in)");
    start_device(&rng, VIRTIO_ID_RNG, rng_qs, 1, "virtio-rng (--rng)");
    virtio_driver_ok(&blk);
    virtio_driver_ok(&net);
    virtio_driver_ok(&kbd);
    virtio_driver_ok(&snd);
    virtio_driver_ok(&rng);
    mmio_write8(UART0_BASE + UART_IER, UART_IER_RDI);
    plic_set_priority(UART_IRQ, 1);
    plic_enable(UART_IRQ);
    plic_set_threshold(0);
    csr_set(mie, MIE_MEIE);
    note_host((uint32_t)rtc_read_ns());

    /* Everything starts before the first wait: disk requests, rng, both audio streams. */
    blk_start_round();
    rng_ask();
    for (int k = 0; k < NET_RX; k++)
        net_post(k);
    virtq_notify(&net, &netrx);
    for (int i = 0; i < kbdq.num; i++)
        kbd_post(i);
    virtq_notify(&kbd, &kbdq);
    snd_set_params(0);
    snd_set_params(1);
    snd_control(R_PCM_PREPARE, 0, 8);
    snd_control(R_PCM_PREPARE, 1, 8);
    for (uint32_t i = 0; i < IN_FLIGHT; i++) {
        snd_submit(0, i);
        snd_submit(1, i);
    }
    snd_queued = IN_FLIGHT;
    virtq_notify(&snd, &snd_tx);
    virtq_notify(&snd, &snd_rx);
    snd_control(R_PCM_START, 0, 8);
    snd_control(R_PCM_START, 1, 8);
    uart_puts("devices-all: ready\n");

    uint32_t wakeups = 0, busiest = 0;
    for (;;) {
        int counts[6] = { blk_poll(), net_poll(), kbd_poll(), snd_poll(), rng_poll(), serial_poll() };
        uint32_t reporting = 0;
        for (int d = 0; d < 6; d++)
            reporting += counts[d] > 0;
        if (reporting > busiest)
            busiest = reporting;
        int all_done = blk_round == ROUNDS && net_done && kbd_done && snd_captured == PERIODS * PERIOD_FRAMES &&
                       snd_played == PERIODS * PERIOD_FRAMES && rng_got == RNG_BYTES && serial_done;
        if (all_done)
            break;
        if (reporting)
            continue;
        wfi();                           /* MIE is clear: a pending interrupt wakes it, no trap */
        wakeups++;
        service_irq();
    }

    put_line("disk ", blk_requests, " requests in 6 rounds,", blk_fnv);
    put_line("net ", net_frames, " frames echoed,", net_fnv);
    uart_puts("devices-all: net ");
    uart_put_dec(net_bytes);
    uart_puts(" bytes\n");
    put_line("keyboard ", kbd_events, " events,", kbd_fnv);
    put_line("serial ", serial_bytes, " bytes,", serial_fnv);
    uart_puts("devices-all: audio played ");
    uart_put_dec(snd_played);
    uart_puts(" frames, captured ");
    uart_put_dec(snd_captured);
    uart_puts(" frames peak=");
    uart_put_dec(snd_peak);
    uart_puts(" rms=");
    uart_put_dec(isqrt64(snd_squares / (snd_captured * CHANNELS)));
    uart_puts("\n");
    uart_puts("devices-all: rng ");
    uart_put_dec(rng_got);
    uart_puts(" bytes\n");
    uart_puts("devices-all: host wakeups=");
    uart_put_dec(wakeups);
    uart_puts(" busiest=");
    uart_put_dec(busiest);
    uart_puts(" digest=");
    uart_put_hex(host_fnv);
    uart_puts("\n");
    uart_puts("devices-all: done\n");
    return 0;
}
