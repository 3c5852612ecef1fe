/*
 * policy: the settings SIGHUP may change without dropping a connection:
 * API keys, CORS, the body and record limits, and each event stream's
 * rules (its catalog, unknown_event_types and created_at_window).
 *
 * A policy is an immutable, refcounted snapshot. Each request takes a
 * reference when it begins and drops it when it completes, so a reload
 * (sg_policy_swap) never changes the rules under a request in progress, and
 * the old snapshot is freed when its last request is done. Token-bucket
 * levels are carried from the old snapshot to the new one (same key id), so
 * a reload does not refill every key's burst.
 */
#ifndef SG_POLICY_H
#define SG_POLICY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "apikeys.h"
#include "config.h"
#include "cors.h"
#include "event.h"

/* One event stream's rules in a policy (event.h). */
struct sg_policy_stream {
    char name[SG_STREAM_NAME_MAX + 1]; /* the stream's public name */
    struct sg_catalog *catalog;        /* owned reference, or NULL */
    struct sg_event_rules rules;       /* rules.catalog == catalog */
};

struct sg_policy {
    atomic_size_t refs;
    struct sg_apikeys *apikeys; /* owned; "off" set when not configured */
    struct sg_cors *cors;       /* owned; disabled when not configured */
    size_t max_body_record, max_body_records, max_record_bytes;
    unsigned max_json_depth, max_object_members;
    size_t n_streams; /* event streams of the file the policy was built from */
    struct sg_policy_stream streams[SG_CONFIG_MAX_STREAMS];
};

/*
 * Builds a policy from `cfg` (limits, each event stream's rules: its
 * catalog is loaded here) and the "api_keys" and "cors" sections of the
 * JSON file at `config_path` (NULL: neither). Returns NULL with a message
 * naming the key at fault (for a catalog: "streams[0].catalog: " and the
 * loader's message).
 */
struct sg_policy *sg_policy_new(const struct sg_config *cfg, const char *config_path, char *err,
                                size_t err_cap);

/* The rules of event stream `name` (borrowed from p), or NULL when the
 * policy has none for it (not an event stream). */
const struct sg_event_rules *sg_policy_event_rules(const struct sg_policy *p, const char *name);

struct sg_policy *sg_policy_ref(struct sg_policy *p);
void sg_policy_release(struct sg_policy *p); /* NULL-safe; frees at zero */

/* The current policy of a gateway, swappable at run time. */
struct sg_policy_slot {
    pthread_mutex_t mu;
    struct sg_policy *current;
};

void sg_policy_slot_init(struct sg_policy_slot *slot, struct sg_policy *initial /* taken */);
void sg_policy_slot_destroy(struct sg_policy_slot *slot);

/* Returns a new reference to the current policy. */
struct sg_policy *sg_policy_slot_get(struct sg_policy_slot *slot);

/* Makes `next` (taken) current, carrying token-bucket levels over, and drops
 * the slot's reference to the previous one. An event stream of the previous
 * policy that `next` does not list (removed from the file: streams change
 * only on restart, so it is still served) keeps its rules. */
void sg_policy_slot_swap(struct sg_policy_slot *slot, struct sg_policy *next);

#endif
