/* cpu-bench: a CPU-bound integer workload in the spirit of CoreMark.
 * Per iteration: linked-list merge sort / reverse / search, 16x16 matrix multiply
 * with div/rem, a table-driven CRC-32 and a bitwise CRC-16 over a buffer, and a
 * character-classifying state machine. Prints one checksum per kernel and a total.
 * Every result depends only on the code, so QEMU and rrvm must print the same text.
 *
 * ITERATIONS = 3600 executes about 400 million instructions (measured on QEMU with
 * -icount shift=0, see examples/README.md). Data and bss live on their own pages. */
#include "rrvm.h"

#ifndef ITERATIONS
#define ITERATIONS 3600
#endif

#define LIST_N  128
#define MAT_N   16
#define BUF_N   512

struct node {
    int32_t value;
    uint32_t index;
    struct node *next;
};

static struct node nodes[LIST_N];
static int32_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];
static uint8_t buf[BUF_N];
static uint32_t crc_table[256];
static uint32_t rng_state;

static uint32_t rng(void)
{
    /* xorshift32 */
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const uint8_t *p, uint32_t n, uint32_t crc)
{
    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint16_t crc16(const uint8_t *p, uint32_t n, uint16_t crc)
{
    while (n--) {
        crc ^= (uint16_t)(*p++ << 8);
        for (int k = 0; k < 8; k++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

/* ---- linked list ---------------------------------------------------------------- */
static struct node *list_build(void)
{
    struct node *head = 0;
    for (int i = LIST_N - 1; i >= 0; i--) {
        nodes[i].value = (int32_t)(rng() % 20001) - 10000;
        nodes[i].index = (uint32_t)i;
        nodes[i].next = head;
        head = &nodes[i];
    }
    return head;
}

static struct node *list_merge_sort(struct node *head, int by_index)
{
    /* bottom-up merge sort, as in CoreMark's core_list_mergesort */
    int insize = 1;
    for (;;) {
        struct node *p = head, *tail = 0;
        int merges = 0;
        head = 0;
        while (p) {
            merges++;
            struct node *q = p;
            int psize = 0;
            for (int i = 0; i < insize && q; i++) {
                psize++;
                q = q->next;
            }
            int qsize = insize;
            while (psize > 0 || (qsize > 0 && q)) {
                struct node *e;
                if (psize == 0) {
                    e = q; q = q->next; qsize--;
                } else if (qsize == 0 || !q) {
                    e = p; p = p->next; psize--;
                } else {
                    int le = by_index ? p->index <= q->index : p->value <= q->value;
                    if (le) { e = p; p = p->next; psize--; }
                    else    { e = q; q = q->next; qsize--; }
                }
                if (tail) tail->next = e; else head = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (merges <= 1)
            return head;
        insize *= 2;
    }
}

static struct node *list_reverse(struct node *head)
{
    struct node *prev = 0;
    while (head) {
        struct node *n = head->next;
        head->next = prev;
        prev = head;
        head = n;
    }
    return prev;
}

static uint32_t bench_list(void)
{
    struct node *head = list_build();
    head = list_merge_sort(head, 0);
    uint32_t sum = 0;
    int32_t prev = -20000;
    uint32_t pos = 0;
    for (struct node *n = head; n; n = n->next) {
        if (n->value < prev)
            sum += 0x10000;                  /* never: the list is sorted */
        prev = n->value;
        sum = (sum * 31) ^ (uint32_t)n->value ^ (n->index << pos % 16);
        pos++;
    }
    head = list_reverse(head);
    /* find the nodes whose index is a multiple of 7 and count the steps */
    for (uint32_t want = 0; want < LIST_N; want += 7) {
        uint32_t steps = 0;
        for (struct node *n = head; n && n->index != want; n = n->next)
            steps++;
        sum += steps;
    }
    head = list_merge_sort(head, 1);        /* back to index order */
    for (struct node *n = head; n; n = n->next)
        sum = (sum << 1 | sum >> 31) + (uint32_t)n->value;
    return sum;
}

/* ---- matrix --------------------------------------------------------------------- */
static uint32_t bench_matrix(uint32_t seed)
{
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] = (int32_t)((seed + (uint32_t)(i * 37 + j * 11)) % 2001) - 1000;
            mat_b[i][j] = (int32_t)((seed ^ (uint32_t)(i * 13 + j * 29)) % 1999) - 999;
        }
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t acc = 0;
            for (int k = 0; k < MAT_N; k++)
                acc += mat_a[i][k] * mat_b[k][j];
            mat_c[i][j] = acc;
        }
    uint32_t sum = 0;
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t v = mat_c[i][j];
            int32_t d = (int32_t)(i * MAT_N + j) - 100;   /* signed divisor, never 0 below */
            if (d == 0)
                d = 1;
            sum += (uint32_t)(v / d) ^ (uint32_t)(v % d);
            sum += (uint32_t)v / (uint32_t)(j + 3) + (uint32_t)v % (uint32_t)(i + 5);
            int64_t wide = (int64_t)v * (int64_t)(int32_t)sum;
            sum ^= (uint32_t)(wide >> 32);
        }
    return sum;
}

/* ---- CRC -------------------------------------------------------------------------- */
static uint32_t bench_crc(uint32_t seed)
{
    for (int i = 0; i < BUF_N; i++)
        buf[i] = (uint8_t)(rng() >> 11) ^ (uint8_t)seed;
    uint32_t c = crc32(buf, BUF_N, seed);
    uint16_t h = crc16(buf, BUF_N / 4, (uint16_t)seed);
    return c ^ ((uint32_t)h << 8);
}

/* ---- state machine (like CoreMark's core_state) -------------------------------- */
enum { S_START, S_INT, S_FRAC, S_EXP_SIGN, S_EXP, S_SCI, S_INVALID, S_COUNT };

static uint32_t bench_state(void)
{
    static const char alphabet[] = "0123456789+-.eE,,,x ";
    for (int i = 0; i < BUF_N; i++)
        buf[i] = (uint8_t)alphabet[rng() % (sizeof(alphabet) - 1)];
    uint32_t counts[S_COUNT] = {0};
    int state = S_START;
    for (int i = 0; i < BUF_N; i++) {
        char c = (char)buf[i];
        if (c == ',' || c == ' ') {
            counts[state]++;
            state = S_START;
            continue;
        }
        int digit = c >= '0' && c <= '9';
        switch (state) {
        case S_START:
            state = digit ? S_INT : (c == '+' || c == '-') ? S_INT : c == '.' ? S_FRAC : S_INVALID;
            break;
        case S_INT:
            state = digit ? S_INT : c == '.' ? S_FRAC : (c == 'e' || c == 'E') ? S_EXP_SIGN : S_INVALID;
            break;
        case S_FRAC:
            state = digit ? S_FRAC : (c == 'e' || c == 'E') ? S_EXP_SIGN : S_INVALID;
            break;
        case S_EXP_SIGN:
            state = (c == '+' || c == '-') ? S_EXP : digit ? S_SCI : S_INVALID;
            break;
        case S_EXP:
            state = digit ? S_SCI : S_INVALID;
            break;
        case S_SCI:
            state = digit ? S_SCI : S_INVALID;
            break;
        default:
            break;
        }
    }
    counts[state]++;
    uint32_t sum = 0;
    for (int s = 0; s < S_COUNT; s++)
        sum = sum * 1000003u + counts[s];
    return sum;
}

static void put_line(const char *name, uint32_t v)
{
    uart_puts(name);
    uart_puts(" 0x");
    uart_put_hex(v);
    uart_puts("\n");
}

int main(void)
{
    uart_puts("cpu-bench: ");
    uart_put_dec(ITERATIONS);
    uart_puts(" iterations\n");

    crc_init();
    rng_state = 0x2545F491u;
    uint32_t list = 0, matrix = 0, crc = 0, state = 0;
    for (uint32_t it = 0; it < ITERATIONS; it++) {
        list = list * 3 + bench_list();
        matrix = matrix * 5 + bench_matrix(it * 2654435761u);
        crc = crc32((const uint8_t *)&crc, 4, bench_crc(it));
        state ^= bench_state() + it;
    }
    put_line("list  ", list);
    put_line("matrix", matrix);
    put_line("crc   ", crc);
    put_line("state ", state);
    uint32_t words[4] = {list, matrix, crc, state};
    put_line("total ", crc32((const uint8_t *)words, sizeof(words), 0));
#ifdef REPORT_MTIME
    uart_puts("mtime ");
    uart_put_dec64(mtime_read());
    uart_puts("\n");
#endif
    return 0;
}
