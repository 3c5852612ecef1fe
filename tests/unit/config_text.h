/*
 * config_text: loads a configuration given as JSON text, for the unit tests,
 * through the one loader the gateway has (sg_config_load reads a file): the
 * text goes to a temporary file in the current directory (a name without a
 * slash, so relative paths in the text resolve as they would from here) that
 * is removed again.
 */
#ifndef SG_TEST_CONFIG_TEXT_H
#define SG_TEST_CONFIG_TEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static inline int config_load_text(const char *text, sg_env_lookup_fn env, void *env_ctx,
                                   struct sg_config *cfg, char *err, size_t err_cap)
{
    char path[] = "sg-config-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, err_cap, "config_load_text: mkstemp failed");
        return -1;
    }
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len);
    close(fd);
    int rc = -1;
    if (n == (ssize_t)len)
        rc = sg_config_load(path, env, env_ctx, cfg, err, err_cap);
    else
        snprintf(err, err_cap, "config_load_text: write failed");
    unlink(path);
    return rc;
}

#endif
