/*
 * fk_uuid_set: see fk_uuid_set.h for the design.
 *
 * Invariant per stripe: count + has_zero is the number of keys held, and
 * count <= cap / 2 after every add, so a probe always ends on an empty slot.
 */
#include "fk_uuid_set.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct stripe {
    pthread_mutex_t lock;
    unsigned char (*slots)[16]; /* cap slots; all-zero means empty */
    size_t cap;                 /* a power of two */
    size_t count;               /* non-zero keys held */
    int has_zero;
    char pad[64]; /* keeps neighbouring locks off one cache line */
};

struct fk_uuid_set {
    struct stripe stripes[FK_UUID_SET_STRIPES];
};

/* Mixes the two halves of a key; UUIDs from the load tools are counters. */
static uint64_t key_hash(const unsigned char key[16])
{
    uint64_t a, b;
    memcpy(&a, key, 8);
    memcpy(&b, key + 8, 8);
    uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ULL)) * 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

static int is_zero(const unsigned char key[16])
{
    static const unsigned char zero[16];
    return memcmp(key, zero, 16) == 0;
}

/* Inserts a non-zero key known to be absent, into a table with room. */
static void place(struct stripe *st, const unsigned char key[16], uint64_t h)
{
    size_t mask = st->cap - 1;
    size_t i = (size_t)h & mask;
    while (!is_zero(st->slots[i]))
        i = (i + 1) & mask;
    memcpy(st->slots[i], key, 16);
}

static int grow(struct stripe *st)
{
    unsigned char(*old)[16] = st->slots;
    size_t old_cap = st->cap;
    unsigned char(*slots)[16] = calloc(old_cap * 2, 16);
    if (slots == NULL)
        return -1;
    st->slots = slots;
    st->cap = old_cap * 2;
    for (size_t i = 0; i < old_cap; i++) {
        if (!is_zero(old[i]))
            place(st, old[i], key_hash(old[i]));
    }
    free(old);
    return 0;
}

struct fk_uuid_set *fk_uuid_set_new(void)
{
    struct fk_uuid_set *set = calloc(1, sizeof(*set));
    if (set == NULL)
        return NULL;
    for (int i = 0; i < FK_UUID_SET_STRIPES; i++) {
        struct stripe *st = &set->stripes[i];
        pthread_mutex_init(&st->lock, NULL);
        st->cap = FK_UUID_SET_INITIAL;
        st->slots = calloc(st->cap, 16);
        if (st->slots == NULL) {
            fk_uuid_set_free(set);
            return NULL;
        }
    }
    return set;
}

void fk_uuid_set_free(struct fk_uuid_set *set)
{
    if (set == NULL)
        return;
    for (int i = 0; i < FK_UUID_SET_STRIPES; i++) {
        pthread_mutex_destroy(&set->stripes[i].lock);
        free(set->stripes[i].slots);
    }
    free(set);
}

/* Looks key up in st (lock held); returns 1 if it was added, 0 if present. */
static int add_locked(struct stripe *st, const unsigned char key[16], uint64_t h)
{
    size_t mask = st->cap - 1;
    size_t i = (size_t)h & mask;
    while (!is_zero(st->slots[i])) {
        if (memcmp(st->slots[i], key, 16) == 0)
            return 0;
        i = (i + 1) & mask;
    }
    if ((st->count + 1) * 2 > st->cap) {
        if (grow(st) != 0)
            return -1;
        place(st, key, h);
    } else {
        memcpy(st->slots[i], key, 16);
    }
    st->count++;
    return 1;
}

int fk_uuid_set_add(struct fk_uuid_set *set, const unsigned char key[16])
{
    uint64_t h = key_hash(key);
    /* The top bits choose the stripe, the low bits the slot: independent. */
    struct stripe *st = &set->stripes[(h >> 58) % FK_UUID_SET_STRIPES];
    int rc;
    pthread_mutex_lock(&st->lock);
    if (is_zero(key)) {
        rc = !st->has_zero;
        st->has_zero = 1;
    } else {
        rc = add_locked(st, key, h);
    }
    pthread_mutex_unlock(&st->lock);
    return rc;
}

void fk_uuid_set_clear(struct fk_uuid_set *set)
{
    for (int i = 0; i < FK_UUID_SET_STRIPES; i++) {
        struct stripe *st = &set->stripes[i];
        pthread_mutex_lock(&st->lock);
        unsigned char(*fresh)[16] = calloc(FK_UUID_SET_INITIAL, 16);
        if (fresh != NULL) {
            free(st->slots);
            st->slots = fresh;
            st->cap = FK_UUID_SET_INITIAL;
        } else {
            memset(st->slots, 0, st->cap * 16);
        }
        st->count = 0;
        st->has_zero = 0;
        pthread_mutex_unlock(&st->lock);
    }
}

size_t fk_uuid_set_size(struct fk_uuid_set *set)
{
    size_t n = 0;
    for (int i = 0; i < FK_UUID_SET_STRIPES; i++) {
        struct stripe *st = &set->stripes[i];
        pthread_mutex_lock(&st->lock);
        n += st->count + (size_t)st->has_zero;
        pthread_mutex_unlock(&st->lock);
    }
    return n;
}
