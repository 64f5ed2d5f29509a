/* libFuzzer target for PM3K's answers as pm3k reads them (upload/api.c):
 * the JSON answer parser, the ISO 8601 deadlines, interval_limit's minutes,
 * the deadline an answer gives and the words a finding quotes.
 *
 * The first byte picks the HTTP status and whether the body was cut; the
 * rest is the body, as the memory sink hands it over (NUL-terminated). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upload/api_int.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static const long statuses[] = {200, 400, 401, 403, 413, 429, 500, 502};

/* A string from a server holds no control character. */
static void clean(const char *s, size_t cap)
{
    CHECK(strlen(s) < cap);
    for (; *s; s++)
        CHECK((unsigned char)*s >= 0x20 && *s != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pm3k__answer a;
    char said[512], when[80];
    int64_t t = 0;
    if (size == 0)
        return 0;
    long status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
    bool truncated = (data[0] & 0x80) != 0;
    char *body = malloc(size);
    if (!body)
        return 0;
    memcpy(body, data + 1, size - 1);
    body[size - 1] = '\0';
    pm3k__answer_parse(status, body, size - 1, truncated, &a);
    CHECK(a.kind == PM3K__ANSWER_OK || a.kind == PM3K__ANSWER_ERROR ||
          a.kind == PM3K__ANSWER_INVALID);
    CHECK(a.http_status == status);
    if (truncated)
        CHECK(a.kind == PM3K__ANSWER_INVALID);
    if (a.kind == PM3K__ANSWER_ERROR)
        CHECK(a.code[0] != '\0');
    if (a.kind == PM3K__ANSWER_INVALID)
        CHECK(a.reason[0] != '\0');
    clean(a.code, sizeof a.code);
    clean(a.message, sizeof a.message);
    clean(a.raw_code, sizeof a.raw_code);
    clean(a.state, sizeof a.state);
    clean(a.tiktok_status, sizeof a.tiktok_status);
    clean(a.fail_reason, sizeof a.fail_reason);
    if (a.publish_id[0])
        CHECK(pm3k_publish_id_valid(a.publish_id));
    CHECK(a.retry_after_seconds >= -1);
    pm3k__answer_said(&a, said, sizeof said);
    CHECK(strlen(said) < sizeof said);
    int64_t at = pm3k__answer_deadline(&a, 1800000000);
    if (at != PM3K__NO_TIME)
        pm3k__retry_when(at, truncated, when, sizeof when);
    pm3k__interval_minutes(body);
    if (pm3k__iso_parse(body, &t))
        CHECK(strlen(body) >= 20);
    free(body);
    return 0;
}
