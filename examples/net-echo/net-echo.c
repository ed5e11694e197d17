/* net-echo: a tiny network host on a virtio-net device (ID 1) with IPv4 address 10.0.2.15.
 * It answers ARP requests for its address, answers ICMP echo requests (ping), and echoes
 * every UDP datagram back to its sender (addresses and ports swapped, checksums
 * recomputed). It prints one console line per frame it handles, and ends (test finisher:
 * pass) after echoing a UDP datagram whose payload is "quit". Frames arrive by interrupt
 * (PLIC source 1 + slot) into 16 receive buffers; each reply is sent from one transmit
 * buffer and waited for (polling the transmit queue's used ring) before the next frame is
 * looked at. Every line depends only on the frames received, so a peer that sends the same
 * frames sees the same console output on rrvm and on QEMU. */
#include "virtio.h"

#define VIRTIO_NET_F_MAC    (1ull << 5)
#define VIRTIO_NET_F_STATUS (1ull << 16)
#define VIRTIO_NET_S_LINK_UP 1u
#define NET_HDR_BYTES  12u               /* struct virtio_net_hdr under VERSION_1 */
#define RX_BUFS        16
#define BUF_BYTES      1536u             /* header + the largest Ethernet frame, rounded up */
#define RXQ            0
#define TXQ            1

#define ETH_HLEN       14u
#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_ARP  0x0806u
#define IPPROTO_ICMP   1u
#define IPPROTO_UDP    17u

static const uint8_t my_ip[4] = { 10, 0, 2, 15 };
static uint8_t my_mac[6];

static struct virtio_dev dev;
static struct virtq rxq, txq;
static uint8_t rx_buf[RX_BUFS][BUF_BYTES] __attribute__((aligned(16)));
static uint8_t tx_buf[BUF_BYTES] __attribute__((aligned(16)));
static int head_buf[VIRTQ_SIZE];         /* rx chain head -> buffer index */
static uint32_t frames;

static void fail(const char *what, int code) __attribute__((noreturn));
static void fail(const char *what, int code)
{
    uart_puts("net-echo: FAIL ");
    uart_puts(what);
    uart_puts("\n");
    exit(code);
}

static uint32_t on_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    (void)mtval;
    if (mcause != (MCAUSE_INTERRUPT | IRQ_M_EXT)) {
        uart_puts("net-echo: FAIL unexpected trap mcause=0x");
        uart_put_hex(mcause);
        uart_puts(" mepc=0x");
        uart_put_hex(mepc);
        uart_puts("\n");
        exit(9);
    }
    uint32_t src = plic_claim();
    if (src == dev.irq)
        virtio_ack_interrupt(&dev);
    if (src)
        plic_complete(src);
    return mepc;
}

/* ---- bytes in network order ----------------------------------------------------- */
static uint32_t get16(const uint8_t *p) { return ((uint32_t)p[0] << 8) | p[1]; }
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void copy(uint8_t *d, const uint8_t *s, uint32_t n) { for (uint32_t i = 0; i < n; i++) d[i] = s[i]; }
static int same(const uint8_t *a, const uint8_t *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* RFC 1071 ones'-complement sum of n bytes, folded into 16 bits (not inverted). */
static uint32_t sum16(uint32_t sum, const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i + 1 < n; i += 2)
        sum += get16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return sum;
}

/* ---- output --------------------------------------------------------------------- */
static void put_ip(const uint8_t *ip)
{
    for (int i = 0; i < 4; i++) {
        if (i)
            uart_putc('.');
        uart_put_dec(ip[i]);
    }
}

static void put_mac(const uint8_t *mac)
{
    for (int i = 0; i < 6; i++) {
        if (i)
            uart_putc(':');
        uart_putc("0123456789abcdef"[mac[i] >> 4]);
        uart_putc("0123456789abcdef"[mac[i] & 15]);
    }
}

static void say(const char *s)
{
    uart_puts("net-echo: #");
    uart_put_dec(frames);
    uart_puts(" ");
    uart_puts(s);
}

/* ---- transmit ------------------------------------------------------------------- */
/* Sends tx_buf's frame of `len` bytes and waits until the device has taken it. */
static void transmit(uint32_t len)
{
    for (uint32_t i = 0; i < NET_HDR_BYTES; i++)
        tx_buf[i] = 0;
    struct virtq_buf b = { tx_buf, NET_HDR_BYTES + len, 0 };
    if (virtq_submit(&txq, &b, 1) < 0)
        fail("transmit queue full", 4);
    virtq_notify(&dev, &txq);
    while (virtq_get_used(&txq, 0) < 0)
        ;
}

/* ---- receive buffers ------------------------------------------------------------ */
static void post_rx(int k)
{
    struct virtq_buf b = { rx_buf[k], BUF_BYTES, VIRTQ_BUF_DEVICE_WRITES };
    int head = virtq_submit(&rxq, &b, 1);
    if (head < 0)
        fail("receive queue full", 4);
    head_buf[head] = k;
}

/* ---- protocols -------------------------------------------------------------------- */
/* Ethernet header of the reply: back to the sender, from us. */
static void eth_reply(uint8_t *out, const uint8_t *in)
{
    copy(out, in + 6, 6);
    copy(out + 6, my_mac, 6);
    copy(out + 12, in + 12, 2);
}

static void handle_arp(const uint8_t *f, uint32_t len)
{
    const uint8_t *a = f + ETH_HLEN;
    if (len < ETH_HLEN + 28 || get16(a) != 1 || get16(a + 2) != ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4) {
        say("arp: malformed, ignored\n");
        return;
    }
    if (get16(a + 6) != 1 || !same(a + 24, my_ip, 4)) {
        say("arp: not a request for us, ignored\n");
        return;
    }
    uint8_t *o = tx_buf + NET_HDR_BYTES;
    eth_reply(o, f);
    uint8_t *r = o + ETH_HLEN;
    copy(r, a, 6);                       /* htype, ptype, hlen, plen */
    put16(r + 6, 2);                     /* reply */
    copy(r + 8, my_mac, 6);
    copy(r + 14, my_ip, 4);
    copy(r + 18, a + 8, 10);             /* target = the asker's mac and ip */
    transmit(ETH_HLEN + 28);
    say("arp: who-has ");
    put_ip(my_ip);
    uart_puts(" tell ");
    put_ip(a + 14);
    uart_puts(": replied ");
    put_mac(my_mac);
    uart_puts("\n");
}

/* Copies the IPv4 packet (header `ihl` bytes, `total` bytes) into the reply with the
 * addresses swapped, TTL 64 and a new header checksum; returns the reply's IP header. */
static uint8_t *ip_reply(const uint8_t *f, uint32_t ihl, uint32_t total)
{
    uint8_t *o = tx_buf + NET_HDR_BYTES;
    eth_reply(o, f);
    uint8_t *ip = o + ETH_HLEN;
    copy(ip, f + ETH_HLEN, total);
    copy(ip + 12, f + ETH_HLEN + 16, 4);
    copy(ip + 16, f + ETH_HLEN + 12, 4);
    ip[8] = 64;
    put16(ip + 10, 0);
    put16(ip + 10, ~sum16(0, ip, ihl) & 0xffffu);
    return ip;
}

static void put_endpoint(const uint8_t *ip, uint32_t port)
{
    put_ip(ip);
    uart_putc(':');
    uart_put_dec(port);
}

/* Returns 1 when the datagram said "quit". */
static int handle_ipv4(const uint8_t *f, uint32_t len)
{
    const uint8_t *ip = f + ETH_HLEN;
    uint32_t ihl = (uint32_t)(ip[0] & 15) * 4;
    uint32_t total = len >= ETH_HLEN + 20 ? get16(ip + 2) : 0;
    if (len < ETH_HLEN + 20 || (ip[0] >> 4) != 4 || ihl < 20 || total < ihl || ETH_HLEN + total > len
        || (sum16(0, ip, ihl) != 0xffffu)) {
        say("ipv4: malformed or bad checksum, ignored\n");
        return 0;
    }
    if (!same(ip + 16, my_ip, 4)) {
        say("ipv4: not for us, ignored\n");
        return 0;
    }
    if ((get16(ip + 6) & 0x3fffu) != 0) {
        say("ipv4: fragment, ignored\n");
        return 0;
    }
    const uint8_t *l4 = ip + ihl;
    uint32_t l4len = total - ihl;
    if (ip[9] == IPPROTO_ICMP) {
        if (l4len < 8 || l4[0] != 8 || sum16(0, l4, l4len) != 0xffffu) {
            say("icmp: not an echo request, ignored\n");
            return 0;
        }
        uint8_t *r = ip_reply(f, ihl, total) + ihl;
        r[0] = 0;                        /* echo reply */
        put16(r + 2, 0);
        put16(r + 2, ~sum16(0, r, l4len) & 0xffffu);
        transmit(ETH_HLEN + total);
        say("icmp: echo request from ");
        put_ip(ip + 12);
        uart_puts(" id=");
        uart_put_dec(get16(l4 + 4));
        uart_puts(" seq=");
        uart_put_dec(get16(l4 + 6));
        uart_puts(" bytes=");
        uart_put_dec(l4len - 8);
        uart_puts(": replied\n");
        return 0;
    }
    if (ip[9] == IPPROTO_UDP) {
        uint32_t ulen = l4len >= 8 ? get16(l4 + 4) : 0;
        if (ulen < 8 || ulen > l4len) {
            say("udp: malformed, ignored\n");
            return 0;
        }
        uint8_t *rip = ip_reply(f, ihl, total);
        uint8_t *u = rip + ihl;
        put16(u, get16(l4 + 2));
        put16(u + 2, get16(l4));
        put16(u + 6, 0);
        uint8_t pseudo[12];
        copy(pseudo, rip + 12, 8);
        pseudo[8] = 0;
        pseudo[9] = IPPROTO_UDP;
        put16(pseudo + 10, ulen);
        uint32_t sum = ~sum16(sum16(0, pseudo, 12), u, ulen) & 0xffffu;
        put16(u + 6, sum == 0 ? 0xffffu : sum);
        transmit(ETH_HLEN + total);
        const uint8_t *data = l4 + 8;
        uint32_t n = ulen - 8;
        say("udp: ");
        put_endpoint(ip + 12, get16(l4));
        uart_puts(" -> ");
        put_endpoint(ip + 16, get16(l4 + 2));
        uart_puts(" bytes=");
        uart_put_dec(n);
        uart_puts(" \"");
        for (uint32_t i = 0; i < n && i < 40; i++)
            uart_putc(data[i] >= 0x20 && data[i] < 0x7f ? (char)data[i] : '.');
        uart_puts(n > 40 ? "...\": echoed\n" : "\": echoed\n");
        return n == 4 && data[0] == 'q' && data[1] == 'u' && data[2] == 'i' && data[3] == 't';
    }
    say("ipv4: protocol ");
    uart_put_dec(ip[9]);
    uart_puts(", ignored\n");
    return 0;
}

/* Handles one received frame; returns 1 when it was the "quit" datagram. */
static int handle(const uint8_t *f, uint32_t len)
{
    frames++;
    if (len < ETH_HLEN) {
        say("runt frame, ignored\n");
        return 0;
    }
    uint32_t type = get16(f + 12);
    if (type == ETHERTYPE_ARP) {
        handle_arp(f, len);
        return 0;
    }
    if (type == ETHERTYPE_IPV4)
        return handle_ipv4(f, len);
    say("ethertype 0x");
    uart_put_hex(type);
    uart_puts(", ignored\n");
    return 0;
}

int main(void)
{
    int slot = virtio_find(VIRTIO_ID_NET, 0);
    if (slot < 0)
        fail("no virtio-net device (ID 1, version 2) in any of the 8 virtio-mmio slots", 2);
    int err = virtio_init(&dev, slot, VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS);
    if (err == 0)
        err = virtio_queue_init(&dev, &rxq, RXQ);
    if (err == 0)
        err = virtio_queue_init(&dev, &txq, TXQ);
    if (err) {
        uart_puts("net-echo: FAIL virtio-net setup error ");
        uart_put_dec((uint32_t)-err);
        uart_puts("\n");
        exit(2);
    }
    if (!(dev.features & VIRTIO_NET_F_MAC))
        fail("the device offers no MAC address", 3);
    for (uint32_t i = 0; i < 6; i++)
        my_mac[i] = virtio_config_read8(&dev, i);
    uint32_t link = (dev.features & VIRTIO_NET_F_STATUS)
                        ? (virtio_config_read8(&dev, 6) & VIRTIO_NET_S_LINK_UP) : 1;
    for (int k = 0; k < RX_BUFS; k++)
        post_rx(k);
    virtio_driver_ok(&dev);
    virtq_notify(&dev, &rxq);

    trap_init(on_trap);
    plic_set_priority(dev.irq, 1);
    plic_enable(dev.irq);
    plic_set_threshold(0);
    csr_set(mie, MIE_MEIE);

    uart_puts("net-echo: mac ");
    put_mac(my_mac);
    uart_puts(" ip ");
    put_ip(my_ip);
    uart_puts(link ? " link up\n" : " link down\n");

    for (;;) {
        uint32_t len;
        irq_disable();
        int id = virtq_get_used(&rxq, &len);
        if (id < 0) {
            wfi();                       /* wakes on a pending interrupt even with MIE clear */
            irq_enable();
            continue;
        }
        irq_enable();
        int k = head_buf[id];
        int quit = len >= NET_HDR_BYTES && handle(rx_buf[k] + NET_HDR_BYTES, len - NET_HDR_BYTES);
        if (len < NET_HDR_BYTES) {
            frames++;
            say("empty buffer, ignored\n");
        }
        post_rx(k);
        virtq_notify(&dev, &rxq);
        if (quit) {
            uart_puts("net-echo: quit after ");
            uart_put_dec(frames);
            uart_puts(" frames\n");
            return 0;
        }
    }
}
