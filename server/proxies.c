/*
 * proxies: CIDR matching and X-Forwarded-For (see proxies.h).
 */
#include "proxies.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void set_v6(struct sg_ip *ip, const uint8_t b[16])
{
    memset(ip, 0, sizeof *ip);
    if (memcmp(b, v4_mapped, sizeof v4_mapped) == 0) {
        ip->family = AF_INET;
        memcpy(ip->b, b + 12, 4);
    } else {
        ip->family = AF_INET6;
        memcpy(ip->b, b, 16);
    }
}

/* One bare address (no port, no brackets) of at most 45 characters. */
static int parse_bare(const char *s, size_t len, struct sg_ip *out)
{
    char tmp[SG_IP_TEXT_MAX];
    if (len == 0 || len >= sizeof tmp)
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    uint8_t b[16];
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, tmp, b) == 1) {
        out->family = AF_INET;
        memcpy(out->b, b, 4);
        return 0;
    }
    if (inet_pton(AF_INET6, tmp, b) == 1) {
        set_v6(out, b);
        return 0;
    }
    return -1;
}

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t'))
        (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

static bool all_digits(const char *s, size_t len)
{
    if (len == 0 || len > 5)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int sg_ip_parse(const char *s, size_t len, struct sg_ip *out)
{
    trim(&s, &len);
    if (len && s[0] == '[') { /* [v6] or [v6]:port */
        const char *close = memchr(s, ']', len);
        if (!close)
            return -1;
        size_t rest = len - (size_t)(close + 1 - s);
        if (rest && !(close[1] == ':' && all_digits(close + 2, rest - 1)))
            return -1;
        return parse_bare(s + 1, (size_t)(close - s - 1), out) == 0 && out->family == AF_INET6 ? 0
                                                                                               : -1;
    }
    const char *colon = memchr(s, ':', len);
    if (colon && !memchr(colon + 1, ':', len - (size_t)(colon + 1 - s))) {
        /* one colon: IPv4 with a port */
        if (!all_digits(colon + 1, len - (size_t)(colon + 1 - s)))
            return -1;
        return parse_bare(s, (size_t)(colon - s), out) == 0 && out->family == AF_INET ? 0 : -1;
    }
    return parse_bare(s, len, out);
}

static void clear_host_bits(struct sg_ip *ip, unsigned prefix)
{
    unsigned bits = ip->family == AF_INET ? 32 : 128;
    for (unsigned i = prefix; i < bits; i++)
        ip->b[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
}

int sg_cidr_parse(const char *s, size_t len, struct sg_cidr *out)
{
    trim(&s, &len);
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    memset(out, 0, sizeof *out);
    if (parse_bare(s, alen, &out->net) != 0)
        return -1;
    /* "::ffff:10.0.0.0/104" is IPv4 too: its prefix counts from bit 96 */
    bool mapped = out->net.family == AF_INET && memchr(s, ':', alen) != NULL;
    unsigned max = out->net.family == AF_INET ? 32 : 128;
    unsigned prefix = mapped ? 128 : max;
    if (slash) {
        const char *p = slash + 1;
        size_t plen = len - alen - 1;
        if (plen == 0 || plen > 3 || !all_digits(p, plen))
            return -1;
        prefix = (unsigned)strtoul(p, NULL, 10);
        if (prefix > (mapped ? 128u : max) || (plen > 1 && p[0] == '0'))
            return -1;
    }
    if (mapped) {
        if (prefix < 96)
            return -1; /* would span beyond the IPv4-mapped range */
        prefix -= 96;
    }
    out->prefix = prefix;
    clear_host_bits(&out->net, prefix);
    return 0;
}

int sg_ip_from_sockaddr(const struct sockaddr *sa, struct sg_ip *out)
{
    memset(out, 0, sizeof *out);
    if (!sa)
        return -1;
    if (sa->sa_family == AF_INET) {
        out->family = AF_INET;
        memcpy(out->b, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        set_v6(out, (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr);
        return 0;
    }
    return -1;
}

void sg_ip_format(const struct sg_ip *ip, char *out, size_t cap)
{
    if (!cap)
        return;
    out[0] = '\0';
    if (ip->family == AF_INET || ip->family == AF_INET6)
        inet_ntop(ip->family, ip->b, out, (socklen_t)cap);
}

static bool in_cidr(const struct sg_cidr *c, const struct sg_ip *ip)
{
    if (c->net.family != ip->family)
        return false;
    unsigned whole = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(c->net.b, ip->b, whole) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return (c->net.b[whole] & mask) == (ip->b[whole] & mask);
}

bool sg_cidr_match(const struct sg_cidr *list, size_t n, const struct sg_ip *ip)
{
    for (size_t i = 0; i < n; i++)
        if (in_cidr(&list[i], ip))
            return true;
    return false;
}

bool sg_xff_client(const char *xff, size_t len, const struct sg_cidr *list, size_t n,
                   struct sg_ip *client)
{
    bool have = false;
    size_t end = len;
    for (;;) {
        size_t start = end;
        while (start && xff[start - 1] != ',')
            start--;
        struct sg_ip ip;
        const char *e = xff + start;
        size_t elen = end - start;
        trim(&e, &elen);
        if (elen) { /* empty entries (",,", a trailing comma) are skipped */
            if (sg_ip_parse(e, elen, &ip) != 0)
                return have; /* the entry to its right, if any */
            *client = ip;
            have = true;
            if (!sg_cidr_match(list, n, &ip))
                return true;
        }
        if (start == 0)
            return have;
        end = start - 1;
    }
}
