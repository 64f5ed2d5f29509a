/* Property test for the payload builder and lint: bodies built from random
 * option sets (seeded, bounded) pass the lint exactly when an independent
 * oracle says PM3K would take them, a printed body never fails the lint, it
 * is already canonical (fix(body) == body), and lint(fix(x)) is stable.
 * PM3K_PROPERTY_SEED and PM3K_PROPERTY_COUNT override the defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "pm3k/payload.h"
#include "pm3k/utf.h"

#define DEFAULT_SEED 20261126u
#define DEFAULT_COUNT 2000
#define MAX_URLS 40
#define DOMAIN "media.example.com"

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    /* xorshift64*: the same sequence on every platform */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % n;
}

static bool chance(uint32_t percent)
{
    return rnd(100) < percent;
}

static const char *pick(const char *const *list, size_t n)
{
    return list[rnd((uint32_t)n)];
}

#define PICK(list) pick(list, sizeof list / sizeof list[0])

/* Title pieces, joined by spaces. The oracle knows which ones matter. */
static const char *const clean_pieces[] = {
    "New drop",
    "😀",
    "مرحبا بكم",
    "שלום",
    "e\xCC\x81",
    "👩\u200D👩\u200D👧",
    "🇫🇷",
    "\"quoted\"",
    "back\\slash",
    "tab\there",
    "line\nbreak",
    "classic",
    "null and void",
    "NaN bread",
    "http is a protocol",
    "ｗｗｗ．example．com",
    "ht\u200Btps://hidden.example",
    "{single}",
    "Ünïcödé",
    "日本語のテキスト",
    "#adventure",
    "undefined behaviour",
};
static const char *const link_pieces[] = {"www.example.com", "HTTPS://shop.example", "http://x.y"};
static const char *const template_pieces[] = {"{{ $json.title }}", "{{$json[\"x\"]}}"};
static const char *const stop_pieces[] = {"class", "free money", "FREE Money"};
static const char *const whole_leftovers[] = {"undefined", "null", "NaN", "[object Object]",
                                              "={{ $json.caption }}"};
static const char *const privacies[] = {"public",
                                        "PUBLIC",
                                        "friends",
                                        "Followers",
                                        "private",
                                        "PUBLIC_TO_EVERYONE",
                                        "mutual_follow_friends",
                                        "FOLLOWER_OF_CREATOR",
                                        "self_only"};
static const char *const bad_privacies[] = {"everyone", "", "PUBLIC_TO_ALL"};
static const char *const hosts[] = {"files.pm3k.org", "FILES.pm3k.org", DOMAIN,
                                    "cdn.other.example"};
static const char *const video_ext[] = {"mp4", "mov", "MP4"};
static const char *const image_ext[] = {"jpg", "webp", "jpeg", "png", "PNG"};
static const char *const brands[] = {"Acme", "Acme \"Co\" \\ Ltd", "Ünïcödé GmbH", "ברנד"};

typedef struct scenario {
    pm3k_payload_options opt;
    pm3k_payload_lint_options lint;
    char urls[MAX_URLS][128];
    const char *url_ptrs[MAX_URLS];
    char title[16384];
    bool has_title;
    /* the oracle */
    bool usage_error;
    bool must_fail;
    char why[256];
} scenario;

static void because(scenario *s, const char *why)
{
    s->must_fail = true;
    if (!s->why[0])
        snprintf(s->why, sizeof s->why, "%s", why);
}

static void make_url(scenario *s, char *out, bool image)
{
    const char *host = PICK(hosts);
    bool http = chance(image ? 1 : 4);
    snprintf(out, 128, "%s://%s/uploads/u/%u.%s", http ? "http" : "https", host, rnd(100000),
             image ? PICK(image_ext) : PICK(video_ext));
    if (http)
        because(s, "http URL");
    bool pm3k = strcasecmp(host, "files.pm3k.org") == 0;
    if (s->lint.domain && !pm3k && strcasecmp(host, DOMAIN) != 0)
        because(s, "domain mismatch");
}

static void make_title(scenario *s, const pm3k_stop_words *words)
{
    size_t len = 0;
    s->title[0] = '\0';
    if (chance(3)) {
        snprintf(s->title, sizeof s->title, "%s", PICK(whole_leftovers));
        because(s, "template leftover");
        return;
    }
    /* now and then a long title around the limits */
    size_t pieces = chance(10) ? 200 + rnd(400) : rnd(6);
    for (size_t i = 0; i < pieces; i++) {
        const char *piece = PICK(clean_pieces);
        uint32_t r = rnd(100);
        if (r < 1) {
            piece = PICK(link_pieces);
            because(s, "link");
        } else if (r < 2) {
            piece = PICK(template_pieces);
            because(s, "template leftover");
        } else if (r < 4) {
            piece = PICK(stop_pieces);
            if (words)
                because(s, "stop word");
        }
        size_t n = strlen(piece);
        if (len + n + 2 >= sizeof s->title)
            break;
        if (len)
            s->title[len++] = ' ';
        memcpy(s->title + len, piece, n);
        len += n;
        s->title[len] = '\0';
    }
}

static void make_scenario(scenario *s, const pm3k_stop_words *words)
{
    memset(s, 0, sizeof *s);
    pm3k_payload_options_init(&s->opt);
    pm3k_payload_lint_options_init(&s->lint);
    s->lint.path = "built";
    s->lint.domain = chance(30) ? DOMAIN : NULL;
    s->lint.stop_words = chance(40) ? words : NULL;

    s->opt.photo = chance(50);
    if (s->opt.photo) {
        size_t count = chance(5) ? 36 + rnd(4) : 1 + rnd(35);
        if (count > 35)
            because(s, "too many images");
        for (size_t i = 0; i < count; i++) {
            make_url(s, s->urls[i], true);
            s->url_ptrs[i] = s->urls[i];
        }
        s->opt.photo_urls = s->url_ptrs;
        s->opt.photo_count = count;
        s->opt.cover_index = (int)(chance(5) ? count + rnd(2) : rnd((uint32_t)count));
        if ((size_t)s->opt.cover_index >= count)
            because(s, "cover out of range");
        s->opt.auto_add_music = chance(50);
    } else {
        make_url(s, s->urls[0], false);
        s->opt.video_url = s->urls[0];
        if (chance(3)) {
            s->opt.auto_add_music = true;
            s->usage_error = true;
        }
    }
    if (chance(85)) {
        make_title(s, s->lint.stop_words);
        s->has_title = true;
        s->opt.title = s->title;
        s->opt.title_len = strlen(s->title);
        size_t units = pm3k_utf16_length(s->title, s->opt.title_len);
        if (!s->opt.photo && units > (size_t)s->lint.limits.max_title_utf16)
            because(s, "title too long");
    }
    if (chance(4)) {
        s->opt.privacy = chance(30) ? NULL : PICK(bad_privacies);
        s->usage_error = true;
    } else {
        s->opt.privacy = PICK(privacies);
    }
    s->opt.disable_comment = chance(50);
    s->opt.disable_duet = chance(50);
    s->opt.disable_stitch = chance(50);
    uint32_t ad = rnd(3);
    s->opt.ad = ad == 0 ? PM3K_AD_NONE : ad == 1 ? PM3K_AD_OWN : PM3K_AD_BRANDED;
    if (chance(s->opt.ad == PM3K_AD_NONE ? 3 : 60))
        s->opt.brand = PICK(brands);
    if (s->opt.brand && s->opt.ad == PM3K_AD_NONE)
        s->usage_error = true;
    const char *level = NULL;
    if (s->opt.ad == PM3K_AD_BRANDED && s->opt.privacy &&
        pm3k_privacy_parse(s->opt.privacy, &level) == PM3K_OK && strcmp(level, "SELF_ONLY") == 0)
        because(s, "branded content SELF_ONLY");
}

static char *codes_of(const pm3k_item *item)
{
    char *out = calloc(1, 4096);
    for (size_t i = 0; i < pm3k_item_finding_count(item) && strlen(out) < 4000; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, pm3k_item_finding(item, i)->rule->code);
    }
    return out;
}

static bool has_error_finding(const pm3k_item *item)
{
    for (size_t i = 0; i < pm3k_item_finding_count(item); i++)
        if (pm3k_item_finding(item, i)->rule->severity == PM3K_SEV_ERROR)
            return true;
    return false;
}

/* The printed body says exactly what the options said. */
static void check_body_matches(const scenario *s, const char *json, unsigned iteration)
{
    cJSON *obj = cJSON_Parse(json);
    if (!obj)
        fail_msg("#%u: the built body is not JSON:\n%s", iteration, json);
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(obj, "title");
    if (s->has_title) {
        assert_true(cJSON_IsString(title));
        if (strcmp(title->valuestring, s->title) != 0)
            fail_msg("#%u: title changed: '%s' -> '%s'", iteration, s->title, title->valuestring);
    } else {
        assert_null(title);
    }
    const char *level = NULL;
    assert_int_equal(pm3k_privacy_parse(s->opt.privacy, &level), PM3K_OK);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(obj, "privacy")->valuestring, level);
    if (s->opt.photo) {
        const cJSON *images = cJSON_GetObjectItemCaseSensitive(obj, "photo_images");
        assert_int_equal(cJSON_GetArraySize(images), (int)s->opt.photo_count);
        size_t i = 0;
        for (const cJSON *e = images->child; e; e = e->next, i++)
            assert_string_equal(e->valuestring, s->opt.photo_urls[i]);
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(obj, "photo_cover_index")->valueint,
                         s->opt.cover_index);
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "auto_add_music")),
                         s->opt.auto_add_music);
        assert_null(cJSON_GetObjectItemCaseSensitive(obj, "source_url"));
    } else {
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(obj, "source_url")->valuestring,
                            s->opt.video_url);
        assert_null(cJSON_GetObjectItemCaseSensitive(obj, "media_type"));
    }
    assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "disable_comment")),
                     s->opt.disable_comment);
    assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(obj, "disable_duet")));
    assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(obj, "disable_stitch")));
    const cJSON *is_ad = cJSON_GetObjectItemCaseSensitive(obj, "is_ad");
    if (s->opt.ad == PM3K_AD_NONE) {
        assert_null(is_ad);
    } else {
        assert_true(cJSON_IsTrue(is_ad));
        assert_int_equal(
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "brand_content_toggle")),
            s->opt.ad == PM3K_AD_BRANDED);
        assert_int_equal(
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "brand_organic_toggle")),
            s->opt.ad == PM3K_AD_OWN);
    }
    cJSON_Delete(obj);
}

static void built_bodies_pass_the_lint(void **state)
{
    (void)state;
    const char *seed_env = getenv("PM3K_PROPERTY_SEED");
    const char *count_env = getenv("PM3K_PROPERTY_COUNT");
    unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10) : DEFAULT_SEED;
    unsigned count = count_env ? (unsigned)strtoul(count_env, NULL, 10) : DEFAULT_COUNT;
    rng_state = 0x9E3779B97F4A7C15ull ^ seed;
    pm3k_stop_words *words = NULL;
    pm3k_error err = {0};
    const char list[] = "class\nfree money\n";
    assert_int_equal(pm3k_stop_words_parse(list, sizeof list - 1, &words, &err), PM3K_OK);
    scenario *s = malloc(sizeof *s);
    unsigned built = 0, refused = 0, usage = 0;

    for (unsigned it = 0; it < count; it++) {
        make_scenario(s, words);
        char *json = NULL;
        pm3k_item *item = NULL;
        pm3k_code rc = pm3k_payload_build(&s->opt, &s->lint, &json, &item, &err);
        if (s->usage_error) {
            if (rc != PM3K_ERR_INVALID_ARG)
                fail_msg("seed %u #%u: expected a usage error, got %d", seed, it, rc);
            usage++;
            continue;
        }
        if (rc != PM3K_OK)
            fail_msg("seed %u #%u: build failed: %s", seed, it, err.message);
        char *codes = codes_of(item);
        if (s->must_fail) {
            if (json || !has_error_finding(item))
                fail_msg("seed %u #%u: built a body PM3K would reject (%s); findings: %s", seed, it,
                         s->why, codes);
            refused++;
        } else {
            if (!json)
                fail_msg("seed %u #%u: refused a good body; findings: %s; title '%s'", seed, it,
                         codes, s->title);
            /* the printed body passes the lint, with the same findings */
            pm3k_item *again = NULL;
            assert_int_equal(pm3k_payload_lint(json, strlen(json), &s->lint, &again, &err),
                             PM3K_OK);
            char *again_codes = codes_of(again);
            assert_false(has_error_finding(again));
            assert_string_equal(codes, again_codes);
            check_body_matches(s, json, it);
            /* already canonical, and the lint of the fix is the same */
            char *fixed = NULL;
            assert_int_equal(pm3k_payload_canonical(json, strlen(json), &fixed, NULL, &err),
                             PM3K_OK);
            if (!fixed || strcmp(fixed, json) != 0)
                fail_msg("seed %u #%u: fix changed a built body:\n%s\n---\n%s", seed, it, json,
                         fixed ? fixed : "(null)");
            pm3k_item *fixed_item = NULL;
            assert_int_equal(pm3k_payload_lint(fixed, strlen(fixed), &s->lint, &fixed_item, &err),
                             PM3K_OK);
            char *fixed_codes = codes_of(fixed_item);
            assert_string_equal(fixed_codes, codes);
            free(fixed_codes);
            pm3k_item_free(fixed_item);
            free(fixed);
            free(again_codes);
            pm3k_item_free(again);
            built++;
        }
        free(codes);
        free(json);
        pm3k_item_free(item);
    }
    print_message("seed %u: %u built, %u refused by the lint, %u usage errors\n", seed, built,
                  refused, usage);
    /* the generator must exercise every branch */
    assert_true(built > count / 4);
    assert_true(refused > count / 20);
    assert_true(usage > 0);
    free(s);
    pm3k_stop_words_free(words);
}

/* lint(fix(x)) == lint(fix(fix(x))) for messy hand-made bodies, mutated at
 * random: a byte dropped, duplicated or flipped. */
static void fix_is_a_fixed_point_under_mutation(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "{\"source_url\":\"https://files.pm3k.org/"
        "a.mp4\",\"privacy\":\"public\",\"disable_comment\":"
        "\"false\",\"ad_your_brand\":\"true\",\"is_ad\":\"1\",\"title\":\"x\",\"title\":\"y\"}",
        "[{\"media_type\":\"PHOTO\",\"photo_images\":\"https://files.pm3k.org/"
        "a.png\",\"privacy\":\"Friends\"}]",
        "privacy=private&source_url=https%3A%2F%2Ffiles.pm3k.org%2Fb.mp4&disable_duet=on&Privacy=x",
        "\"{\\\"privacy\\\":\\\"followers\\\",\\\"media_type\\\":\\\"PHOTO\\\",\\\"photo_cover_"
        "index\\\":\\\"0\\\"}\"",
        "{\"title\":\"\\u0000\\ud800 "
        "www.x\",\"ad_branded_content\":true,\"brand_content_toggle\":false}",
    };
    rng_state = 0xC0FFEEull;
    char buf[512];
    for (unsigned it = 0; it < 3000; it++) {
        const char *seed = PICK(seeds);
        size_t len = strlen(seed);
        memcpy(buf, seed, len);
        size_t at = rnd((uint32_t)len);
        switch (rnd(3)) {
        case 0:
            memmove(buf + at, buf + at + 1, len - at - 1), len--;
            break;
        case 1:
            memmove(buf + at + 1, buf + at, len - at);
            len++;
            break;
        default:
            buf[at] = (char)rnd(256);
            break;
        }
        pm3k_error err = {0};
        char *once = NULL, *twice = NULL;
        assert_int_equal(pm3k_payload_canonical(buf, len, &once, NULL, &err), PM3K_OK);
        if (!once)
            continue;
        assert_int_equal(pm3k_payload_canonical(once, strlen(once), &twice, NULL, &err), PM3K_OK);
        assert_non_null(twice);
        if (strcmp(once, twice) != 0)
            fail_msg("#%u: fix is not stable:\n%s\n---\n%s", it, once, twice);
        pm3k_item *a = NULL, *b = NULL;
        assert_int_equal(pm3k_payload_lint(once, strlen(once), NULL, &a, &err), PM3K_OK);
        assert_int_equal(pm3k_payload_lint(twice, strlen(twice), NULL, &b, &err), PM3K_OK);
        char *ca = codes_of(a), *cb = codes_of(b);
        assert_string_equal(ca, cb);
        free(ca);
        free(cb);
        pm3k_item_free(a);
        pm3k_item_free(b);
        free(once);
        free(twice);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(built_bodies_pass_the_lint),
        cmocka_unit_test(fix_is_a_fixed_point_under_mutation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
