/* Benchmark: a CoreMark-like mix of four kernels, written for mcusim (not
 * CoreMark's code): each iteration runs
 *   - a linked list of 200 nodes: 48 finds by value (hits and misses, a hit
 *     moves to the front), a merge sort by value, a check, and a merge sort
 *     back by key;
 *   - 24x24 int16 matrices: add a constant, multiply by a constant, a
 *     matrix-vector and a matrix-matrix product, folding bit fields of the
 *     results;
 *   - a state machine that classifies the comma-separated tokens of a
 *     2 KiB string (integers, decimals, exponents, hex, garbage) one byte at
 *     a time, counting final states and transitions; a few bytes of the
 *     string change between iterations;
 *   - CRC-16 (CRC-16/ARC: reflected, polynomial 0xa001), bit by bit, over
 *     every kernel's results.
 * About 317,000 instructions per iteration, 330 iterations (1.05e8).
 *
 * Each kernel checks itself where it can (the list is sorted and whole,
 * the CRC-16 of "123456789" is 0xbb3d, the matrix identities hold) and the
 * program returns 1 with a message if not. The printed checksum is checked
 * against the host build of this file (tests/bench/run_bench.py, -DHOST):
 * only values enter it, never addresses, and all wrapping arithmetic is on
 * unsigned types. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ITERATIONS 330u
#define LIST_NODES 200u
#define LIST_FINDS 48u
#define MAT_N 24u
#define TEXT_LEN 2048u

static uint32_t seed = 0x3c6ef372u;

static uint32_t next_random(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
}

/* ---- CRC-16/ARC ------------------------------------------------------- */

static uint16_t crc16_byte(uint16_t crc, uint8_t byte)
{
    crc ^= byte;
    for (int bit = 0; bit < 8; bit++)
        crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0xa001u) : (uint16_t)(crc >> 1);
    return crc;
}

static uint16_t crc16_word(uint16_t crc, uint32_t word)
{
    for (int i = 0; i < 4; i++)
        crc = crc16_byte(crc, (uint8_t)(word >> (8 * i)));
    return crc;
}

static int crc16_selftest(void)
{
    const char *check = "123456789";
    uint16_t crc = 0;
    for (const char *p = check; *p; p++)
        crc = crc16_byte(crc, (uint8_t)*p);
    return crc == 0xbb3du;
}

/* ---- linked list ------------------------------------------------------ */

struct item {
    struct item *next;
    uint16_t key;   /* the node's index: the list's original order */
    uint16_t value;
};

static struct item items[LIST_NODES];

typedef int (*item_less)(const struct item *a, const struct item *b);

static int by_value(const struct item *a, const struct item *b)
{
    return a->value < b->value || (a->value == b->value && a->key < b->key);
}

static int by_key(const struct item *a, const struct item *b)
{
    return a->key < b->key;
}

/* Bottom-up merge sort of a NULL-terminated list, stable. */
static struct item *list_sort(struct item *head, item_less less)
{
    for (uint32_t width = 1;; width *= 2) {
        struct item *p = head, *tail = NULL;
        uint32_t merges = 0;
        head = NULL;
        while (p) {
            merges++;
            struct item *q = p;
            uint32_t psize = 0;
            while (psize < width && q) {
                psize++;
                q = q->next;
            }
            uint32_t qsize = width;
            while (psize > 0 || (qsize > 0 && q)) {
                struct item *e;
                if (psize == 0 || (qsize > 0 && q && less(q, p))) {
                    e = q;
                    q = q->next;
                    qsize--;
                } else {
                    e = p;
                    p = p->next;
                    psize--;
                }
                if (tail)
                    tail->next = e;
                else
                    head = e;
                tail = e;
            }
            p = q;
        }
        if (tail)
            tail->next = NULL;
        if (merges <= 1)
            return head;
    }
}

/* Finds the first item with `value`, moves it to the front; returns the
 * new head and stores the position it was found at (LIST_NODES: absent). */
static struct item *list_find(struct item *head, uint16_t value, uint32_t *position)
{
    struct item *prev = NULL;
    uint32_t i = 0;
    for (struct item *p = head; p; prev = p, p = p->next, i++) {
        if (p->value != value)
            continue;
        *position = i;
        if (!prev)
            return head;
        prev->next = p->next;
        p->next = head;
        return p;
    }
    *position = LIST_NODES;
    return head;
}

static int list_kernel(uint32_t iteration, uint16_t *crc)
{
    for (uint32_t i = 0; i < LIST_NODES; i++) {
        items[i].key = (uint16_t)i;
        items[i].value = (uint16_t)(next_random() & 0x3ffu);
        items[i].next = i + 1 < LIST_NODES ? &items[i + 1] : NULL;
    }
    struct item *head = &items[0];
    for (uint32_t f = 0; f < LIST_FINDS; f++) {
        uint16_t wanted = (f & 1u) ? items[(f * 37u + iteration) % LIST_NODES].value
                                   : (uint16_t)(next_random() & 0x7ffu);
        uint32_t position;
        head = list_find(head, wanted, &position);
        *crc = crc16_word(*crc, position);
    }
    head = list_sort(head, by_value);
    uint32_t count = 0;
    for (const struct item *p = head; p; p = p->next, count++) {
        if (p->next && by_value(p->next, p)) {
            printf("coremark_mix: list not sorted by value\n");
            return 0;
        }
        if (count % 8u == 0)
            *crc = crc16_word(*crc, (uint32_t)p->key << 16 | p->value);
    }
    head = list_sort(head, by_key);
    count = 0;
    for (const struct item *p = head; p; p = p->next, count++) {
        if (p->key != count) {
            printf("coremark_mix: list lost its keys\n");
            return 0;
        }
    }
    return count == LIST_NODES;
}

/* ---- matrices --------------------------------------------------------- */

static int16_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N];
static int32_t mat_c[MAT_N][MAT_N];
static int32_t vec[MAT_N];

/* Folds bits 2..7 and the sign of every element of mat_c. */
static uint32_t fold_c(void)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < MAT_N; i++)
        for (uint32_t j = 0; j < MAT_N; j++) {
            uint32_t v = (uint32_t)mat_c[i][j];
            sum += (v >> 2 & 0x3fu) + (mat_c[i][j] < 0 ? 0x100u : 0u);
            sum = sum << 1 | sum >> 31;
        }
    return sum;
}

static int matrix_kernel(uint32_t iteration, uint16_t *crc)
{
    /* elements in [-288, 286]: a product of two and a sum of MAT_N of
     * them stay far from int32 overflow */
    for (uint32_t i = 0; i < MAT_N; i++)
        for (uint32_t j = 0; j < MAT_N; j++) {
            mat_a[i][j] = (int16_t)((int32_t)(next_random() & 0x1ffu) - 256);
            mat_b[i][j] = (int16_t)((int32_t)(next_random() & 0x1ffu) - 256);
        }
    int16_t add = (int16_t)(iteration & 0x3fu);
    for (uint32_t i = 0; i < MAT_N; i++)
        for (uint32_t j = 0; j < MAT_N; j++)
            mat_a[i][j] = (int16_t)(mat_a[i][j] + add - 32);

    int32_t scale = (int32_t)(iteration % 7u) - 3;
    for (uint32_t i = 0; i < MAT_N; i++)
        for (uint32_t j = 0; j < MAT_N; j++)
            mat_c[i][j] = mat_a[i][j] * scale;
    *crc = crc16_word(*crc, fold_c());

    for (uint32_t i = 0; i < MAT_N; i++) {
        int32_t sum = 0;
        for (uint32_t j = 0; j < MAT_N; j++)
            sum += mat_a[i][j] * mat_b[j][i];
        vec[i] = sum;
        *crc = crc16_word(*crc, (uint32_t)sum);
    }

    for (uint32_t i = 0; i < MAT_N; i++)
        for (uint32_t j = 0; j < MAT_N; j++) {
            int32_t sum = 0;
            for (uint32_t k = 0; k < MAT_N; k++)
                sum += mat_a[i][k] * mat_b[k][j];
            mat_c[i][j] = sum;
        }
    *crc = crc16_word(*crc, fold_c());

    /* the diagonal of A·B is the matrix-vector result above */
    for (uint32_t i = 0; i < MAT_N; i++) {
        int32_t diagonal = 0;
        for (uint32_t k = 0; k < MAT_N; k++)
            diagonal += mat_a[i][k] * mat_b[k][i];
        if (diagonal != vec[i] || mat_c[i][i] != vec[i]) {
            printf("coremark_mix: matrix product disagrees with itself\n");
            return 0;
        }
    }
    return 1;
}

/* ---- state machine over a string -------------------------------------- */

enum scan_state {
    S_START, S_SIGN, S_INT, S_DOT, S_FRAC, S_EXP, S_EXP_SIGN, S_EXP_INT,
    S_ZERO, S_HEX_X, S_HEX, S_INVALID, S_COUNT
};

static char text[TEXT_LEN + 1];

static const char *const pieces[] = {
    "0", "7", "42", "-13", "+8", "3.25", "-0.5", ".", "1e9", "6.02e+23",
    "2E-7", "0x1f", "0XAB", "0x", "12a", "--4", "1.2.3", "e5", "9e", "0777",
};

static void make_text(void)
{
    uint32_t length = 0;
    while (length < TEXT_LEN) {
        const char *piece = pieces[next_random() % (sizeof pieces / sizeof pieces[0])];
        uint32_t n = (uint32_t)strlen(piece);
        if (length + n + 1 > TEXT_LEN)
            break;
        memcpy(text + length, piece, n);
        length += n;
        text[length++] = ',';
    }
    memset(text + length, ',', TEXT_LEN - length);
    text[TEXT_LEN] = '\0';
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static enum scan_state scan_step(enum scan_state s, char c)
{
    switch (s) {
    case S_START:
        if (c == '0') return S_ZERO;
        if (is_digit(c)) return S_INT;
        if (c == '+' || c == '-') return S_SIGN;
        if (c == '.') return S_DOT;
        return S_INVALID;
    case S_SIGN:
        if (is_digit(c)) return S_INT;
        if (c == '.') return S_DOT;
        return S_INVALID;
    case S_ZERO:
        if (c == 'x' || c == 'X') return S_HEX_X;
        return scan_step(S_INT, c); /* otherwise an ordinary digit */
    case S_INT:
        if (is_digit(c)) return S_INT;
        if (c == '.') return S_FRAC;
        if (c == 'e' || c == 'E') return S_EXP;
        return S_INVALID;
    case S_DOT:
        return is_digit(c) ? S_FRAC : S_INVALID;
    case S_FRAC:
        if (is_digit(c)) return S_FRAC;
        if (c == 'e' || c == 'E') return S_EXP;
        return S_INVALID;
    case S_EXP:
        if (c == '+' || c == '-') return S_EXP_SIGN;
        return is_digit(c) ? S_EXP_INT : S_INVALID;
    case S_EXP_SIGN:
    case S_EXP_INT:
        return is_digit(c) ? S_EXP_INT : S_INVALID;
    case S_HEX_X:
    case S_HEX:
        return is_hex(c) ? S_HEX : S_INVALID;
    default:
        return S_INVALID;
    }
}

static void scan_kernel(uint32_t iteration, uint16_t *crc)
{
    uint32_t finals[S_COUNT] = {0};
    uint32_t transitions = 0;
    enum scan_state s = S_START;
    for (uint32_t i = 0; i < TEXT_LEN; i++) {
        char c = text[i];
        if (c == ',') {
            finals[s]++;
            s = S_START;
            continue;
        }
        enum scan_state next = scan_step(s, c);
        transitions += next != s;
        s = next;
    }
    for (uint32_t k = 0; k < S_COUNT; k++)
        *crc = crc16_word(*crc, finals[k]);
    *crc = crc16_word(*crc, transitions);
    /* a few bytes change for the next iteration */
    for (uint32_t k = 0; k < 4; k++)
        text[(next_random() + iteration) % TEXT_LEN] = "0123456789.eE+-x,"[next_random() % 17u];
}

int main(void)
{
    if (!crc16_selftest()) {
        printf("coremark_mix: CRC-16 of \"123456789\" is wrong\n");
        return 1;
    }
    make_text();
    uint32_t checksum = 0;
    for (uint32_t iteration = 0; iteration < ITERATIONS; iteration++) {
        uint16_t crc_list = 0, crc_matrix = 0, crc_scan = 0;
        if (!list_kernel(iteration, &crc_list) || !matrix_kernel(iteration, &crc_matrix))
            return 1;
        scan_kernel(iteration, &crc_scan);
        uint32_t round = (uint32_t)crc_list << 16 | (uint32_t)(crc_matrix ^ crc_scan);
        checksum = (checksum << 5 | checksum >> 27) ^ round;
    }
    printf("coremark_mix: checksum 0x%08lx\n", (unsigned long)checksum);
    return 0;
}
