/*
 * creds: AWS credentials as the SDKs find them, behind one small interface.
 *
 * The rest of streamgate sees only sg_creds_provider_get(): it returns the
 * current credentials as an immutable, refcounted snapshot that the caller
 * releases when done. Providers refresh in the background; get() never
 * blocks on the network.
 *
 * Thread-safety: every function here may be called from any thread.
 */
#ifndef SG_CREDS_H
#define SG_CREDS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "metrics.h"

/* An immutable snapshot. Fields are read-only; secret material is wiped when
 * the last reference is released. */
struct sg_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL for long-term keys */
    time_t expiration;         /* 0 = does not expire */
    const char *source; /* "environment", "profile:NAME", "web-identity", "container", "imds" */
};

struct sg_creds_provider;

/*
 * Creates the default chain provider: environment, shared files, web identity,
 * container (ECS/EKS), IMDSv2, in that order, reading the process environment.
 * Resolution is attempted at once; when nothing is found yet the provider is
 * still returned (get() then answers NULL and a background retry continues).
 * Returns NULL only on OOM.
 */
struct sg_creds_provider *sg_creds_provider_new_default(void);

/* Stops background work and frees the provider. NULL-safe. Snapshots still
 * held by callers stay valid until released. */
void sg_creds_provider_free(struct sg_creds_provider *p);

/* Returns a new reference to the current snapshot, or NULL when no
 * credentials are available (yet). Never blocks on I/O. */
struct sg_credentials *sg_creds_provider_get(struct sg_creds_provider *p);

/* Asks for a refresh soon (e.g. after Kinesis answered ExpiredToken).
 * Returns immediately. */
void sg_creds_provider_invalidate(struct sg_creds_provider *p);

/* Adds how many times credentials were loaded (the first time and every
 * refresh) and how many fetches failed into `into` (metrics.h). Thread-safe. */
void sg_creds_provider_read_metrics(struct sg_creds_provider *p, struct sg_metrics_snapshot *into);

/* Takes another reference / releases one. NULL-safe. */
struct sg_credentials *sg_credentials_ref(struct sg_credentials *c);
void sg_credentials_release(struct sg_credentials *c);

#endif
