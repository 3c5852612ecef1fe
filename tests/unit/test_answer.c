/*
 * test_answer: server/answer.h: outcomes and body failures map to their
 * answers, statuses map back, and the README's error table (section
 * "### Errors": `| status | x-amzn-ErrorType | ...`) lists exactly the
 * table's error answers with the same types, so the documentation and the
 * code cannot drift apart.
 */
#include "answer.h"

#include <stdio.h>
#include <stdlib.h>

#include "check.h"

static void test_mappings(void)
{
    static const struct {
        enum sg_outcome outcome;
        unsigned want;
    } outcomes[] = {
        {SG_OUTCOME_OK, 200},          {SG_OUTCOME_INVALID, 400}, {SG_OUTCOME_THROTTLED, 503},
        {SG_OUTCOME_UNAVAILABLE, 503}, {SG_OUTCOME_REFUSED, 502}, {SG_OUTCOME_TIMEOUT, 504},
        {SG_OUTCOME_PENDING, 504},
    };
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
        unsigned got = sg_answer_kind(sg_answer_for_outcome(outcomes[i].outcome))->status;
        CHECK(got == outcomes[i].want, "outcome %d: %u want %u", (int)outcomes[i].outcome, got,
              outcomes[i].want);
    }
    static const struct {
        enum sg_ingest_status st;
        unsigned want;
    } ingest[] = {{SG_INGEST_OK, 200},
                  {SG_INGEST_BAD_REQUEST, 400},
                  {SG_INGEST_TOO_LARGE, 413},
                  {SG_INGEST_NO_MEMORY, 503}};
    for (size_t i = 0; i < sizeof ingest / sizeof ingest[0]; i++)
        CHECK(sg_answer_kind(sg_answer_for_ingest(ingest[i].st))->status == ingest[i].want,
              "ingest %d", (int)ingest[i].st);
    for (int a = 0; a < SG_ANSWER_COUNT; a++) {
        const struct sg_answer_kind *k = sg_answer_kind((enum sg_answer)a);
        CHECK(sg_answer_for_status(k->status) == (enum sg_answer)a, "status %u maps back",
              k->status);
        CHECK(k->stem && *k->stem, "answer %d has a stem", a);
        CHECK((k->error_type != NULL) == (a != SG_ANSWER_OK), "answer %d: type iff an error", a);
    }
    CHECK(sg_answer_for_status(418) == SG_ANSWER_COUNT, "an unknown status has no answer");
}

/* Reads README.md's "### Errors" table. */
static void test_readme_table(void)
{
    const char *root = getenv("SG_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/README.md", root ? root : ".");
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "README.md at %s", path);
    if (!f)
        return;
    char line[4096];
    int in_errors = 0, found[SG_ANSWER_COUNT] = {0}, rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "### ", 4) == 0)
            in_errors = strncmp(line, "### Errors", 10) == 0;
        unsigned status;
        char type[128];
        if (!in_errors || sscanf(line, "| %u | %127[A-Za-z] |", &status, type) != 2)
            continue;
        rows++;
        enum sg_answer a = sg_answer_for_status(status);
        CHECK(a != SG_ANSWER_COUNT, "README lists %u, which the gateway never answers", status);
        if (a == SG_ANSWER_COUNT)
            continue;
        found[a]++;
        CHECK_STREQ(type, sg_answer_kind(a)->error_type, "README's x-amzn-ErrorType");
    }
    fclose(f);
    CHECK(rows > 0, "README has an error table");
    for (int a = 1; a < SG_ANSWER_COUNT; a++)
        CHECK(found[a] == 1, "README lists %u %s once (%d)",
              sg_answer_kind((enum sg_answer)a)->status,
              sg_answer_kind((enum sg_answer)a)->error_type, found[a]);
}

int main(void)
{
    test_mappings();
    test_readme_table();
    return sg_check_result("test_answer");
}
