/*
 * test_conn_guard: the slow-client rules and shedding order
 * (server/conn_guard.c), table-driven, with `now` as a parameter.
 */
#include "conn_guard.h"

#include <string.h>

#include "check.h"

static const struct sg_conn_limits LIM = {10000, 75000, 10000, 1024};

static void test_check(void)
{
    static const struct {
        const char *what;
        struct sg_conn_view v;
        int64_t now;
        enum sg_conn_close_reason want;
    } cases[] = {
        {"head, just begun", {SG_CONN_HEAD, 1000, 0}, 1000, SG_CONN_OPEN},
        {"head, 1 ms before its deadline", {SG_CONN_HEAD, 1000, 0}, 10999, SG_CONN_OPEN},
        {"head at its deadline", {SG_CONN_HEAD, 1000, 0}, 11000, SG_CONN_HEADER_TIMEOUT},
        {"idle, 74.9 s", {SG_CONN_IDLE, 0, 0}, 74999, SG_CONN_OPEN},
        {"idle at idle_timeout", {SG_CONN_IDLE, 0, 0}, 75000, SG_CONN_IDLE_TIMEOUT},
        {"idle past the header timeout", {SG_CONN_IDLE, 0, 0}, 30000, SG_CONN_OPEN},
        {"body in its grace, nothing yet", {SG_CONN_BODY, 0, 0}, 9999, SG_CONN_OPEN},
        {"body after its grace, nothing", {SG_CONN_BODY, 0, 0}, 10000, SG_CONN_BODY_TOO_SLOW},
        {"body at exactly the rate", {SG_CONN_BODY, 0, 10240}, 10000, SG_CONN_OPEN},
        {"body one byte under the rate", {SG_CONN_BODY, 0, 10239}, 10000, SG_CONN_BODY_TOO_SLOW},
        {"body 10 MiB at 256 KiB/s", {SG_CONN_BODY, 0, 10485760}, 40000, SG_CONN_OPEN},
        {"body fast, then stalled past the average",
         {SG_CONN_BODY, 0, 20480},
         20001,
         SG_CONN_BODY_TOO_SLOW},
        {"busy (waiting for Kinesis) for an hour", {SG_CONN_BUSY, 0, 0}, 3600000, SG_CONN_OPEN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum sg_conn_close_reason r = sg_conn_guard_check(&cases[i].v, cases[i].now, &LIM);
        CHECK(r == cases[i].want, "%s: %s, want %s", cases[i].what, sg_conn_reason_name(r),
              sg_conn_reason_name(cases[i].want));
    }
    struct sg_conn_limits no_rate = LIM;
    no_rate.body_min_rate = 0;
    struct sg_conn_view v = {SG_CONN_BODY, 0, 0};
    CHECK(sg_conn_guard_check(&v, 1000000, &no_rate) == SG_CONN_OPEN, "rate 0: no body rule");
}

static void test_excess(void)
{
    static const struct {
        size_t open, max, want;
    } cases[] = {
        {0, 10000, 0}, {9375, 10000, 0}, {9376, 10000, 626}, {10000, 10000, 1250},
        {60, 64, 0},   {61, 64, 5},      {64, 64, 8},        {16, 16, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(sg_conn_guard_excess(cases[i].open, cases[i].max) == cases[i].want,
              "excess(%zu, %zu) = %zu, want %zu", cases[i].open, cases[i].max,
              sg_conn_guard_excess(cases[i].open, cases[i].max), cases[i].want);
}

static void test_order(void)
{
    const int64_t now = 100000;
    const struct sg_conn_view views[] = {
        {SG_CONN_BUSY, 1, 0},         /* 0: never */
        {SG_CONN_BODY, 50000, 0},     /* 1: slow body, judged: after heads */
        {SG_CONN_HEAD, 99000, 0},     /* 2: young head */
        {SG_CONN_IDLE, 20000, 0},     /* 3: old idle */
        {SG_CONN_BODY, 99500, 0},     /* 4: body too young to judge: kept */
        {SG_CONN_BODY, 0, 100000000}, /* 5: fast body: kept */
        {SG_CONN_HEAD, 30000, 0},     /* 6: older head */
        {SG_CONN_BODY, 40000, 1},     /* 7: older slow body */
    };
    struct sg_conn_rank out[8];
    size_t k = sg_conn_guard_order(views, 8, now, &LIM, out);
    static const size_t want[] = {3, 6, 2, 7, 1};
    static const enum sg_conn_close_reason why[] = {SG_CONN_SHED_IDLE, SG_CONN_SHED_HEAD,
                                                    SG_CONN_SHED_HEAD, SG_CONN_SHED_BODY,
                                                    SG_CONN_SHED_BODY};
    CHECK(k == 5, "5 sheddable, got %zu", k);
    for (size_t i = 0; i < k && i < 5; i++) {
        CHECK(out[i].index == want[i], "order[%zu] = %zu, want %zu", i, out[i].index, want[i]);
        CHECK(out[i].reason == why[i], "order[%zu]: %s", i, sg_conn_reason_name(out[i].reason));
    }
    CHECK(strcmp(sg_conn_reason_name(SG_CONN_HEADER_TIMEOUT), "header_timeout") == 0, "name");
    CHECK(strcmp(sg_conn_reason_name(SG_CONN_REASON_COUNT), "other") == 0, "name out of range");
}

int main(void)
{
    test_check();
    test_excess();
    test_order();
    return sg_check_result("test_conn_guard");
}
