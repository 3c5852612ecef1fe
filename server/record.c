/*
 * record: resolving records and completing tickets (see record.h).
 * The release ordering on the countdown makes every result written before it
 * visible to the thread that sees zero and completes the ticket.
 */
#include "record.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Stores "a\0b\0" in the result, inline when it fits; false without memory. */
static bool store_texts(struct sg_result *res, const char *a, const char *b)
{
    a = a ? a : "";
    b = b ? b : "";
    size_t la = strlen(a), lb = strlen(b);
    char *p = la + lb + 2 <= sizeof res->inline_text ? res->inline_text : malloc(la + lb + 2);
    if (!p)
        return false;
    memcpy(p, a, la + 1);
    memcpy(p + la + 1, b, lb + 1);
    res->text = p;
    res->b_offset = (uint32_t)(la + 1);
    return true;
}

void sg_record_resolve(struct sg_record *r, enum sg_outcome outcome, const char *a, const char *b)
{
    struct sg_ticket *t = r->ticket;
    struct sg_result *res = &t->results[r->index];
    /* Without the strings an OK cannot carry its SequenceNumber: never claim
     * success we cannot show. */
    bool stored = store_texts(res, a, b);
    res->outcome = (!stored && outcome == SG_OUTCOME_OK) ? SG_OUTCOME_UNAVAILABLE : outcome;
    sg_ticket_release(t);
}

void sg_ticket_release(struct sg_ticket *t)
{
    if (atomic_fetch_sub_explicit(&t->pending, 1, memory_order_acq_rel) == 1)
        t->done(t);
}

void sg_ticket_clear(struct sg_ticket *t)
{
    for (size_t i = 0; i < t->n_results; i++) {
        struct sg_result *res = &t->results[i];
        if (res->text != res->inline_text)
            free(res->text);
        res->text = NULL;
    }
}
