/*
 * test_proxies: CIDR parsing and matching, X-Forwarded-For entries and the
 * right-most untrusted client (server/proxies.c), table-driven.
 */
#include "proxies.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "check.h"

static void test_cidr_parse(void)
{
    static const struct {
        const char *s;
        bool ok;
        const char *net; /* formatted network when ok */
        unsigned prefix;
    } cases[] = {
        {"10.0.0.0/16", true, "10.0.0.0", 16},
        {"10.0.7.9/16", true, "10.0.0.0", 16}, /* host bits cleared */
        {" 192.168.1.1 ", true, "192.168.1.1", 32},
        {"0.0.0.0/0", true, "0.0.0.0", 0},
        {"fd00::/8", true, "fd00::", 8},
        {"2001:db8::1", true, "2001:db8::1", 128},
        {"2001:db8:abcd:12::/63", true, "2001:db8:abcd:12::", 63},
        {"::ffff:10.1.0.0/112", true, "10.1.0.0", 16},
        {"::ffff:10.1.0.0/64", false, NULL, 0},
        {"10.0.0.0/33", false, NULL, 0},
        {"10.0.0.0/", false, NULL, 0},
        {"10.0.0.0/08", false, NULL, 0},
        {"10.0.0.0/-1", false, NULL, 0},
        {"10.0.0/8", false, NULL, 0},
        {"fd00::/129", false, NULL, 0},
        {"10.0.0.0/8/8", false, NULL, 0},
        {"vpc", false, NULL, 0},
        {"", false, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sg_cidr c;
        int rc = sg_cidr_parse(cases[i].s, strlen(cases[i].s), &c);
        CHECK((rc == 0) == cases[i].ok, "cidr [%s]: rc %d", cases[i].s, rc);
        if (rc == 0 && cases[i].ok) {
            char t[SG_IP_TEXT_MAX];
            sg_ip_format(&c.net, t, sizeof t);
            CHECK_STREQ(t, cases[i].net, cases[i].s);
            CHECK(c.prefix == cases[i].prefix, "cidr [%s]: prefix %u", cases[i].s, c.prefix);
        }
    }
}

static struct sg_ip ip_of(const char *s)
{
    struct sg_ip ip;
    if (sg_ip_parse(s, strlen(s), &ip) != 0)
        memset(&ip, 0, sizeof ip);
    return ip;
}

static void test_match(void)
{
    struct sg_cidr list[3];
    const char *nets[] = {"10.0.0.0/16", "172.16.0.0/12", "fd00:ab::/32"};
    for (int i = 0; i < 3; i++)
        CHECK(sg_cidr_parse(nets[i], strlen(nets[i]), &list[i]) == 0, "parse %s", nets[i]);
    static const struct {
        const char *ip;
        bool in;
    } cases[] = {
        {"10.0.0.1", true},         {"10.0.255.255", true},   {"10.1.0.0", false},
        {"172.16.0.1", true},       {"172.31.255.255", true}, {"172.32.0.0", false},
        {"::ffff:10.0.3.4", true},  {"fd00:ab:1::5", true},   {"fd00:ac::1", false},
        {"9.255.255.255", false},   {"::1", false},           {"10.0.0.1:8080", true},
        {"[fd00:ab::9]:443", true}, {"[fd00:ab::9]", true},   {"127.0.0.1", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sg_ip ip = ip_of(cases[i].ip);
        CHECK(ip.family != 0, "ip [%s] parses", cases[i].ip);
        CHECK(sg_cidr_match(list, 3, &ip) == cases[i].in, "match [%s]", cases[i].ip);
    }
    struct sg_cidr all;
    CHECK(sg_cidr_parse("0.0.0.0/0", 9, &all) == 0, "0/0");
    struct sg_ip v6 = ip_of("2001:db8::1"), v4 = ip_of("8.8.8.8");
    CHECK(sg_cidr_match(&all, 1, &v4) && !sg_cidr_match(&all, 1, &v6), "0/0 is IPv4 only");
    CHECK(!sg_cidr_match(list, 0, &v4), "an empty list matches nothing");
}

static void test_ip_parse(void)
{
    static const char *const bad[] = {
        "",     "1.2.3",  "1.2.3.4:", "1.2.3.4:x", "1.2.3.4:123456",  "[1.2.3.4]",
        "[::1", "[::1]x", "::1:80:",  "unknown",   "1.2.3.4 5.6.7.8", "_hidden"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sg_ip ip;
        CHECK(sg_ip_parse(bad[i], strlen(bad[i]), &ip) != 0, "ip [%s] refused", bad[i]);
    }
    struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::ffff:192.0.2.7", &sa6.sin6_addr);
    struct sg_ip ip;
    char t[SG_IP_TEXT_MAX];
    CHECK(sg_ip_from_sockaddr((struct sockaddr *)&sa6, &ip) == 0, "sockaddr");
    sg_ip_format(&ip, t, sizeof t);
    CHECK_STREQ(t, "192.0.2.7", "an IPv4-mapped peer is IPv4");
}

static void test_xff(void)
{
    struct sg_cidr list[2];
    CHECK(sg_cidr_parse("10.0.0.0/16", 11, &list[0]) == 0, "parse");
    CHECK(sg_cidr_parse("fd00::/8", 8, &list[1]) == 0, "parse");
    static const struct {
        const char *xff;
        const char *want; /* NULL: no address */
    } cases[] = {
        {"203.0.113.9", "203.0.113.9"},
        {"203.0.113.9, 10.0.1.2", "203.0.113.9"}, /* a trusted hop skipped */
        {"1.1.1.1, 203.0.113.9", "203.0.113.9"},  /* a forged left entry ignored */
        {"1.1.1.1,203.0.113.9,10.0.0.7,10.0.9.9", "203.0.113.9"},
        {"10.0.0.7, 10.0.0.8", "10.0.0.7"},   /* all trusted: the left-most */
        {"203.0.113.9:51234", "203.0.113.9"}, /* the ALB's client port */
        {"[2001:db8::7]:443, fd00::1", "2001:db8::7"},
        {"2001:db8::7", "2001:db8::7"},
        {"::ffff:198.51.100.4", "198.51.100.4"},
        {"garbage, 203.0.113.9", "203.0.113.9"},
        {"203.0.113.9, garbage", NULL},                 /* nothing trustworthy to its right */
        {"203.0.113.9, garbage, 10.0.0.1", "10.0.0.1"}, /* stop at the bad entry */
        {" , 203.0.113.9 ,, ", "203.0.113.9"},          /* empty entries skipped */
        {"", NULL},
        {"unknown", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sg_ip client;
        memset(&client, 0, sizeof client);
        bool got = sg_xff_client(cases[i].xff, strlen(cases[i].xff), list, 2, &client);
        CHECK(got == (cases[i].want != NULL), "xff [%s]: %d", cases[i].xff, got);
        if (got && cases[i].want) {
            char t[SG_IP_TEXT_MAX];
            sg_ip_format(&client, t, sizeof t);
            CHECK_STREQ(t, cases[i].want, cases[i].xff);
        }
    }
}

int main(void)
{
    test_cidr_parse();
    test_match();
    test_ip_parse();
    test_xff();
    return sg_check_result("test_proxies");
}
