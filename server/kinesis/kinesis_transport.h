/*
 * kinesis_transport: the seam between the sender's core (pipeline.c:
 * batching, retries, answers) and the I/O of its Kinesis calls.
 *
 * A transport carries signed JSON 1.1 calls (PutRecords, the readiness
 * DescribeStreamSummary) to Kinesis and reports each one's end exactly once,
 * through the callback given to run(), with the context given to start().
 * The libcurl implementation (kinesis_transport_curl.c) owns the multi
 * handle, the idle-handle pool, SigV4 signing and the credentials it signs
 * with; the unit tests drive the same core with a scripted one.
 *
 * Threads: start, run, cancel and credentials_rejected are called by the
 * sender thread only; wakeup by any thread (it makes a run() in progress
 * return soon).
 */
#ifndef SG_KINESIS_TRANSPORT_H
#define SG_KINESIS_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "creds/creds.h"

/* One call to make. Everything is borrowed until the call is reported or
 * cancelled. */
struct sg_kinesis_request {
    const char *target; /* X-Amz-Target, e.g. SG_KINESIS_TARGET_PUT_RECORDS */
    const char *body;
    size_t body_len;
    int64_t timeout_ms;      /* the whole exchange, connect included */
    size_t max_answer_bytes; /* a longer answer fails the call */
};

enum sg_transport_start {
    SG_TRANSPORT_STARTED = 0,
    SG_TRANSPORT_NO_CREDENTIALS, /* nothing to sign with yet */
    SG_TRANSPORT_START_FAILED,   /* out of memory or a library error */
};

enum sg_transport_outcome {
    SG_TRANSPORT_ANSWERED = 0, /* an HTTP answer: see http_status and body */
    SG_TRANSPORT_UNREACHABLE,  /* no connection could be made at all */
    SG_TRANSPORT_FAILED,       /* time-out, reset, TLS or a too long answer */
};

/* How a call ended. Borrowed for the duration of the callback. */
struct sg_kinesis_reply {
    enum sg_transport_outcome outcome;
    long http_status; /* ANSWERED */
    const char *body; /* ANSWERED: the answer (not NUL-terminated when empty) */
    size_t body_len;
    const char *error_type; /* the x-amzn-ErrorType header, or "" */
    const char *error;      /* not ANSWERED: what went wrong, for logs and answers */
};

/* Reports one finished call: `ctx` as given to start. */
typedef void (*sg_kinesis_done_fn)(void *owner, void *ctx, const struct sg_kinesis_reply *reply);

struct sg_kinesis_transport;

struct sg_kinesis_transport_ops {
    /* Starts one call. Nothing is reported for a call that did not start. */
    enum sg_transport_start (*start)(struct sg_kinesis_transport *t,
                                     const struct sg_kinesis_request *req, void *ctx);
    /* Moves the calls in flight along and reports those that ended through
     * done(owner, ctx, reply). When none ended, waits up to wait_ms for
     * progress or a wakeup. Returns the number reported. */
    size_t (*run)(struct sg_kinesis_transport *t, int wait_ms, sg_kinesis_done_fn done,
                  void *owner);
    /* Makes a run() in progress return soon. Any thread. */
    void (*wakeup)(struct sg_kinesis_transport *t);
    /* Abandons the call started with ctx: it is never reported. */
    void (*cancel)(struct sg_kinesis_transport *t, void *ctx);
    /* Kinesis refused the credentials (expired token, bad signature): sign
     * the next calls with fresh ones. */
    void (*credentials_rejected)(struct sg_kinesis_transport *t);
    /* Frees the transport after cancelling whatever is still in flight. */
    void (*free)(struct sg_kinesis_transport *t);
};

/* Implementations embed this as their first member. */
struct sg_kinesis_transport {
    const struct sg_kinesis_transport_ops *ops;
};

/* The libcurl transport to cfg's Kinesis endpoint, signing with creds
 * (borrowed; must outlive it). Returns NULL on error (logged). */
struct sg_kinesis_transport *sg_kinesis_transport_curl_new(const struct sg_config *cfg,
                                                           struct sg_creds_provider *creds);

/* Frees t. NULL-safe. */
void sg_kinesis_transport_free(struct sg_kinesis_transport *t);

#endif
