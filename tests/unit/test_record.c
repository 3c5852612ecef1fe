/*
 * test_record: server/record.h: a resolved record's texts, kept in the
 * result when they fit and malloc'd when not (an error message), read back by
 * sg_result_a/b and freed by sg_ticket_clear (ASan checks the frees); an OK
 * whose texts cannot be kept is never claimed; the ticket completes once, when
 * the submitter's hold and every record are released.
 */
#include "record.h"

#include <stdbool.h>
#include <string.h>

#include "check.h"

static int done_calls;

static void on_done(struct sg_ticket *t)
{
    (void)t;
    done_calls++;
}

static void test_texts(void)
{
    char long_msg[300];
    memset(long_msg, 'm', sizeof long_msg - 1);
    long_msg[sizeof long_msg - 1] = '\0';
    static const struct {
        const char *what;
        enum sg_outcome outcome;
        const char *a, *b;
        bool inline_text;
    } cases[] = {
        {"usual OK", SG_OUTCOME_OK, "49590338271490256608559692538361571095921575989136588898",
         "shardId-000000000001", true},
        {"empty texts", SG_OUTCOME_TIMEOUT, "", "", true},
        {"NULL texts", SG_OUTCOME_UNAVAILABLE, NULL, NULL, true},
        {"long error message", SG_OUTCOME_REFUSED, "ValidationException", NULL, false},
        {"a 128-digit sequence number", SG_OUTCOME_OK,
         "12345678901234567890123456789012345678901234567890123456789012345678901234567890"
         "123456789012345678901234567890123456789012345678",
         "shardId-000000000001", false},
    };
    enum { N = sizeof cases / sizeof cases[0] };
    struct sg_result results[N];
    struct sg_record records[N];
    memset(results, 0, sizeof results);
    memset(records, 0, sizeof records);
    struct sg_ticket t = {.results = results, .n_results = N, .done = on_done};
    atomic_store(&t.pending, N + 1);
    done_calls = 0;
    for (size_t i = 0; i < N; i++) {
        records[i].ticket = &t;
        records[i].index = (uint32_t)i;
        const char *b = cases[i].b;
        if (cases[i].outcome == SG_OUTCOME_REFUSED)
            b = long_msg;
        sg_record_resolve(&records[i], cases[i].outcome, cases[i].a, b);
        CHECK(results[i].outcome == cases[i].outcome, "%s: outcome %d", cases[i].what,
              (int)results[i].outcome);
        CHECK_STREQ(sg_result_a(&results[i]), cases[i].a ? cases[i].a : "", cases[i].what);
        CHECK_STREQ(sg_result_b(&results[i]), b ? b : "", cases[i].what);
        CHECK((results[i].text == results[i].inline_text) == cases[i].inline_text, "%s: kept %s",
              cases[i].what, cases[i].inline_text ? "inline" : "malloc'd");
    }
    CHECK(done_calls == 0, "not done while the submitter holds the ticket");
    sg_ticket_release(&t);
    CHECK(done_calls == 1, "done once at zero (%d)", done_calls);
    sg_ticket_clear(&t);
    for (size_t i = 0; i < N; i++)
        CHECK(results[i].text == NULL && *sg_result_a(&results[i]) == '\0', "%s: cleared",
              cases[i].what);
}

int main(void)
{
    test_texts();
    return sg_check_result("test_record");
}
