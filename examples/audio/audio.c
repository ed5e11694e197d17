/* audio: plays a 440 Hz tone for 0.5 s on a virtio-sound device (ID 25: output stream 0,
 * 48 kHz stereo S16_LE, periods of 10 ms, four in flight), then records 0.5 s from input
 * stream 1 and prints the peak and the RMS of what it captured:
 *   audio: played 24000 frames
 *   audio: captured 24000 frames peak=16384 rms=11585     (rrvm --audio-in tone:440)
 * The host returns each tx buffer once it has played it, which paces the guest; rx buffers
 * come back full. It sleeps in WFI between completions (PLIC polled with MIE clear).
 * Try: rrvm run --audio-in tone:440 --audio-out out.wav examples/audio/audio.elf */
#include "virtio.h"

#define RATE_48000   7
#define FMT_S16      5
#define RATE_HZ      48000u
#define CHANNELS     2u
#define FRAME_BYTES  (2u * CHANNELS)
#define PERIOD_FRAMES 480u                    /* 10 ms */
#define PERIOD_BYTES (PERIOD_FRAMES * FRAME_BYTES)
#define PERIODS      4u                       /* in flight */
#define TOTAL_FRAMES (RATE_HZ / 2u)           /* 0.5 s */

#define R_PCM_INFO       0x100u
#define R_PCM_SET_PARAMS 0x101u
#define R_PCM_PREPARE    0x102u
#define R_PCM_RELEASE    0x103u
#define R_PCM_START      0x104u
#define R_PCM_STOP       0x105u
#define S_OK             0x8000u

static struct virtio_dev dev;
static struct virtq controlq, eventq, txq, rxq;
static uint8_t req[32] __attribute__((aligned(8)));
static uint8_t resp[4 + 2 * 32] __attribute__((aligned(8)));
static uint32_t xfer_hdr[2];                  /* stream ids: 0 output, 1 input */
static int16_t pcm[PERIODS][PERIOD_FRAMES * CHANNELS];
static uint32_t pcm_status[PERIODS][2];

static void fail(const char *what, uint32_t n) __attribute__((noreturn));
static void fail(const char *what, uint32_t n)
{
    uart_puts("audio: FAIL ");
    uart_puts(what);
    uart_puts(" 0x");
    uart_put_hex(n);
    uart_puts("\n");
    exit(3);
}

static void put32(uint8_t *b, uint32_t v) { b[0] = v; b[1] = v >> 8; b[2] = v >> 16; b[3] = v >> 24; }
static uint32_t get32(const uint8_t *b) { return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24; }

/* Sleeps until an interrupt is pending, then claims and acknowledges it. */
static void wait_irq(void)
{
    wfi();
    uint32_t src = plic_claim();
    if (src == dev.irq)
        virtio_ack_interrupt(&dev);
    if (src)
        plic_complete(src);
}

/* Sends `len` request bytes on the control queue; returns the response status. */
static uint32_t control(uint32_t len, uint32_t resp_len)
{
    struct virtq_buf b[2] = { { req, len, 0 }, { resp, resp_len, VIRTQ_BUF_DEVICE_WRITES } };
    if (virtq_submit(&controlq, b, 2) < 0)
        fail("control queue full", 0);
    virtq_notify(&dev, &controlq);
    while (virtq_get_used(&controlq, 0) < 0)
        wait_irq();
    return get32(resp);
}

static void pcm_request(uint32_t code, uint32_t stream)
{
    put32(req, code);
    put32(req + 4, stream);
    uint32_t status = control(8, 4);
    if (status != S_OK)
        fail("PCM request refused, code", code);
}

static void set_params(uint32_t stream)
{
    put32(req, R_PCM_SET_PARAMS);
    put32(req + 4, stream);
    put32(req + 8, PERIODS * PERIOD_BYTES);   /* buffer_bytes */
    put32(req + 12, PERIOD_BYTES);            /* period_bytes */
    put32(req + 16, 0);                       /* features */
    req[20] = CHANNELS;
    req[21] = FMT_S16;
    req[22] = RATE_48000;
    req[23] = 0;
    uint32_t status = control(24, 4);
    if (status != S_OK)
        fail("SET_PARAMS refused, stream", stream);
}

/* Queues period buffer i on txq (stream 0: header, samples, status) or rxq (stream 1). */
static void submit(int i, uint32_t stream)
{
    struct virtq_buf b[3] = {
        { &xfer_hdr[stream], 4, 0 },
        { pcm[i], PERIOD_BYTES, stream ? VIRTQ_BUF_DEVICE_WRITES : 0 },
        { pcm_status[i], 8, VIRTQ_BUF_DEVICE_WRITES },
    };
    struct virtq *q = stream ? &rxq : &txq;
    int head = virtq_submit(q, b, 3);
    if (head < 0)
        fail("transfer queue full", stream);
    /* Three descriptors per buffer: head / 3 names the period buffer again. */
    if (head != 3 * i)
        fail("unexpected descriptor head", (uint32_t)head);
}

/* The 440 Hz tone, amplitude 12000: y[n] = 2cos(w) y[n-1] - y[n-2], 2cos(w) in Q30. */
static int32_t y1 = 0, y2 = -691;
static void fill_tone(int i)
{
    for (uint32_t f = 0; f < PERIOD_FRAMES; f++) {
        int32_t y = (int32_t)(((int64_t)2143922726 * y1) >> 30) - y2;
        y2 = y1;
        y1 = y;
        pcm[i][2 * f] = pcm[i][2 * f + 1] = (int16_t)y2;
    }
}

static uint32_t isqrt64(uint64_t v)
{
    uint64_t r = 0, bit = 1ull << 62;
    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else
            r >>= 1;
        bit >>= 2;
    }
    return (uint32_t)r;
}

int main(void)
{
    int slot = virtio_find(VIRTIO_ID_SOUND, 0);
    if (slot < 0)
        fail("no virtio-sound device (ID 25)", 0);
    if (virtio_init(&dev, slot, 0) || virtio_queue_init(&dev, &controlq, 0) || virtio_queue_init(&dev, &eventq, 1) ||
        virtio_queue_init(&dev, &txq, 2) || virtio_queue_init(&dev, &rxq, 3))
        fail("virtio-sound setup error", 0);
    virtio_driver_ok(&dev);
    plic_set_priority(dev.irq, 1);
    plic_enable(dev.irq);
    plic_set_threshold(0);
    csr_set(mie, MIE_MEIE);
    xfer_hdr[1] = 1;

    uint32_t streams = virtio_config_read32(&dev, 4);
    put32(req, R_PCM_INFO);
    put32(req + 4, 0);
    put32(req + 8, 2);
    put32(req + 12, 32);
    if (streams < 2 || control(16, sizeof resp) != S_OK)
        fail("PCM_INFO: two streams expected, got", streams);
    for (uint32_t s = 0; s < 2; s++) {
        const uint8_t *info = resp + 4 + 32 * s;
        if (!(info[8] & (1u << FMT_S16)) || !(info[16] & (1u << RATE_48000)) || info[24] != s || info[26] < 2)
            fail("stream cannot do 48 kHz stereo S16, stream", s);
    }
    uart_puts("audio: virtio-sound ready, 2 streams\n");

    /* Play. */
    set_params(0);
    pcm_request(R_PCM_PREPARE, 0);
    uint32_t queued = 0, played = 0;
    for (uint32_t i = 0; i < PERIODS; i++, queued += PERIOD_FRAMES) {
        fill_tone(i);
        submit(i, 0);
    }
    virtq_notify(&dev, &txq);
    pcm_request(R_PCM_START, 0);
    while (played < TOTAL_FRAMES) {
        int id = virtq_get_used(&txq, 0);
        if (id < 0) {
            wait_irq();
            continue;
        }
        if (pcm_status[id / 3][0] != S_OK)
            fail("tx status", pcm_status[id / 3][0]);
        played += PERIOD_FRAMES;
        if (queued < TOTAL_FRAMES) {
            fill_tone(id / 3);
            submit(id / 3, 0);
            virtq_notify(&dev, &txq);
            queued += PERIOD_FRAMES;
        }
    }
    pcm_request(R_PCM_STOP, 0);
    pcm_request(R_PCM_RELEASE, 0);
    uart_puts("audio: played ");
    uart_put_dec(played);
    uart_puts(" frames\n");

    /* Record. */
    set_params(1);
    pcm_request(R_PCM_PREPARE, 1);
    for (uint32_t i = 0; i < PERIODS; i++)
        submit(i, 1);
    virtq_notify(&dev, &rxq);
    pcm_request(R_PCM_START, 1);
    uint32_t captured = 0, peak = 0;
    uint64_t squares = 0;
    while (captured < TOTAL_FRAMES) {
        uint32_t len;
        int id = virtq_get_used(&rxq, &len);
        if (id < 0) {
            wait_irq();
            continue;
        }
        int i = id / 3;
        if (pcm_status[i][0] != S_OK || len != PERIOD_BYTES + 8)
            fail("rx status or length", len);
        for (uint32_t k = 0; k < PERIOD_FRAMES * CHANNELS; k++) {
            int32_t v = pcm[i][k];
            uint32_t a = v < 0 ? (uint32_t)-v : (uint32_t)v;
            if (a > peak)
                peak = a;
            squares += (uint64_t)(v * v);
        }
        captured += PERIOD_FRAMES;
        if (captured + (PERIODS - 1) * PERIOD_FRAMES < TOTAL_FRAMES) {
            submit(i, 1);
            virtq_notify(&dev, &rxq);
        }
    }
    pcm_request(R_PCM_STOP, 1);
    pcm_request(R_PCM_RELEASE, 1);
    uart_puts("audio: captured ");
    uart_put_dec(captured);
    uart_puts(" frames peak=");
    uart_put_dec(peak);
    uart_puts(" rms=");
    uart_put_dec(isqrt64(squares / (captured * CHANNELS)));
    uart_puts("\n");
    exit(0);
}
