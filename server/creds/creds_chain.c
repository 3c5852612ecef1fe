/*
 * creds_chain: a source that asks other sources in order, and the SDK
 * default chain built from it.
 *
 * Order (aws-c-auth default chain, what the AWS C/C++ SDKs do): environment,
 * shared files, web identity, then container XOR IMDS - the container source
 * when AWS_CONTAINER_CREDENTIALS_{RELATIVE,FULL}_URI is set, else IMDS unless
 * AWS_EC2_METADATA_DISABLED=true. Each fetch walks the list from the top and
 * the first source that answers wins; a source that is configured but fails
 * does not stop the walk (as aws-c-auth). When none answers, the error lists
 * every source's reason.
 */
#include "creds_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SG_CREDS_CHAIN_MAX 8

struct chain_source {
    struct sg_creds_source base;
    size_t n;
    struct sg_creds_source *sources[SG_CREDS_CHAIN_MAX]; /* owned */
};

static enum sg_creds_result chain_fetch(struct sg_creds_source *s, struct sg_credentials **out,
                                        char *err, size_t errlen)
{
    struct chain_source *c = (struct chain_source *)s;
    enum sg_creds_result worst = SG_CREDS_NOT_CONFIGURED;
    size_t used = 0;
    err[0] = '\0';
    for (size_t i = 0; i < c->n; i++) {
        char why[SG_CREDS_ERR_MAX] = "";
        enum sg_creds_result r = sg_creds_source_fetch(c->sources[i], out, why, sizeof why);
        if (r == SG_CREDS_OK)
            return SG_CREDS_OK;
        if (r == SG_CREDS_FAILED)
            worst = SG_CREDS_FAILED;
        if (used < errlen) {
            int k = snprintf(err + used, errlen - used, "%s%s: %s", used ? "; " : "",
                             c->sources[i]->vt->name, why);
            used += k > 0 ? (size_t)k : 0;
        }
    }
    if (c->n == 0)
        snprintf(err, errlen, "no credential sources");
    return worst;
}

static void chain_destroy(struct sg_creds_source *s)
{
    struct chain_source *c = (struct chain_source *)s;
    for (size_t i = 0; i < c->n; i++)
        sg_creds_source_free(c->sources[i]);
    free(c);
}

static const struct sg_creds_source_vtable chain_vtable = {
    .name = "chain",
    .fetch = chain_fetch,
    .destroy = chain_destroy,
};

struct sg_creds_source *sg_creds_chain_new(struct sg_creds_source **sources, size_t n)
{
    struct chain_source *c = NULL;
    bool complete = n <= SG_CREDS_CHAIN_MAX;
    for (size_t i = 0; i < n; i++)
        complete &= sources[i] != NULL;
    if (complete)
        c = calloc(1, sizeof *c);
    if (!c) {
        for (size_t i = 0; i < n; i++)
            sg_creds_source_free(sources[i]);
        return NULL;
    }
    c->base.vt = &chain_vtable;
    c->n = n;
    memcpy(c->sources, sources, n * sizeof *sources);
    return &c->base;
}

struct sg_creds_source *sg_creds_default_chain_new(const struct sg_creds_env *env,
                                                   const struct sg_creds_http *http)
{
    struct sg_creds_source *list[SG_CREDS_CHAIN_MAX];
    size_t n = 0;
    list[n++] = sg_creds_env_source_new(env);
    list[n++] = sg_creds_profile_source_new(env);
    list[n++] = sg_creds_web_identity_source_new(env, http);
    /* ECS and IMDS are mutually exclusive; the container wins. */
    if (sg_creds_env_get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
        sg_creds_env_get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI"))
        list[n++] = sg_creds_container_source_new(env, http);
    else if (!sg_creds_env_is_true(env, "AWS_EC2_METADATA_DISABLED"))
        list[n++] = sg_creds_imds_source_new(env, http);
    return sg_creds_chain_new(list, n);
}
