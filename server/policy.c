/*
 * policy: reloadable settings (see policy.h).
 */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "clock.h"

/* Each event stream's rules; its catalog loaded now. */
static int load_streams(struct sg_policy *p, const struct sg_config *cfg, char *err, size_t err_cap)
{
    for (size_t i = 0; i < cfg->n_streams; i++) {
        const struct sg_stream_config *s = &cfg->streams[i];
        if (s->mode != SG_STREAM_EVENT)
            continue;
        struct sg_policy_stream *ps = &p->streams[p->n_streams++];
        memcpy(ps->name, s->name, sizeof ps->name);
        if (s->catalog[0]) {
            char why[512];
            ps->catalog = sg_catalog_load(s->catalog, why, sizeof why);
            if (!ps->catalog) {
                snprintf(err, err_cap, "streams[%zu].catalog: %s", i, why);
                return -1;
            }
        }
        ps->rules.catalog = ps->catalog;
        ps->rules.accept_unknown = s->accept_unknown_types;
        ps->rules.max_age_s = (long long)s->max_age_days * 86400;
        ps->rules.max_ahead_s = s->max_ahead_s;
    }
    return 0;
}

static void free_streams(struct sg_policy *p)
{
    for (size_t i = 0; i < p->n_streams; i++)
        sg_catalog_release(p->streams[i].catalog);
}

const struct sg_event_rules *sg_policy_event_rules(const struct sg_policy *p, const char *name)
{
    for (size_t i = 0; i < p->n_streams; i++)
        if (strcmp(p->streams[i].name, name) == 0)
            return &p->streams[i].rules;
    return NULL;
}

static int load_sections(const char *path, json_t **root, char *err, size_t cap)
{
    json_error_t jerr;
    *root = NULL;
    if (!path)
        return 0;
    *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!*root) {
        snprintf(err, cap, "%s: invalid JSON at line %d: %s", path, jerr.line, jerr.text);
        return -1;
    }
    return 0;
}

struct sg_policy *sg_policy_new(const struct sg_config *cfg, const char *config_path, char *err,
                                size_t err_cap)
{
    json_t *root;
    if (load_sections(config_path, &root, err, err_cap) != 0)
        return NULL;
    struct sg_policy *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, err_cap, "out of memory");
        json_decref(root);
        return NULL;
    }
    atomic_init(&p->refs, 1);
    p->max_body_record = cfg->max_body_record;
    p->max_body_records = cfg->max_body_records;
    p->max_record_bytes = cfg->max_record_bytes;
    p->max_json_depth = cfg->max_json_depth;
    p->max_object_members = cfg->max_object_members;
    p->apikeys = sg_apikeys_new(json_object_get(root, "api_keys"), err, err_cap);
    if (p->apikeys)
        p->cors = sg_cors_new(json_object_get(root, "cors"), err, err_cap);
    json_decref(root);
    if (!p->apikeys || !p->cors || load_streams(p, cfg, err, err_cap) != 0) {
        sg_apikeys_free(p->apikeys);
        sg_cors_free(p->cors);
        free_streams(p);
        free(p);
        return NULL;
    }
    return p;
}

struct sg_policy *sg_policy_ref(struct sg_policy *p)
{
    atomic_fetch_add(&p->refs, 1);
    return p;
}

void sg_policy_release(struct sg_policy *p)
{
    if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    sg_apikeys_free(p->apikeys);
    sg_cors_free(p->cors);
    free_streams(p);
    free(p);
}

void sg_policy_slot_init(struct sg_policy_slot *slot, struct sg_policy *initial)
{
    pthread_mutex_init(&slot->mu, NULL);
    slot->current = initial;
}

void sg_policy_slot_destroy(struct sg_policy_slot *slot)
{
    sg_policy_release(slot->current);
    slot->current = NULL;
    pthread_mutex_destroy(&slot->mu);
}

struct sg_policy *sg_policy_slot_get(struct sg_policy_slot *slot)
{
    pthread_mutex_lock(&slot->mu);
    struct sg_policy *p = sg_policy_ref(slot->current);
    pthread_mutex_unlock(&slot->mu);
    return p;
}

void sg_policy_slot_swap(struct sg_policy_slot *slot, struct sg_policy *next)
{
    pthread_mutex_lock(&slot->mu);
    struct sg_policy *old = slot->current;
    int64_t now_ns = sg_clock_ms() * 1000000;
    sg_apikeys_carry_state(next->apikeys, old->apikeys, now_ns);
    for (size_t i = 0; i < old->n_streams; i++) { /* next is not yet shared */
        const struct sg_policy_stream *o = &old->streams[i];
        if (!sg_policy_event_rules(next, o->name) && next->n_streams < SG_CONFIG_MAX_STREAMS) {
            struct sg_policy_stream *n = &next->streams[next->n_streams++];
            *n = *o;
            if (n->catalog)
                sg_catalog_ref(n->catalog);
        }
    }
    slot->current = next;
    pthread_mutex_unlock(&slot->mu);
    sg_policy_release(old);
}
