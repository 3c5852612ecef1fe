/*
 * env: how modules read environment variables. They never call getenv()
 * themselves but take a lookup function from their caller: the process
 * environment in the gateway, a table in tests, so that no test needs
 * setenv() and no thread reads the environment while another may change it.
 */
#ifndef SG_ENV_H
#define SG_ENV_H

/* Returns the value of `name` (borrowed, valid until the environment or the
 * table changes), or NULL when unset. */
typedef const char *(*sg_env_lookup_fn)(const char *name, void *ctx);

/* The process environment (getenv). ctx is ignored. */
const char *sg_env_getenv(const char *name, void *ctx);

/* A table: ctx is a NULL-terminated array of "NAME=value" strings. */
const char *sg_env_lookup_kv(const char *name, void *ctx);

#endif
