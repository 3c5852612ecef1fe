/*
 * record: resolving records and completing tickets (see record.h).
 * The release ordering on the countdown makes every result written before it
 * visible to the thread that sees zero and completes the ticket.
 */
#include "record.h"

#include <stdlib.h>
#include <string.h>

static char *pair_dup(const char *a, const char *b)
{
    a = a ? a : "";
    b = b ? b : "";
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);
    if (!p)
        return NULL;
    memcpy(p, a, la + 1);
    memcpy(p + la + 1, b, lb + 1);
    return p;
}

void sg_record_resolve(struct sg_record *r, enum sg_outcome outcome, const char *a, const char *b)
{
    struct sg_ticket *t = r->ticket;
    struct sg_result *res = &t->results[r->index];
    res->text = pair_dup(a, b);
    /* Without the strings an OK cannot carry its SequenceNumber: never claim
     * success we cannot show. */
    res->outcome = (!res->text && outcome == SG_OUTCOME_OK) ? SG_OUTCOME_UNAVAILABLE : outcome;
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
        free(t->results[i].text);
        t->results[i].text = NULL;
    }
}
