/*
 * mhd_compat: everything the gateway relies on that libmicrohttpd does not
 * promise, in one place, for the one version it is tested with.
 *
 * Tested: libmicrohttpd 0.9.75 (Debian 12's package, MHD_VERSION
 * 0x00097500). What the edge takes from that version's internals:
 *
 *   1. Its error log text. Before queueing an answer of its own for a head
 *      or chunked body it cannot parse, 0.9.75 logs
 *      "Error processing request (HTTP response code is %u (`%s'))..." with
 *      the status and the HTML body as the first two arguments, on the
 *      connection's thread (http_gate.c answers in JSON from there).
 *   2. Its HTML error bodies: "chunked encoding" in the 400 for bad chunk
 *      framing, "chunk size" in the 413 for a size of 2^64 or more; a 500
 *      while a body is read means a chunk-size line longer than the free
 *      read buffer.
 *   3. Its read buffer: the head stays in place, each line end, colon and
 *      request-line separator overwritten by one NUL, so the bytes between
 *      a value and the next line, and the target's length up to the
 *      version, can be measured (http_gate.c, the smuggling checks of
 *      http_head.h); a folded field is moved.
 *   4. Its connection pool: the head, the read buffer and the answer's
 *      header lines share MHD_OPTION_CONNECTION_MEMORY_LIMIT.
 *   5. Its cleanup order: MHD_CONNECTION_NOTIFY_CLOSED runs before the
 *      socket is closed, and a socket that reads EOF is closed at once, so
 *      shutdown(2) from another thread ends a connection (http_conns.c).
 *   6. That an answer queued before the body is read closes the
 *      connection (http_server.c defers small ones).
 *
 * A build against another version fails here (MHD_VERSION), and a gateway
 * whose loaded library says another version (MHD_get_version) refuses to
 * start: a Debian update could otherwise change silently what clients
 * receive. Falling back to libmicrohttpd's own answers was not chosen: items
 * 3 and 5 are not only answers but the smuggling and slow-client defences,
 * and running without them unannounced is worse than not starting. To try
 * another version, check these six items against its source, run the
 * http/edge/limits/slow-client integration tests, then change
 * SG_MHD_TESTED_VERSION.
 */
#ifndef SG_MHD_COMPAT_H
#define SG_MHD_COMPAT_H

#include <microhttpd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SG_MHD_TESTED_VERSION 0x00097500
#define SG_MHD_TESTED_VERSION_TEXT "0.9.75"

#if MHD_VERSION != SG_MHD_TESTED_VERSION
#error                                                                                             \
    "streamgate is tested with libmicrohttpd 0.9.75 only (MHD_VERSION 0x00097500): see server/mhd_compat.h"
#endif

/* 1. The log line that precedes an answer of libmicrohttpd's own. */
#define SG_MHD_REFUSING_FMT "Error processing request (HTTP response code is %u"

/* Reads the status and HTML body that follow SG_MHD_REFUSING_FMT. */
static inline void sg_mhd_refusal_args(va_list ap, unsigned *status, const char **html)
{
    va_list cp;
    va_copy(cp, ap);
    *status = va_arg(cp, unsigned);
    *html = va_arg(cp, const char *);
    va_end(cp);
}

/* 2. Words of its HTML error bodies. */
#define SG_MHD_HTML_BAD_CHUNK "chunked encoding"
#define SG_MHD_HTML_CHUNK_SIZE "chunk size"

/* 3. Bytes between the request target and the version in the read buffer
 * (the space, now a NUL). */
#define SG_MHD_TARGET_VERSION_GAP 1

/* 4. Pool room past max_header_bytes: the answer's header lines (a few
 * hundred bytes, CORS included) and read-buffer growth with some margin. */
#define SG_MHD_POOL_SLACK ((size_t)16 * 1024)

/* The start-up check: 0 when the loaded library is the tested version;
 * else -1 with a message for the operator in err. */
static inline int sg_mhd_version_check(char *err, size_t cap)
{
    const char *v = MHD_get_version();
    if (v && strcmp(v, SG_MHD_TESTED_VERSION_TEXT) == 0)
        return 0;
    snprintf(err, cap,
             "libmicrohttpd %s is loaded, but streamgate is tested with %s only: its request-head "
             "and slow-client defences rely on that version's internals (server/mhd_compat.h); "
             "install libmicrohttpd %s",
             v ? v : "(unknown)", SG_MHD_TESTED_VERSION_TEXT, SG_MHD_TESTED_VERSION_TEXT);
    return -1;
}

#endif
