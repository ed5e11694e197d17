/* input-log: finds the virtio keyboard and mouse (device ID 18, told apart by the name in
 * their configuration space: select ID_NAME), keeps their event queues stocked with 8-byte
 * buffers and prints one console line per group of evdev events (up to SYN_REPORT):
 *   key KEY_A down        rel dx=5 dy=-3        btn BTN_LEFT down
 * It ends (test finisher: pass) when KEY_ESC is pressed, after printing every event received so far. Interrupts wake it from WFI; it
 * takes them by polling the PLIC with MIE clear, so it needs no trap handler.
 * Try: rrvm run examples/input-log/input-log.elf --input-script examples/input-log/keys.jsonl */
#include "virtio.h"

#define CFG_SELECT 0
#define CFG_SUBSEL 1
#define CFG_SIZE   2
#define CFG_U      8
#define CFG_ID_NAME 1

#define EV_SYN 0
#define EV_KEY 1
#define EV_REL 2
#define EV_ABS 3
#define REL_X 0
#define REL_Y 1
#define REL_WHEEL 8
#define KEY_ESC 1
#define BTN_LEFT 0x110

struct input_event { uint16_t type, code; uint32_t value; };

struct input_dev {
    const char *what;                  /* "keyboard", "mouse" */
    struct virtio_dev dev;
    struct virtq eventq;
    struct input_event ev[VIRTQ_SIZE];
    int found;
    /* the group being collected */
    int32_t dx, dy, wheel;
    int moved;
};

static struct input_dev kbd = { .what = "keyboard" }, mouse = { .what = "mouse" };
static struct virtq statusq[2];
static int done;

/* Linux key names by code (KEY_ESC = 1 .. KEY_COMPOSE = 127); 0 where there is none. */
static const char *const key_names[128] = {
    [1] = "ESC", [2] = "1", [3] = "2", [4] = "3", [5] = "4", [6] = "5", [7] = "6", [8] = "7", [9] = "8", [10] = "9", [11] = "0",
    [12] = "MINUS", [13] = "EQUAL", [14] = "BACKSPACE", [15] = "TAB",
    [16] = "Q", [17] = "W", [18] = "E", [19] = "R", [20] = "T", [21] = "Y", [22] = "U", [23] = "I", [24] = "O", [25] = "P",
    [26] = "LEFTBRACE", [27] = "RIGHTBRACE", [28] = "ENTER", [29] = "LEFTCTRL",
    [30] = "A", [31] = "S", [32] = "D", [33] = "F", [34] = "G", [35] = "H", [36] = "J", [37] = "K", [38] = "L",
    [39] = "SEMICOLON", [40] = "APOSTROPHE", [41] = "GRAVE", [42] = "LEFTSHIFT", [43] = "BACKSLASH",
    [44] = "Z", [45] = "X", [46] = "C", [47] = "V", [48] = "B", [49] = "N", [50] = "M",
    [51] = "COMMA", [52] = "DOT", [53] = "SLASH", [54] = "RIGHTSHIFT", [55] = "KPASTERISK", [56] = "LEFTALT",
    [57] = "SPACE", [58] = "CAPSLOCK", [59] = "F1", [60] = "F2", [61] = "F3", [62] = "F4", [63] = "F5",
    [64] = "F6", [65] = "F7", [66] = "F8", [67] = "F9", [68] = "F10", [69] = "NUMLOCK", [70] = "SCROLLLOCK",
    [71] = "KP7", [72] = "KP8", [73] = "KP9", [74] = "KPMINUS", [75] = "KP4", [76] = "KP5", [77] = "KP6",
    [78] = "KPPLUS", [79] = "KP1", [80] = "KP2", [81] = "KP3", [82] = "KP0", [83] = "KPDOT",
    [86] = "102ND", [87] = "F11", [88] = "F12", [96] = "KPENTER", [97] = "RIGHTCTRL", [98] = "KPSLASH",
    [99] = "SYSRQ", [100] = "RIGHTALT", [102] = "HOME", [103] = "UP", [104] = "PAGEUP", [105] = "LEFT",
    [106] = "RIGHT", [107] = "END", [108] = "DOWN", [109] = "PAGEDOWN", [110] = "INSERT", [111] = "DELETE",
    [119] = "PAUSE", [125] = "LEFTMETA", [126] = "RIGHTMETA", [127] = "COMPOSE",
};
static const char *const button_names[5] = { "BTN_LEFT", "BTN_RIGHT", "BTN_MIDDLE", "BTN_SIDE", "BTN_EXTRA" };

static void fail(const char *what, int code) __attribute__((noreturn));
static void fail(const char *what, int code)
{
    uart_puts("input-log: FAIL ");
    uart_puts(what);
    uart_puts("\n");
    exit(code);
}

static void put_signed(int32_t v)
{
    if (v < 0) {
        uart_putc('-');
        v = -v;
    }
    uart_put_dec((uint32_t)v);
}

/* Reads the device name (select ID_NAME) into buf; returns its length. */
static uint32_t device_name(struct virtio_dev *dev, char *buf, uint32_t cap)
{
    mmio_write8(dev->base + VIRTIO_MMIO_CONFIG + CFG_SELECT, CFG_ID_NAME);
    mmio_write8(dev->base + VIRTIO_MMIO_CONFIG + CFG_SUBSEL, 0);
    uint32_t n = virtio_config_read8(dev, CFG_SIZE);
    if (n > cap - 1)
        n = cap - 1;
    for (uint32_t i = 0; i < n; i++)
        buf[i] = (char)virtio_config_read8(dev, CFG_U + i);
    buf[n] = 0;
    return n;
}

static int contains(const char *s, const char *word)
{
    for (; *s; s++) {
        const char *a = s, *b = word;
        while (*a && *b && *a == *b)
            a++, b++;
        if (!*b)
            return 1;
    }
    return 0;
}

static void give_buffer(struct input_dev *d, int i)
{
    struct virtq_buf b = { &d->ev[i], sizeof d->ev[i], VIRTQ_BUF_DEVICE_WRITES };
    int head = virtq_submit(&d->eventq, &b, 1);
    if (head < 0)
        fail("virtq_submit: no free descriptors", 4);
}

static void start(struct input_dev *d, int slot, struct virtq *sq)
{
    if (virtio_init(&d->dev, slot, 0) || virtio_queue_init(&d->dev, &d->eventq, 0) || virtio_queue_init(&d->dev, sq, 1))
        fail("virtio-input setup error", 2);
    virtio_driver_ok(&d->dev);
    /* Buffer i is always submitted as descriptor i: the used id names the buffer. */
    for (int i = 0; i < d->eventq.num; i++)
        give_buffer(d, i);
    virtq_notify(&d->dev, &d->eventq);
    plic_set_priority(d->dev.irq, 1);
    plic_enable(d->dev.irq);
    d->found = 1;
    uart_puts("input-log: ");
    uart_puts(d->what);
    uart_puts(" in slot ");
    uart_put_dec((uint32_t)slot);
    uart_puts("\n");
}

/* One event of a group: print keys and buttons at once, add up motion until SYN_REPORT. */
static void handle(struct input_dev *d, const struct input_event *e)
{
    if (e->type == EV_KEY) {
        if (e->code >= BTN_LEFT && e->code < BTN_LEFT + 5) {
            uart_puts("btn ");
            uart_puts(button_names[e->code - BTN_LEFT]);
        } else {
            uart_puts("key ");
            if (e->code < 128 && key_names[e->code]) {
                uart_puts("KEY_");
                uart_puts(key_names[e->code]);
            } else {
                uart_puts("code=");
                uart_put_dec(e->code);
            }
        }
        uart_puts(e->value == 0 ? " up\n" : e->value == 1 ? " down\n" : " repeat\n");
        if (e->code == KEY_ESC && e->value == 1)
            done = 1;                   /* ends once every device's events so far are printed */
    } else if (e->type == EV_REL) {
        int32_t v = (int32_t)e->value;
        if (e->code == REL_X) d->dx += v;
        else if (e->code == REL_Y) d->dy += v;
        else if (e->code == REL_WHEEL) d->wheel += v;
        d->moved = 1;
    } else if (e->type == EV_ABS) {
        uart_puts(e->code == 0 ? "abs x=" : "abs y=");
        uart_put_dec(e->value);
        uart_puts("\n");
    } else if (e->type == EV_SYN && d->moved) {
        uart_puts("rel dx=");
        put_signed(d->dx);
        uart_puts(" dy=");
        put_signed(d->dy);
        if (d->wheel) {
            uart_puts(" wheel=");
            put_signed(d->wheel);
        }
        uart_puts("\n");
        d->dx = d->dy = d->wheel = 0;
        d->moved = 0;
    }
}

/* Takes every event the device returned, hands each buffer back; returns how many. */
static int drain(struct input_dev *d)
{
    int n = 0, id;
    uint32_t len;
    while (d->found && (id = virtq_get_used(&d->eventq, &len)) >= 0) {
        if (len == sizeof(struct input_event))
            handle(d, &d->ev[id]);
        give_buffer(d, id);
        n++;
    }
    if (n)
        virtq_notify(&d->dev, &d->eventq);
    return n;
}

int main(void)
{
    struct input_dev *devs[2] = { &kbd, &mouse };
    for (int slot = virtio_find(VIRTIO_ID_INPUT, 0); slot >= 0; slot = virtio_find(VIRTIO_ID_INPUT, slot + 1)) {
        struct virtio_dev probe = { .base = VIRTIO_MMIO_BASE(slot) };
        char name[64];
        device_name(&probe, name, sizeof name);
        struct input_dev *d = contains(name, "Keyboard") ? &kbd : contains(name, "Mouse") ? &mouse : 0;
        if (d && !d->found)
            start(d, slot, &statusq[d == &mouse]);
    }
    if (!kbd.found)
        fail("no virtio keyboard (ID 18, name \"...Keyboard\")", 2);
    plic_set_threshold(0);
    csr_set(mie, MIE_MEIE);
    uart_puts("input-log: ready\n");
    for (;;) {
        int n = 0;
        for (int i = 0; i < 2; i++)
            n += drain(devs[i]);
        if (done) {
            uart_puts("input-log: bye\n");
            exit(0);
        }
        if (n)
            continue;
        wfi();                          /* MIE is clear: a pending interrupt wakes it, no trap */
        uint32_t src = plic_claim();
        for (int i = 0; i < 2; i++)
            if (devs[i]->found && src == devs[i]->dev.irq)
                virtio_ack_interrupt(&devs[i]->dev);
        if (src)
            plic_complete(src);
    }
}
