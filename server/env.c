/* env: the two lookups of env.h. */
#include "env.h"

#include <stdlib.h>
#include <string.h>

const char *sg_env_getenv(const char *name, void *ctx)
{
    (void)ctx;
    return getenv(name);
}

const char *sg_env_lookup_kv(const char *name, void *ctx)
{
    const char *const *kv = ctx;
    size_t n = strlen(name);
    for (; kv && *kv; kv++) {
        if (strncmp(*kv, name, n) == 0 && (*kv)[n] == '=')
            return *kv + n + 1;
    }
    return NULL;
}
