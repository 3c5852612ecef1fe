/*
 * http_server: the libmicrohttpd daemon and request routing.
 *
 * DESIGN. MHD runs its own pool of cfg->threads threads, each with an epoll
 * loop (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL); ingest requests
 * waiting for Kinesis are suspended (MHD_ALLOW_SUSPEND_RESUME), so a few
 * threads serve thousands of concurrent clients. Suspended connections never
 * time out and must all be resumed before MHD_stop_daemon: the pipeline
 * drain (pipeline.h) answers every record, which resumes every connection,
 * before sg_http_server_stop runs.
 */
#ifndef SG_HTTP_SERVER_H
#define SG_HTTP_SERVER_H

#include "gateway.h"

struct sg_http_server;

/* Binds cfg->listen_host:listen_port and starts serving. Returns NULL on
 * error (logged). `gw` is borrowed and must outlive the server. */
struct sg_http_server *sg_http_server_start(struct sg_gateway *gw);

/* The bound port (useful when the configuration asked for port 0). */
unsigned sg_http_server_port(const struct sg_http_server *s);

/* The bound port of the operations listener, or 0 when there is none. */
unsigned sg_http_server_ops_port(const struct sg_http_server *s);

/* Stops accepting new connections (new ones are refused at once); open
 * ones are still served. */
void sg_http_server_quiesce(struct sg_http_server *s);

/* Stops the daemon and frees the server. All requests must be answered
 * (no suspended connection left). NULL-safe. */
void sg_http_server_stop(struct sg_http_server *s);

#endif
