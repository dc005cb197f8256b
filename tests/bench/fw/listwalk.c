/* Benchmark: linked-list walk. 16384 nodes in one array are linked in the
 * order of a xorshift32-driven Fisher-Yates shuffle, so consecutive nodes
 * of the list lie far apart in memory. The list is walked many times,
 * folding every node's value into a running sum; between walks a few values
 * change and every 16th walk reverses the list in place (pointer stores).
 *
 * Only values enter the checksum, never addresses, so the 64-bit host build
 * that tests/bench/run_bench.py makes (-DHOST) to get the expected checksum
 * agrees with the RV32 one; keep the source free of undefined and
 * implementation-defined behaviour. */
#include <stdint.h>
#include <stdio.h>

#define NODES 16384u
#define WALKS 830u

struct node {
    struct node *next;
    uint32_t value;
};

static struct node nodes[NODES];
static uint32_t order[NODES];
static uint32_t state = 0xbb67ae85u;

static uint32_t xorshift32(void)
{
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

static struct node *reverse(struct node *head)
{
    struct node *prev = NULL;
    while (head) {
        struct node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

int main(void)
{
    for (uint32_t i = 0; i < NODES; i++) {
        order[i] = i;
        nodes[i].value = xorshift32();
    }
    for (uint32_t i = NODES - 1; i > 0; i--) {
        uint32_t j = xorshift32() % (i + 1);
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i + 1 < NODES; i++)
        nodes[order[i]].next = &nodes[order[i + 1]];
    nodes[order[NODES - 1]].next = NULL;
    struct node *head = &nodes[order[0]];

    uint32_t checksum = 0;
    for (uint32_t walk = 0; walk < WALKS; walk++) {
        uint32_t sum = walk, count = 0;
        for (const struct node *p = head; p; p = p->next) {
            sum = (sum ^ p->value) + (sum << 3);
            count++;
        }
        if (count != NODES) {
            printf("listwalk: walk %lu saw %lu nodes\n", (unsigned long)walk,
                   (unsigned long)count);
            return 1;
        }
        checksum = (checksum << 7 | checksum >> 25) ^ sum;
        for (int k = 0; k < 4; k++)
            nodes[xorshift32() % NODES].value += walk;
        if (walk % 16u == 15u)
            head = reverse(head);
    }
    printf("listwalk: checksum 0x%08lx\n", (unsigned long)checksum);
    return 0;
}
