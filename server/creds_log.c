/*
 * creds_log: the credential module's JSON log lines on stderr, e.g.
 * {"level":"info","msg":"credentials loaded","source":"container"}.
 * A line is built whole and written with one fwrite, so lines from the
 * refresh thread and other threads do not interleave. Callers never pass
 * secrets; details are reasons such as "HTTP 500" or a file name.
 */
#include "creds_internal.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"

#define SG_CREDS_LOG_LINE_MAX 2048

void sg_creds_log(const char *level, const char *msg, const char *source, const char *detail)
{
    struct sg_buf b;
    sg_buf_init(&b, SG_CREDS_LOG_LINE_MAX);
    int rc = sg_buf_append_str(&b, "{\"level\":");
    rc |= sg_buf_append_json_string(&b, level, strlen(level));
    rc |= sg_buf_append_str(&b, ",\"msg\":");
    rc |= sg_buf_append_json_string(&b, msg, strlen(msg));
    if (source) {
        rc |= sg_buf_append_str(&b, ",\"source\":");
        rc |= sg_buf_append_json_string(&b, source, strlen(source));
    }
    if (detail) {
        rc |= sg_buf_append_str(&b, ",\"detail\":");
        rc |= sg_buf_append_json_string(&b, detail, strlen(detail));
    }
    rc |= sg_buf_append_str(&b, "}\n");
    if (rc == 0)
        fwrite(b.data, 1, b.len, stderr);
    sg_buf_free(&b);
}
