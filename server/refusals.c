/*
 * refusals: bounded-label counters of refused events (see refusals.h).
 *
 * An open-addressing table of twice max_series slots keyed by (stream,
 * event_type, rule), probed linearly; slots are never removed, so a key
 * found once stays where it is.
 */
#include "refusals.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_MAX 64

const char *const sg_refusals_rules[] = {"json",
                                         "uuid",
                                         "event_name",
                                         "unknown_event_type",
                                         "created_at",
                                         "created_at_window",
                                         "required",
                                         "type",
                                         "enum",
                                         "const",
                                         "minimum",
                                         "maximum",
                                         "exclusiveMinimum",
                                         "exclusiveMaximum",
                                         "minLength",
                                         "maxLength",
                                         "format",
                                         "minItems",
                                         "maxItems",
                                         "additionalProperties",
                                         "partition_key",
                                         "record_size",
                                         "other",
                                         NULL};

struct slot {
    const char *stream; /* NULL: free */
    char event_type[TYPE_MAX + 1];
    unsigned rule;
    uint64_t count;
};

struct sg_refusals {
    pthread_mutex_t mu;
    struct slot *slots;
    size_t cap, used, max_series;
    uint64_t unlabelled;
};

struct sg_refusals *sg_refusals_new(size_t max_series)
{
    struct sg_refusals *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->max_series = max_series ? max_series : 1;
    r->cap = 2 * r->max_series;
    r->slots = calloc(r->cap, sizeof *r->slots);
    if (!r->slots) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->mu, NULL);
    return r;
}

void sg_refusals_free(struct sg_refusals *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->mu);
    free(r->slots);
    free(r);
}

/* The rule's index in sg_refusals_rules; "other" for anything else. */
static unsigned rule_index(const char *rule)
{
    unsigned i = 0;
    for (; sg_refusals_rules[i + 1]; i++)
        if (rule && strcmp(rule, sg_refusals_rules[i]) == 0)
            return i;
    return i; /* "other", the last */
}

/* A catalog event_type as a label, or "unknown": never a client's free text. */
static const char *type_label(const char *t)
{
    size_t n = t ? strlen(t) : 0;
    if (n == 0 || n > TYPE_MAX)
        return "unknown";
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '_'))
            return "unknown";
    return t;
}

static size_t hash(const char *stream, const char *type, unsigned rule)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = stream; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (const char *p = type; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return (size_t)((h ^ rule) * 1099511628211ULL);
}

/* The slot of the key, or the free slot where it goes; NULL when the table
 * holds max_series keys and this is not one of them. Under mu. */
static struct slot *find(struct sg_refusals *r, const char *stream, const char *type, unsigned rule)
{
    for (size_t i = hash(stream, type, rule) % r->cap, k = 0; k < r->cap;
         k++, i = (i + 1) % r->cap) {
        struct slot *s = &r->slots[i];
        if (!s->stream)
            return r->used < r->max_series ? s : NULL;
        if (s->rule == rule && strcmp(s->stream, stream) == 0 && strcmp(s->event_type, type) == 0)
            return s;
    }
    return NULL;
}

void sg_refusals_count(struct sg_refusals *r, const char *stream, const char *event_type,
                       const char *rule, uint64_t n)
{
    if (!r || !stream || n == 0)
        return;
    const char *type = type_label(event_type);
    unsigned ri = rule_index(rule);
    pthread_mutex_lock(&r->mu);
    struct slot *s = find(r, stream, type, ri);
    if (!s) {
        r->unlabelled += n;
    } else {
        if (!s->stream) {
            s->stream = stream;
            memcpy(s->event_type, type, strlen(type) + 1); /* type_label bounds it */
            s->rule = ri;
            r->used++;
        }
        s->count += n;
    }
    pthread_mutex_unlock(&r->mu);
}

int sg_refusals_write(struct sg_refusals *r, struct sg_buf *out)
{
    const char *name = sg_metric_info(SG_M_REFUSED_EVENTS)->name;
    int rc = 0;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->cap; i++) {
        const struct slot *s = &r->slots[i];
        if (s->stream)
            rc |= sg_buf_printf(out, "%s{stream=\"%s\",event_type=\"%s\",reason=\"%s\"} %llu\n",
                                name, s->stream, s->event_type, sg_refusals_rules[s->rule],
                                (unsigned long long)s->count);
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

void sg_refusals_read_metrics(struct sg_refusals *r, struct sg_metrics_snapshot *into)
{
    pthread_mutex_lock(&r->mu);
    into->v[SG_M_REFUSED_EVENTS_UNLABELLED] += r->unlabelled;
    pthread_mutex_unlock(&r->mu);
}
