/* pm3k — payload lint: a direct_post body checked the way PM3K reads it
 * (JSON.parse semantics, the last of duplicate keys, case-sensitive keys),
 * with one finding per problem and the PM3K error it predicts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "core/redact.h"
#include "core/url.h"
#include "core/strbuf.h"
#include "payload/payload_int.h"
#include "pm3k/utf.h"

#define SELF_ONLY "SELF_ONLY"

/* ---- lint ---- */

typedef struct lint_ctx {
    pm3k_item *item;
    const pm3k_payload_lint_options *opt;
    const cJSON *root;
    const cJSON *field[PM3K__F_COUNT]; /* the member PM3K reads, or NULL */
    bool photo;
    const char *level; /* the privacy TikTok gets, or NULL */
    pm3k_code rc;
} lint_ctx;

static void note(lint_ctx *c, pm3k_code rc)
{
    if (rc != PM3K_OK && c->rc == PM3K_OK)
        c->rc = rc;
}

#define ADD(c, ...) note((c), pm3k_item_add((c)->item, __VA_ARGS__, PM3K_END))

static const char *json_type(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsTrue(v))
        return "true";
    if (cJSON_IsFalse(v))
        return "false";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    return "invalid";
}

#define DISPLAY_CHARS 120

static char *json_text(const cJSON *v);

/* len bytes of s as a message shows them, with URL credentials redacted
 * (core/redact.c) before they are shortened: as a URL when as_url (a link,
 * a URL field's value), else every URL inside. */
static char *redacted_text(const char *s, size_t len, size_t max_chars, bool as_url)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    char *redacted = as_url ? pm3k__redact_url_dup(copy) : pm3k__redact_text_dup(copy);
    free(copy);
    if (!redacted)
        return NULL;
    char *shown = pm3k__display_text(redacted, strlen(redacted), max_chars);
    free(redacted);
    return shown;
}

/* A value as a message shows it: strings as their (printable) text. */
static char *value_text(const cJSON *v)
{
    if (cJSON_IsString(v))
        return redacted_text(v->valuestring, strlen(v->valuestring), DISPLAY_CHARS,
                             pm3k__redact_looks_like_url(v->valuestring));
    return json_text(v);
}

/* A URL field's value as a message shows it. */
static char *url_text(const cJSON *v)
{
    if (cJSON_IsString(v))
        return redacted_text(v->valuestring, strlen(v->valuestring), DISPLAY_CHARS, true);
    return json_text(v);
}

/* A value as JSON text (a string keeps its quotes, a number the text it
 * was written with), shortened. */
static char *json_text(const cJSON *v)
{
    char *json = pm3k__json_print(v, false);
    if (!json)
        return NULL;
    char *shown = redacted_text(json, strlen(json), DISPLAY_CHARS, false);
    free(json);
    return shown;
}

static char *quoted_key(const char *key)
{
    char *shown = pm3k__display_text(key, strlen(key), 60);
    if (!shown)
        return NULL;
    size_t n = strlen(shown) + 3;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "\"%s\"", shown);
    free(shown);
    return out;
}

static void add_type(lint_ctx *c, int f, const char *expected)
{
    ADD(c, PM3K_RULE_INVALID_FIELD_TYPE, "key", pm3k__known_fields[f].key, "json_type",
        json_type(c->field[f]), "expected", expected);
}

static void check_keys(lint_ctx *c)
{
    bool *is_last = NULL;
    pm3k__dup_key *dups = NULL;
    size_t dup_count = 0;
    pm3k_code rc = pm3k__object_keys(c->root, &is_last, &dups, &dup_count);
    if (rc != PM3K_OK) {
        note(c, rc);
        return;
    }
    if (dup_count)
        note(c, pm3k_item_fact_int(c->item, "duplicate_keys", (int64_t)dup_count));
    for (size_t i = 0; i < dup_count && i < PM3K__FINDINGS_PER_KIND_MAX; i++) {
        char times[32];
        char *key = pm3k__display_text(dups[i].key, strlen(dups[i].key), 60);
        snprintf(times, sizeof times, "%zu", dups[i].times);
        ADD(c, PM3K_RULE_DUPLICATE_KEY, "key", key ? key : "?", "times", times);
        free(key);
    }
    size_t i = 0, unknown = 0;
    for (const cJSON *m = c->root->child; m; m = m->next, i++) {
        if (!is_last[i])
            continue;
        const char *name = m->string ? m->string : "";
        int f = pm3k__field_index(name);
        if (f >= 0) {
            c->field[f] = m;
            continue;
        }
        if (unknown++ >= PM3K__FINDINGS_PER_KIND_MAX)
            continue;
        const char *guess = pm3k__known_key_suggestion(name);
        char suggestion[96] = "";
        if (guess)
            snprintf(suggestion, sizeof suggestion, "; did you mean \"%s\"?", guess);
        char *key = pm3k__display_text(name, strlen(name), 60);
        ADD(c, PM3K_RULE_UNKNOWN_KEY, "key", key ? key : "?", "suggestion", suggestion);
        free(key);
    }
    if (unknown)
        note(c, pm3k_item_fact_int(c->item, "unknown_keys", (int64_t)unknown));
    free(is_last);
    free(dups);
}

static void add_leftover(lint_ctx *c, const char *field, const cJSON *v)
{
    char *shown = value_text(v);
    ADD(c, PM3K_RULE_TEMPLATE_LEFTOVER, "field", field, "value", shown ? shown : "?");
    free(shown);
}

/* A leftover is reported beside what else the value breaks: PM3K gets the
 * text as it is ("{{ $json.url }}" is no https URL, a caption with a
 * leftover can still hold a link or a stop word). */
static void check_leftovers(lint_ctx *c)
{
    for (int f = 0; f < PM3K__F_COUNT; f++) {
        const cJSON *v = c->field[f];
        if (!cJSON_IsString(v) || !pm3k__template_leftover(v->valuestring, strlen(v->valuestring)))
            continue;
        char *field = quoted_key(pm3k__known_fields[f].key);
        add_leftover(c, field ? field : pm3k__known_fields[f].key, v);
        free(field);
    }
}

static void decide_mode(lint_ctx *c)
{
    const cJSON *v = c->field[PM3K__F_MEDIA_TYPE];
    c->photo = false;
    if (!v)
        return;
    if (!cJSON_IsString(v)) {
        add_type(c, PM3K__F_MEDIA_TYPE, "the string \"PHOTO\"");
        return;
    }
    if (strcmp(v->valuestring, "PHOTO") == 0) {
        c->photo = true;
        return;
    }
    char *shown = value_text(v);
    ADD(c, PM3K_RULE_UNKNOWN_MEDIA_TYPE, "value", shown ? shown : "?");
    free(shown);
}

static void check_privacy(lint_ctx *c)
{
    const cJSON *v = c->field[PM3K__F_PRIVACY];
    c->level = NULL;
    if (!v || cJSON_IsNull(v) || (cJSON_IsString(v) && v->valuestring[0] == '\0')) {
        ADD(c, PM3K_RULE_MISSING_PRIVACY, "state",
            !v                ? "missing"
            : cJSON_IsNull(v) ? "null"
                              : "empty");
        return;
    }
    if (!cJSON_IsString(v)) {
        add_type(c, PM3K__F_PRIVACY, "a string such as \"PUBLIC_TO_EVERYONE\"");
        return;
    }
    bool alias;
    const char *level = pm3k__privacy_exact(v->valuestring, &alias);
    char *shown = value_text(v);
    if (level && alias) {
        ADD(c, PM3K_RULE_PRIVACY_ALIAS, "value", shown ? shown : "?", "canonical", level);
    } else if (!level) {
        /* What --fix would make of it (trimmed, any case). */
        char suggestion[96] = "";
        const char *guess = pm3k__privacy_guess(v->valuestring);
        if (guess)
            snprintf(suggestion, sizeof suggestion, " (did you mean %s?)", guess);
        ADD(c, PM3K_RULE_UNKNOWN_PRIVACY, "value", shown ? shown : "?", "suggestion", suggestion);
        level = SELF_ONLY; /* PM3K's fallback */
    }
    free(shown);
    c->level = level;
}

/* not_https and domain_mismatch for one media URL; true when it is an https
 * URL (then *parts holds it). */
static bool check_url(lint_ctx *c, const char *field, const cJSON *v, pm3k__url *parts)
{
    pm3k_error ignored = {0};
    if (pm3k__url_parse(v->valuestring, PM3K__URL_ANY_SCHEME | PM3K__URL_ALLOW_SPACE, parts,
                        &ignored) != PM3K_OK ||
        strcmp(parts->scheme, "https") != 0) {
        char *shown = url_text(v);
        ADD(c, PM3K_RULE_NOT_HTTPS_PAYLOAD, "field", field, "value", shown ? shown : "?");
        free(shown);
        pm3k__url_free(parts);
        return false;
    }
    const char *domain = c->opt->domain;
    if (domain && *domain && !pm3k__host_is_storage(parts->host) &&
        !pm3k__host_equal(parts->host, domain)) {
        char *host = pm3k__display_text(parts->host, strlen(parts->host), 80);
        ADD(c, PM3K_RULE_DOMAIN_MISMATCH_PAYLOAD, "field", field, "host", host ? host : "?",
            "domain", domain);
        free(host);
    }
    return true;
}

static void check_video(lint_ctx *c)
{
    const cJSON *v = c->field[PM3K__F_SOURCE_URL];
    if (!v || cJSON_IsNull(v) || (cJSON_IsString(v) && v->valuestring[0] == '\0')) {
        ADD(c, PM3K_RULE_MISSING_SOURCE_URL, "state",
            !v                ? "missing"
            : cJSON_IsNull(v) ? "null"
                              : "empty");
        return;
    }
    if (!cJSON_IsString(v)) {
        add_type(c, PM3K__F_SOURCE_URL, "an https URL string");
        return;
    }
    pm3k__url parts;
    if (check_url(c, "source_url", v, &parts))
        pm3k__url_free(&parts);
}

static bool path_is_png(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    size_t n = strlen(name);
    return n >= 4 && strcasecmp(name + n - 4, ".png") == 0;
}

static void check_photo_entry(lint_ctx *c, size_t index, const cJSON *v)
{
    char field[48], idx[24];
    snprintf(field, sizeof field, "photo_images[%zu]", index);
    snprintf(idx, sizeof idx, "%zu", index);
    if (!cJSON_IsString(v)) {
        ADD(c, PM3K_RULE_INVALID_PHOTO_ITEM, "index", idx, "json_type", json_type(v));
        return;
    }
    if (pm3k__template_leftover(v->valuestring, strlen(v->valuestring)))
        add_leftover(c, field, v);
    pm3k__url parts;
    if (!check_url(c, field, v, &parts))
        return;
    if (pm3k__host_is_storage(parts.host) && path_is_png(parts.path)) {
        char *shown = url_text(v);
        ADD(c, PM3K_RULE_PNG_ON_PM3K_STORAGE, "index", idx, "value", shown ? shown : "?");
        free(shown);
    }
    pm3k__url_free(&parts);
}

static void check_cover(lint_ctx *c, size_t count)
{
    const cJSON *v = c->field[PM3K__F_COVER];
    if (!v) {
        ADD(c, PM3K_RULE_COVER_INDEX_MISSING);
        return;
    }
    if (count == 0)
        return;
    double d = cJSON_IsNumber(v) ? v->valuedouble : -1.0;
    if (isfinite(d) && d == floor(d) && d >= 0 && d <= (double)(count - 1))
        return;
    char last[24];
    char *shown = json_text(v);
    snprintf(last, sizeof last, "%zu", count - 1);
    ADD(c, PM3K_RULE_COVER_OUT_OF_RANGE_PAYLOAD, "value", shown ? shown : "?", "last_index", last);
    free(shown);
}

static void check_photo(lint_ctx *c)
{
    const cJSON *v = c->field[PM3K__F_PHOTO_IMAGES];
    size_t count = 0;
    if (!v) {
        ADD(c, PM3K_RULE_TOO_FEW_IMAGES_PAYLOAD, "state", "missing");
    } else if (!cJSON_IsArray(v)) {
        ADD(c, PM3K_RULE_PHOTO_IMAGES_NOT_ARRAY, "json_type", json_type(v));
    } else {
        size_t before = pm3k_item_finding_count(c->item);
        for (const cJSON *e = v->child; e; e = e->next, count++)
            if (pm3k_item_finding_count(c->item) - before < PM3K__FINDINGS_PER_KIND_MAX)
                check_photo_entry(c, count, e);
        char n[24];
        snprintf(n, sizeof n, "%zu", count);
        if (count == 0 || count < (size_t)c->opt->limits.min_images)
            ADD(c, PM3K_RULE_TOO_FEW_IMAGES_PAYLOAD, "state", count == 0 ? "empty" : "too short");
        else if (count > (size_t)c->opt->limits.max_images)
            ADD(c, PM3K_RULE_TOO_MANY_IMAGES_PAYLOAD, "count", n);
        note(c, pm3k_item_fact_int(c->item, "images", (int64_t)count));
    }
    check_cover(c, count);
}

static void check_mixed(lint_ctx *c)
{
    static const int photo_only[] = {PM3K__F_PHOTO_IMAGES, PM3K__F_COVER, PM3K__F_AUTO_MUSIC};
    pm3k__strbuf present;
    pm3k__strbuf_init(&present);
    if (c->photo) {
        if (c->field[PM3K__F_SOURCE_URL])
            pm3k__strbuf_add(&present, "\"source_url\"");
    } else {
        for (size_t i = 0; i < sizeof photo_only / sizeof photo_only[0]; i++)
            if (c->field[photo_only[i]])
                pm3k__strbuf_addf(&present, "%s\"%s\"", present.len ? ", " : "",
                                  pm3k__known_fields[photo_only[i]].key);
    }
    if (present.failed)
        note(c, PM3K_ERR_NOMEM);
    else if (present.len)
        ADD(c, PM3K_RULE_MIXED_MEDIA_FIELDS, "present", present.data, "mode",
            c->photo ? "photo" : "video");
    pm3k__strbuf_free(&present);
}

/* What a boolean field means to the user: a real boolean, or a string that
 * clearly says true/false. */
static bool intended_true(const cJSON *v)
{
    bool value = false;
    if (cJSON_IsTrue(v))
        return true;
    return cJSON_IsString(v) && pm3k__string_boolean(v->valuestring, &value) && value;
}

static void check_booleans(lint_ctx *c)
{
    for (int f = 0; f < PM3K__F_COUNT; f++) {
        const pm3k__known_field *k = &pm3k__known_fields[f];
        const cJSON *v = c->field[f];
        if (k->type != PM3K__FT_BOOL && k->type != PM3K__FT_TOGGLE)
            continue;
        if (!v)
            continue;
        if (k->canonical)
            ADD(c, PM3K_RULE_LEGACY_AD_KEY, "key", k->key, "canonical", k->canonical);
        if (cJSON_IsBool(v))
            continue;
        if (!cJSON_IsString(v)) {
            add_type(c, f, "true or false");
            continue;
        }
        bool value;
        if (!pm3k__string_boolean(v->valuestring, &value))
            value = v->valuestring[0] != '\0'; /* JavaScript truthiness */
        char *shown = value_text(v);
        ADD(c,
            k->type == PM3K__FT_TOGGLE ? PM3K_RULE_TOGGLE_AS_STRING : PM3K_RULE_BOOLEAN_AS_STRING,
            "key", k->key, "value", shown ? shown : "?", "boolean", value ? "true" : "false");
        free(shown);
    }
}

static void check_ads(lint_ctx *c)
{
    bool organic =
        intended_true(c->field[PM3K__F_ORGANIC]) || intended_true(c->field[PM3K__F_LEGACY_ORGANIC]);
    bool content =
        intended_true(c->field[PM3K__F_CONTENT]) || intended_true(c->field[PM3K__F_LEGACY_CONTENT]);
    if (intended_true(c->field[PM3K__F_IS_AD]) && !organic && !content)
        ADD(c, PM3K_RULE_AD_WITHOUT_DISCLOSURE);
    if (content && c->level && strcmp(c->level, SELF_ONLY) == 0)
        ADD(c, PM3K_RULE_BRANDED_CONTENT_PRIVATE);
    const cJSON *brand = c->field[PM3K__F_BRAND];
    if (brand && !cJSON_IsString(brand))
        add_type(c, PM3K__F_BRAND, "a string");
}

static void on_stop_word(void *userdata, const char *word)
{
    lint_ctx *c = userdata;
    char *shown = pm3k__display_text(word, strlen(word), DISPLAY_CHARS);
    ADD(c, PM3K_RULE_FORBIDDEN_WORD, "word", shown ? shown : word);
    free(shown);
}

static void check_title(lint_ctx *c)
{
    const cJSON *v = c->field[PM3K__F_TITLE];
    if (!v)
        return;
    if (!cJSON_IsString(v)) {
        add_type(c, PM3K__F_TITLE, "a string");
        return;
    }
    const char *s = v->valuestring;
    size_t len = strlen(s);
    pm3k__link_match plain, disguised;
    pm3k__find_links(s, len, &plain, &disguised);
    if (plain.found) {
        char *match = redacted_text(s + plain.start, plain.end - plain.start, 60, true);
        ADD(c, PM3K_RULE_LINKS_FORBIDDEN, "match", match ? match : "?");
        free(match);
    }
    if (disguised.found) {
        char *match = redacted_text(s + disguised.start, disguised.end - disguised.start, 60, true);
        ADD(c, PM3K_RULE_OBFUSCATED_LINK, "match", match ? match : "?", "how", disguised.how);
        free(match);
    }
    size_t units = pm3k_utf16_length(s, len);
    int max = c->photo ? c->opt->limits.max_photo_title_utf16 : c->opt->limits.max_title_utf16;
    note(c, pm3k_item_fact_int(c->item, "title_utf16", (int64_t)units));
    if (max >= 0 && units > (size_t)max) {
        char length[24];
        snprintf(length, sizeof length, "%zu", units);
        ADD(c, c->photo ? PM3K_RULE_PHOTO_TITLE_TOO_LONG : PM3K_RULE_TITLE_TOO_LONG, "length",
            length);
    }
    note(c, pm3k__stop_words_scan(c->opt->stop_words, s, len, PM3K__STOP_SCAN_MAX_CHARS,
                                  on_stop_word, c));
}

static void lint_object(lint_ctx *c)
{
    check_keys(c);
    check_leftovers(c);
    decide_mode(c);
    note(c, pm3k_item_fact_str(c->item, "mode", c->photo ? "photo" : "video"));
    check_privacy(c);
    if (c->photo)
        check_photo(c);
    else
        check_video(c);
    check_mixed(c);
    check_booleans(c);
    check_ads(c);
    check_title(c);
    if (c->level)
        note(c, pm3k_item_fact_str(c->item, "privacy", c->level));
}

/* One finding per kind of escape and place, in body order (scan.c keeps
 * the first of each, in members JSON.parse keeps). */
static void add_scan_events(lint_ctx *c, const char *body, size_t len, const pm3k__json_scan *scan)
{
    for (size_t i = 0; i < scan->event_count; i++) {
        const pm3k__scan_event *e = &scan->events[i];
        size_t line, column;
        char l[24], col[24];
        pm3k__line_column(body, len, e->offset, &line, &column);
        snprintf(l, sizeof l, "%zu", line);
        snprintf(col, sizeof col, "%zu", column);
        char *field = e->in_key   ? strdup("a key")
                      : !e->field ? strdup("a string")
                                  : quoted_key(e->field);
        if (e->kind == PM3K__SCAN_NUL)
            ADD(c, PM3K_RULE_NUL_CHARACTER, "field", field ? field : "?", "line", l, "column", col);
        else
            ADD(c, PM3K_RULE_LONE_SURROGATE, "field", field ? field : "?", "escape", e->escape,
                "line", l, "column", col);
        free(field);
    }
}

static const char *not_object_type(const cJSON *root)
{
    if (cJSON_IsArray(root) && cJSON_GetArraySize(root) == 1 && cJSON_IsObject(root->child))
        return "a JSON array holding one object (send the object itself, not a list of items)";
    if (cJSON_IsString(root)) {
        pm3k__parsed inner;
        bool object =
            pm3k__payload_parse(root->valuestring, strlen(root->valuestring), &inner) == PM3K_OK &&
            inner.kind == PM3K__BODY_JSON && cJSON_IsObject(inner.root);
        pm3k__parsed_free(&inner);
        return object ? "a JSON string holding an object (it was encoded twice)" : "a JSON string";
    }
    if (cJSON_IsArray(root))
        return "a JSON array";
    if (cJSON_IsNumber(root))
        return "a JSON number";
    if (cJSON_IsTrue(root))
        return "JSON true";
    if (cJSON_IsFalse(root))
        return "JSON false";
    return "JSON null";
}

void pm3k_payload_lint_options_init(pm3k_payload_lint_options *opt)
{
    memset(opt, 0, sizeof *opt);
    pm3k_limits_init(&opt->limits, PM3K_PLAN_FREE, PM3K_HOSTING_EXTERNAL);
    opt->path = "-";
}

pm3k_code pm3k_payload_lint(const char *body, size_t len, const pm3k_payload_lint_options *opt,
                            pm3k_item **out_item, pm3k_error *err)
{
    pm3k_payload_lint_options defaults;
    pm3k__parsed parsed = {0};
    lint_ctx c = {0};
    pm3k_code rc;
    *out_item = NULL;
    if (!opt) {
        pm3k_payload_lint_options_init(&defaults);
        opt = &defaults;
    }
    c.opt = opt;
    c.item = pm3k_item_new(PM3K_KIND_PAYLOAD, opt->path ? opt->path : "-");
    if (!c.item)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    pm3k_item_set_limits(c.item, &opt->limits);
    pm3k_item_set_input(c.item, 0);
    note(&c, pm3k_item_fact_int(c.item, "bytes", (int64_t)len));
    if ((rc = pm3k__payload_parse(body, len, &parsed)) != PM3K_OK) {
        note(&c, rc);
        goto out;
    }
    switch (parsed.kind) {
    case PM3K__BODY_FORM:
        ADD(&c, PM3K_RULE_FORM_ENCODED_BODY, "encoding", "x-www-form-urlencoded");
        break;
    case PM3K__BODY_MULTIPART:
        ADD(&c, PM3K_RULE_FORM_ENCODED_BODY, "encoding", "multipart/form-data");
        break;
    case PM3K__BODY_INVALID: {
        size_t line, column;
        char l[24], col[24];
        pm3k__line_column(body, len, parsed.error_offset, &line, &column);
        snprintf(l, sizeof l, "%zu", line);
        snprintf(col, sizeof col, "%zu", column);
        ADD(&c, PM3K_RULE_INVALID_JSON, "line", l, "column", col, "reason", parsed.reason);
        break;
    }
    case PM3K__BODY_JSON:
        /* V8 takes any depth; past cJSON's the tree holds the text (scan.c). */
        if (parsed.scan.depth > CJSON_NESTING_LIMIT)
            note(&c, pm3k_item_fact_int(c.item, "nesting_depth", (int64_t)parsed.scan.depth));
        add_scan_events(&c, body, len, &parsed.scan);
        if (!cJSON_IsObject(parsed.root)) {
            ADD(&c, PM3K_RULE_NOT_AN_OBJECT, "json_type", not_object_type(parsed.root));
            break;
        }
        c.root = parsed.root;
        lint_object(&c);
        break;
    }
out:
    pm3k__parsed_free(&parsed);
    if (c.rc != PM3K_OK) {
        pm3k_item_free(c.item);
        return pm3k_error_set(err, c.rc, "%s",
                              c.rc == PM3K_ERR_NOMEM
                                  ? "out of memory while linting the body"
                                  : "pm3k could not read back the tree of a valid body (a bug)");
    }
    *out_item = c.item;
    return PM3K_OK;
}
