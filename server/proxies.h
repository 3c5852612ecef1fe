/*
 * proxies: the caller's real address behind trusted proxies (an ALB).
 * Pure: addresses and header values in, an address out; no I/O.
 *
 * A load balancer connects to the gateway itself, so the TCP peer is the
 * load balancer; it appends the address it saw to X-Forwarded-For. Only
 * entries added by trusted systems can be believed (a client may send any
 * X-Forwarded-For of its own), so the header is read from the right: the
 * right-most address that is not a trusted proxy is the client. The header
 * is read only when the TCP peer itself is trusted.
 */
#ifndef SG_PROXIES_H
#define SG_PROXIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "must_check.h"

/* An IPv4 or IPv6 address; IPv4-mapped IPv6 (::ffff:a.b.c.d) is IPv4. */
struct sg_ip {
    int family; /* AF_INET or AF_INET6; 0: none */
    uint8_t b[16];
};

/* A network: an address and a prefix length. */
struct sg_cidr {
    struct sg_ip net; /* host bits cleared */
    unsigned prefix;
};

/* Room for an address as text, NUL included (INET6_ADDRSTRLEN). */
#define SG_IP_TEXT_MAX 46

/* Parses s[0..len): "10.0.0.0/16", "fd00::/8", or one address (a /32 or
 * /128). Returns 0, or -1 when it is none of these. */
SG_MUST_CHECK int sg_cidr_parse(const char *s, size_t len, struct sg_cidr *out);

/* Parses an X-Forwarded-For entry: an address, optionally with a port
 * ("1.2.3.4:5678", "[2001:db8::1]:443") or in brackets; surrounding SP/HTAB
 * ignored. Returns 0, or -1. */
SG_MUST_CHECK int sg_ip_parse(const char *s, size_t len, struct sg_ip *out);

/* The address of a socket address (AF_INET / AF_INET6). Returns 0 or -1. */
int sg_ip_from_sockaddr(const struct sockaddr *sa, struct sg_ip *out);

/* Formats an address into out (at least SG_IP_TEXT_MAX bytes). */
void sg_ip_format(const struct sg_ip *ip, char *out, size_t cap);

/* True when `ip` lies in one of list[0..n). */
bool sg_cidr_match(const struct sg_cidr *list, size_t n, const struct sg_ip *ip);

/* The client an X-Forwarded-For value (xff[0..len), entries separated by
 * commas, as several header lines joined) names, for a request whose TCP
 * peer is trusted: the right-most entry that is not in list[0..n); when
 * every entry is trusted, the left-most; when an entry does not parse,
 * the entry to its right (nothing to its right: false). Returns true and
 * sets *client, or false when the header names no usable address. */
bool sg_xff_client(const char *xff, size_t len, const struct sg_cidr *list, size_t n,
                   struct sg_ip *client);

#endif
