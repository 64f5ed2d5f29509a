/* Unit tests for core/rules.c: the table is complete, consistent with
 * docs/rules.md, and the limits profiles hold the documented numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/report_int.h"
#include "pm3k/pm3k.h"

static void every_row_is_complete(void **state)
{
    (void)state;
    assert_int_equal(pm3k_rule_count(), PM3K_RULE__COUNT);
    for (size_t i = 0; i < pm3k_rule_count(); i++) {
        const pm3k_rule *r = pm3k_rule_get((pm3k_rule_id)i);
        assert_non_null(r);
        /* rows are indexed by their id */
        assert_int_equal(r->id, i);
        assert_non_null(r->code);
        assert_non_null(r->kind);
        assert_non_null(r->message);
        assert_non_null(r->hint);
        assert_true(strlen(r->message) > 0);
        assert_true(strlen(r->hint) > 0);
        /* codes are lowercase snake_case */
        for (const char *p = r->code; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || *p == '_' || (*p >= '0' && *p <= '9'));
        /* only error findings have an outcome other than definite */
        if (r->outcome != PM3K_OUTCOME_DEFINITE)
            assert_int_equal(r->severity, PM3K_SEV_ERROR);
    }
    assert_null(pm3k_rule_get(PM3K_RULE__COUNT));
}

/* Two rows with the same code in the same kind must differ only in outcome
 * (fetch_error definite vs transient). */
static void codes_are_unique_per_kind(void **state)
{
    (void)state;
    for (size_t i = 0; i < pm3k_rule_count(); i++)
        for (size_t j = i + 1; j < pm3k_rule_count(); j++) {
            const pm3k_rule *a = pm3k_rule_get((pm3k_rule_id)i);
            const pm3k_rule *b = pm3k_rule_get((pm3k_rule_id)j);
            if (strcmp(a->code, b->code) == 0 && strcmp(a->kind, b->kind) == 0)
                assert_int_not_equal(a->outcome, b->outcome);
        }
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static const char *outcome_word(pm3k_outcome o)
{
    switch (o) {
    case PM3K_OUTCOME_DEFINITE:
        return "definite";
    case PM3K_OUTCOME_TRANSIENT:
        return "transient";
    case PM3K_OUTCOME_INPUT:
        return "input";
    }
    return "?";
}

/* Each row appears in docs/rules.md as
 * | `code` | kind | severity | outcome... | predicts | rule | */
static void docs_list_every_rule(void **state)
{
    (void)state;
    char *doc = read_file(PM3K_SOURCE_DIR "/docs/rules.md");
    for (size_t i = 0; i < pm3k_rule_count(); i++) {
        const pm3k_rule *r = pm3k_rule_get((pm3k_rule_id)i);
        char prefix[256];
        snprintf(prefix, sizeof prefix, "| `%s` | %s | %s | %s", r->code, r->kind,
                 pm3k_severity_name(r->severity), outcome_word(r->outcome));
        const char *row = strstr(doc, prefix);
        if (!row)
            fail_msg("docs/rules.md has no row starting \"%s\"", prefix);
        /* the predicts column of that row */
        const char *eol = strchr(row, '\n');
        char line[1024];
        size_t len = eol ? (size_t)(eol - row) : strlen(row);
        if (len >= sizeof line)
            len = sizeof line - 1;
        memcpy(line, row, len);
        line[len] = '\0';
        char want[128];
        snprintf(want, sizeof want, "| %s |", r->predicts ? r->predicts : "—");
        if (!strstr(line, want))
            fail_msg("docs/rules.md row for %s (%s) lacks predicts \"%s\": %s", r->code, r->kind,
                     want, line);
    }
    free(doc);
}

/* Every row's id is named after its code, so grepping the code finds the
 * enum too: PM3K_RULE_<CODE>, with _<KIND> when several kinds share the code
 * (and _TRANSIENT for the transient twin of a definite row). */
static void ids_are_named_after_codes(void **state)
{
    (void)state;
    char *src = read_file(PM3K_SOURCE_DIR "/core/rules.c");
    size_t rows = 0;
    for (const char *p = strstr(src, "{PM3K_RULE_"); p; p = strstr(p + 1, "{PM3K_RULE_")) {
        char id[128], code[64], kind[32];
        if (sscanf(p, "{PM3K_RULE_%127[A-Z0-9_], \"%63[a-z0-9_]\", \"%31[a-z]\"", id, code, kind) !=
            3)
            continue;
        rows++;
        size_t shared = 0;
        for (size_t i = 0; i < pm3k_rule_count(); i++)
            shared += strcmp(pm3k_rule_get((pm3k_rule_id)i)->code, code) == 0;
        char want[128];
        size_t n = 0;
        for (const char *c = code; *c && n + 1 < sizeof want; c++)
            want[n++] = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
        want[n] = '\0';
        char with_kind[160], transient[176];
        snprintf(with_kind, sizeof with_kind, "%s_%s", want, kind);
        for (char *c = with_kind; *c; c++)
            *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
        snprintf(transient, sizeof transient, "%s_TRANSIENT", want);
        bool ok = shared == 1 ? strcmp(id, want) == 0
                              : strcmp(id, with_kind) == 0 || strcmp(id, want) == 0 ||
                                    strcmp(id, transient) == 0;
        if (!ok)
            fail_msg("rule PM3K_RULE_%s has code %s (kind %s): name it PM3K_RULE_%s", id, code,
                     kind, shared == 1 ? want : with_kind);
    }
    assert_int_equal(rows, pm3k_rule_count());
    free(src);
}

static void profiles_hold_documented_limits(void **state)
{
    (void)state;
    pm3k_limits l;
    pm3k_limits_init(&l, PM3K_PLAN_FREE, PM3K_HOSTING_EXTERNAL);
    assert_int_equal(l.max_video_bytes, 100000000);
    assert_int_equal(l.max_image_bytes, 20000000);
    assert_int_equal(l.max_image_side, 1080);
    assert_true(l.max_duration_s == 600.0);
    assert_true(l.min_fps == 23.0 && l.max_fps == 60.0);
    assert_int_equal(l.min_side, 360);
    assert_int_equal(l.max_side, 4096);
    assert_int_equal(l.min_images, 1);
    assert_int_equal(l.max_images, 35);
    assert_int_equal(l.max_title_utf16, 2200);
    assert_int_equal(l.max_photo_title_utf16, 90);
    assert_true(l.png_allowed);

    pm3k_limits_init(&l, PM3K_PLAN_PAID, PM3K_HOSTING_PM3K);
    assert_int_equal(l.max_video_bytes, 200000000);
    assert_false(l.png_allowed);

    /* switching hosting keeps overrides */
    l.max_image_side = 2000;
    pm3k_limits_set_hosting(&l, PM3K_HOSTING_EXTERNAL);
    assert_true(l.png_allowed);
    assert_int_equal(l.max_image_side, 2000);
}

static void profile_names_parse(void **state)
{
    (void)state;
    pm3k_plan plan;
    pm3k_hosting hosting;
    assert_int_equal(pm3k_plan_parse("PAID", &plan), PM3K_OK);
    assert_int_equal(plan, PM3K_PLAN_PAID);
    assert_int_equal(pm3k_plan_parse("gold", &plan), PM3K_ERR_INVALID_ARG);
    assert_int_equal(pm3k_hosting_parse("pm3k", &hosting), PM3K_OK);
    assert_int_equal(hosting, PM3K_HOSTING_PM3K);
    assert_int_equal(pm3k_hosting_parse("", &hosting), PM3K_ERR_INVALID_ARG);
    assert_string_equal(pm3k_plan_name(PM3K_PLAN_FREE), "free");
    assert_string_equal(pm3k_hosting_name(PM3K_HOSTING_PM3K), "pm3k");
}

/* Every placeholder in a template names a fact the checks set, or a value
 * they pass; rendering with no values leaves "{name}" visible, so a finding
 * with a missing value is noticed. */
static void templates_render_with_values(void **state)
{
    (void)state;
    pm3k_item *item = pm3k_item_new(PM3K_KIND_VIDEO, "clip.mp4");
    assert_non_null(item);
    pm3k_item_fact_int(item, "display_width", 1920);
    pm3k_item_fact_int(item, "display_height", 1080);
    assert_int_equal(
        pm3k_item_add(item, PM3K_RULE_NOT_VERTICAL, "orientation", "landscape", PM3K_END), PM3K_OK);
    const pm3k_finding *f = pm3k_item_find(item, "not_vertical");
    assert_non_null(f);
    assert_string_equal(f->message,
                        "displayed 1920x1080 (landscape); TikTok via PM3K needs 9:16 vertical");
    assert_string_equal(f->rule->predicts, "bad_request");
    assert_int_equal(pm3k_item_status(item), PM3K_STATUS_FAIL);
    pm3k_item_free(item);
}

/* The "Limits in messages" table of docs/rules.md names each placeholder
 * the renderer fills from the limits, with its default:
 * | `{a}`, `{b}` | fields | 1, 2 | */
static void docs_list_the_limit_placeholders(void **state)
{
    (void)state;
    char *doc = read_file(PM3K_SOURCE_DIR "/docs/rules.md");
    const char *section = strstr(doc, "## Limits in messages");
    assert_non_null(section);
    const char *end = strstr(section + 1, "\n## ");
    pm3k_limits limits;
    pm3k_limits_init(&limits, PM3K_PLAN_FREE, PM3K_HOSTING_EXTERNAL);
    pm3k_item *item = pm3k_item_new(PM3K_KIND_VIDEO, "v.mp4");
    pm3k_item_set_limits(item, &limits);
    size_t placeholders = 0;
    for (const char *row = strstr(section, "\n| `{"); row && (!end || row < end);
         row = strstr(row + 1, "\n| `{")) {
        char names[128], fields[128], defaults[128];
        if (sscanf(row, "\n| %127[^|]| %127[^|]| %127[^|]|", names, fields, defaults) != 3)
            fail_msg("unreadable placeholder row: %.60s", row + 1);
        const char *want = defaults;
        for (char *name = strchr(names, '{'); name; name = strchr(name + 1, '{')) {
            char placeholder[64], expected[32];
            assert_int_equal(sscanf(name, "%63[^`]", placeholder), 1);
            assert_int_equal(sscanf(want, "%31[^, ]", expected), 1);
            char *got = pm3k__render_template(item, placeholder, NULL, 0);
            if (strcmp(got, expected) != 0)
                fail_msg("%s renders as \"%s\", docs/rules.md says %s", placeholder, got, expected);
            free(got);
            placeholders++;
            want = strchr(want, ',') ? strchr(want, ',') + 2 : want;
        }
    }
    assert_int_equal(placeholders, 14);
    pm3k_item_free(item);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_row_is_complete),
        cmocka_unit_test(codes_are_unique_per_kind),
        cmocka_unit_test(docs_list_every_rule),
        cmocka_unit_test(ids_are_named_after_codes),
        cmocka_unit_test(profiles_hold_documented_limits),
        cmocka_unit_test(profile_names_parse),
        cmocka_unit_test(templates_render_with_values),
        cmocka_unit_test(docs_list_the_limit_placeholders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
