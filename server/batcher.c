/*
 * batcher: per-stream bounded queue and batch cutting (see batcher.h).
 */
#include "batcher.h"

#include <pthread.h>
#include <stdlib.h>

struct sg_batcher {
    pthread_mutex_t mu;
    struct sg_batcher_limits lim;
    /* ready FIFO; not_before_ms of a fresh record is its enqueue time */
    struct sg_record *head, *tail;
    size_t n_ready, ready_bytes;
    /* retry min-heap on not_before_ms; capacity grows to queue_max_records */
    struct sg_record **heap;
    size_t n_heap, heap_cap;
    size_t outstanding_records, outstanding_bytes;
    /* The sender has calls in flight on the stream and looks at the queue
     * again within linger_ms by itself (sg_batcher_watch): a submit into
     * the empty queue need not wake it. */
    bool watched;
};

struct sg_batcher *sg_batcher_new(const struct sg_batcher_limits *limits)
{
    struct sg_batcher *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->lim = *limits;
    pthread_mutex_init(&b->mu, NULL);
    return b;
}

void sg_batcher_free(struct sg_batcher *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->mu);
    free(b->heap);
    free(b);
}

int sg_batcher_submit(struct sg_batcher *b, struct sg_record *first, size_t n, size_t bytes,
                      int64_t now_ms, bool *wake)
{
    *wake = false;
    if (!first || n == 0)
        return 0; /* nothing to queue; never touch the list */
    struct sg_record *last = first;
    for (struct sg_record *r = first; r; r = r->next) {
        r->not_before_ms = now_ms;
        last = r;
    }
    pthread_mutex_lock(&b->mu);
    if (b->outstanding_records + n > b->lim.queue_max_records ||
        b->outstanding_bytes + bytes > b->lim.queue_max_bytes) {
        pthread_mutex_unlock(&b->mu);
        return -1;
    }
    b->outstanding_records += n;
    b->outstanding_bytes += bytes;
    bool was_empty = b->n_ready == 0;
    if (b->tail)
        b->tail->next = first;
    else
        b->head = first;
    b->tail = last;
    b->n_ready += n;
    b->ready_bytes += bytes;
    bool full = b->n_ready >= b->lim.batch_max_records || b->ready_bytes >= b->lim.batch_max_bytes;
    bool watched = b->watched;
    pthread_mutex_unlock(&b->mu);
    /* Waking on every submit would cost a system call per request; the
     * sender already sleeps until the oldest record's linger runs out, and
     * while it watches the queue (calls in flight) it looks again within a
     * linger anyway: the first record of a new batch is due no earlier. */
    *wake = (was_empty && !watched) || full;
    return 0;
}

static void heap_swap(struct sg_record **h, size_t i, size_t j)
{
    struct sg_record *t = h[i];
    h[i] = h[j];
    h[j] = t;
}

static void heap_push(struct sg_batcher *b, struct sg_record *r)
{
    /* The heap can never need more than the admitted records, and admission
     * is bounded, so growth is bounded; on OOM fall back to the ready FIFO. */
    if (b->n_heap == b->heap_cap) {
        size_t cap = b->heap_cap ? b->heap_cap * 2 : 64;
        struct sg_record **h = realloc(b->heap, cap * sizeof *h);
        if (!h) {
            r->next = NULL;
            if (b->tail)
                b->tail->next = r;
            else
                b->head = r;
            b->tail = r;
            b->n_ready++;
            b->ready_bytes += r->kinesis_bytes;
            return;
        }
        b->heap = h;
        b->heap_cap = cap;
    }
    size_t i = b->n_heap++;
    b->heap[i] = r;
    while (i > 0 && b->heap[(i - 1) / 2]->not_before_ms > b->heap[i]->not_before_ms) {
        heap_swap(b->heap, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static struct sg_record *heap_pop(struct sg_batcher *b)
{
    struct sg_record *top = b->heap[0];
    b->heap[0] = b->heap[--b->n_heap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < b->n_heap && b->heap[l]->not_before_ms < b->heap[m]->not_before_ms)
            m = l;
        if (r < b->n_heap && b->heap[r]->not_before_ms < b->heap[m]->not_before_ms)
            m = r;
        if (m == i)
            break;
        heap_swap(b->heap, i, m);
        i = m;
    }
    return top;
}

void sg_batcher_requeue(struct sg_batcher *b, struct sg_record *r)
{
    pthread_mutex_lock(&b->mu);
    heap_push(b, r);
    pthread_mutex_unlock(&b->mu);
}

void sg_batcher_release(struct sg_batcher *b, size_t n, size_t bytes)
{
    pthread_mutex_lock(&b->mu);
    b->outstanding_records -= n;
    b->outstanding_bytes -= bytes;
    pthread_mutex_unlock(&b->mu);
}

static int64_t due_at(const struct sg_batcher *b, bool no_linger)
{
    int64_t due = INT64_MAX;
    if (b->n_ready) {
        bool full =
            b->n_ready >= b->lim.batch_max_records || b->ready_bytes >= b->lim.batch_max_bytes;
        due = (full || no_linger) ? 0 : b->head->not_before_ms + b->lim.linger_ms;
    }
    if (b->n_heap && b->heap[0]->not_before_ms < due)
        due = b->heap[0]->not_before_ms;
    return due;
}

/* Appends r to the batch list if it fits; returns false when the batch is full. */
static bool fits(const struct sg_batcher *b, size_t n, size_t bytes, const struct sg_record *r)
{
    return n < b->lim.batch_max_records &&
           (n == 0 || bytes + r->kinesis_bytes <= b->lim.batch_max_bytes);
}

static size_t take(struct sg_batcher *b, int64_t now_ms, bool flush, bool no_linger,
                   struct sg_record **out, size_t *out_bytes, int64_t *next_due_ms)
{
    struct sg_record *first = NULL, **link = &first;
    size_t n = 0, bytes = 0;
    pthread_mutex_lock(&b->mu);
    int64_t due = due_at(b, no_linger);
    if (due <= now_ms || (flush && (b->n_ready || b->n_heap))) {
        while (b->n_heap && (b->heap[0]->not_before_ms <= now_ms || flush) &&
               fits(b, n, bytes, b->heap[0])) {
            struct sg_record *r = heap_pop(b);
            bytes += r->kinesis_bytes;
            n++;
            *link = r;
            link = &r->next;
        }
        while (b->head && fits(b, n, bytes, b->head)) {
            struct sg_record *r = b->head;
            b->head = r->next;
            if (!b->head)
                b->tail = NULL;
            b->n_ready--;
            b->ready_bytes -= r->kinesis_bytes;
            bytes += r->kinesis_bytes;
            n++;
            *link = r;
            link = &r->next;
        }
        *link = NULL;
        due = due_at(b, false);
    }
    pthread_mutex_unlock(&b->mu);
    *out = first;
    *out_bytes = bytes;
    *next_due_ms = due;
    return n;
}

size_t sg_batcher_take(struct sg_batcher *b, int64_t now_ms, bool flush, struct sg_record **out,
                       size_t *out_bytes, int64_t *next_due_ms)
{
    return take(b, now_ms, flush, false, out, out_bytes, next_due_ms);
}

size_t sg_batcher_take_now(struct sg_batcher *b, int64_t now_ms, struct sg_record **out,
                           size_t *out_bytes, int64_t *next_due_ms)
{
    return take(b, now_ms, false, true, out, out_bytes, next_due_ms);
}

int64_t sg_batcher_watch(struct sg_batcher *b, bool watch, bool no_linger, int64_t now_ms)
{
    pthread_mutex_lock(&b->mu);
    b->watched = watch;
    int64_t due = due_at(b, no_linger);
    pthread_mutex_unlock(&b->mu);
    if (watch && now_ms + b->lim.linger_ms < due)
        due = now_ms + b->lim.linger_ms;
    return due;
}

void sg_batcher_get_stats(struct sg_batcher *b, struct sg_batcher_stats *out)
{
    pthread_mutex_lock(&b->mu);
    out->outstanding_records = b->outstanding_records;
    out->outstanding_bytes = b->outstanding_bytes;
    out->ready = b->n_ready;
    out->retrying = b->n_heap;
    pthread_mutex_unlock(&b->mu);
}
