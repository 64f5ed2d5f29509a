/* pm3k — the direct_post body model: the fields PM3K knows, what their
 * values mean (privacy levels and aliases, string booleans), how a body is
 * read (JSON, a form, multipart) and how it is printed. The lint and the
 * canonical form are both built on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "core/strbuf.h"
#include "payload/grammar.h"
#include "payload/payload_int.h"
#include "pm3k/utf.h"

/* ---- the fields direct_post knows (PM3K-API.md) ---- */

const pm3k__known_field pm3k__known_fields[PM3K__F_COUNT] = {
    [PM3K__F_SOURCE_URL] = {"source_url", PM3K__FT_STRING, NULL},
    [PM3K__F_MEDIA_TYPE] = {"media_type", PM3K__FT_STRING, NULL},
    [PM3K__F_PHOTO_IMAGES] = {"photo_images", PM3K__FT_ARRAY, NULL},
    [PM3K__F_COVER] = {"photo_cover_index", PM3K__FT_INDEX, NULL},
    [PM3K__F_AUTO_MUSIC] = {"auto_add_music", PM3K__FT_BOOL, NULL},
    [PM3K__F_TITLE] = {"title", PM3K__FT_STRING, NULL},
    [PM3K__F_PRIVACY] = {"privacy", PM3K__FT_STRING, NULL},
    [PM3K__F_DISABLE_COMMENT] = {"disable_comment", PM3K__FT_BOOL, NULL},
    [PM3K__F_DISABLE_DUET] = {"disable_duet", PM3K__FT_BOOL, NULL},
    [PM3K__F_DISABLE_STITCH] = {"disable_stitch", PM3K__FT_BOOL, NULL},
    [PM3K__F_IS_AD] = {"is_ad", PM3K__FT_TOGGLE, NULL},
    [PM3K__F_ORGANIC] = {"brand_organic_toggle", PM3K__FT_TOGGLE, NULL},
    [PM3K__F_CONTENT] = {"brand_content_toggle", PM3K__FT_TOGGLE, NULL},
    [PM3K__F_BRAND] = {"brand", PM3K__FT_STRING, NULL},
    [PM3K__F_LEGACY_ORGANIC] = {"ad_your_brand", PM3K__FT_TOGGLE, "brand_organic_toggle"},
    [PM3K__F_LEGACY_CONTENT] = {"ad_branded_content", PM3K__FT_TOGGLE, "brand_content_toggle"},
};

int pm3k__field_index(const char *key)
{
    for (int i = 0; key && i < PM3K__F_COUNT; i++)
        if (strcmp(pm3k__known_fields[i].key, key) == 0)
            return i;
    return -1;
}

const pm3k__known_field *pm3k__known_field_find(const char *key)
{
    int i = pm3k__field_index(key);
    return i < 0 ? NULL : &pm3k__known_fields[i];
}

/* Lowercase letters and digits only: "sourceUrl" and "Source-URL" both
 * become "sourceurl". */
static size_t squash_key(const char *key, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = key; *p && n + 1 < cap; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[n++] = c;
    }
    out[n] = '\0';
    return n;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[64];
    if (lb >= sizeof row / sizeof row[0])
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *pm3k__known_key_suggestion(const char *key)
{
    char squashed[64], want[64];
    if (!key || strlen(key) >= sizeof squashed)
        return NULL;
    size_t n = squash_key(key, squashed, sizeof squashed);
    if (n == 0)
        return NULL;
    for (int i = 0; i < PM3K__F_COUNT; i++) {
        squash_key(pm3k__known_fields[i].key, want, sizeof want);
        if (strcmp(squashed, want) == 0)
            return pm3k__known_fields[i].key;
    }
    if (n < 4)
        return NULL;
    for (int i = 0; i < PM3K__F_COUNT; i++) {
        squash_key(pm3k__known_fields[i].key, want, sizeof want);
        if (edit_distance(squashed, want) <= 2)
            return pm3k__known_fields[i].key;
    }
    return NULL;
}

/* ---- text ---- */

void pm3k__trim(const char *s, const char *spaces, size_t *b, size_t *e)
{
    /* strchr finds the terminator too: a NUL byte is never a space. */
    while (*b < *e && s[*b] != '\0' && strchr(spaces, s[*b]))
        (*b)++;
    while (*e > *b && s[*e - 1] != '\0' && strchr(spaces, s[*e - 1]))
        (*e)--;
}

/* ---- values ---- */

static const struct {
    const char *alias;
    const char *level;
} privacy_aliases[] = {
    {"public", "PUBLIC_TO_EVERYONE"},
    {"friends", "MUTUAL_FOLLOW_FRIENDS"},
    {"followers", "FOLLOWER_OF_CREATOR"},
    {"private", "SELF_ONLY"},
};

const char *pm3k__privacy_exact(const char *text, bool *is_alias)
{
    *is_alias = false;
    if (!text)
        return NULL;
    for (size_t i = 0; i < sizeof privacy_aliases / sizeof privacy_aliases[0]; i++)
        if (strcmp(text, privacy_aliases[i].level) == 0)
            return privacy_aliases[i].level;
    for (size_t i = 0; i < sizeof privacy_aliases / sizeof privacy_aliases[0]; i++)
        if (strcasecmp(text, privacy_aliases[i].alias) == 0) {
            *is_alias = true;
            return privacy_aliases[i].level;
        }
    return NULL;
}

pm3k_code pm3k_privacy_parse(const char *text, const char **canonical)
{
    for (size_t i = 0; text && i < sizeof privacy_aliases / sizeof privacy_aliases[0]; i++)
        if (strcasecmp(text, privacy_aliases[i].alias) == 0 ||
            strcasecmp(text, privacy_aliases[i].level) == 0) {
            *canonical = privacy_aliases[i].level;
            return PM3K_OK;
        }
    return PM3K_ERR_INVALID_ARG;
}

/* The text without the whitespace around it, as a C string in word[cap];
 * false when it does not fit (then it is no word pm3k knows). */
static bool trimmed_word(const char *text, char *word, size_t cap)
{
    size_t b = 0, e = strlen(text);
    pm3k__trim(text, PM3K__JSON_SPACE, &b, &e);
    if (e - b >= cap)
        return false;
    memcpy(word, text + b, e - b);
    word[e - b] = '\0';
    return true;
}

const char *pm3k__privacy_guess(const char *text)
{
    char word[32]; /* the longest level, MUTUAL_FOLLOW_FRIENDS, fits */
    const char *level = NULL;
    if (!trimmed_word(text, word, sizeof word) || pm3k_privacy_parse(word, &level) != PM3K_OK)
        return NULL;
    return level;
}

bool pm3k__string_boolean(const char *text, bool *value)
{
    static const char *const yes[] = {"true", "1", "yes", "on"};
    static const char *const no[] = {"false", "0", "no", "off", ""};
    char word[8];
    if (!trimmed_word(text, word, sizeof word))
        return false;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(word, yes[i]) == 0) {
            *value = true;
            return true;
        }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcasecmp(word, no[i]) == 0) {
            *value = false;
            return true;
        }
    return false;
}

cJSON *pm3k__last_member(const cJSON *object, const char *key)
{
    cJSON *found = NULL;
    for (cJSON *child = object ? object->child : NULL; child; child = child->next)
        if (child->string && strcmp(child->string, key) == 0)
            found = child;
    return found;
}

typedef struct key_ref {
    const char *key;
    size_t index;
} key_ref;

static int key_ref_cmp(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int dup_cmp(const void *a, const void *b)
{
    const pm3k__dup_key *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

pm3k_code pm3k__object_keys(const cJSON *object, bool **is_last, pm3k__dup_key **dups,
                            size_t *dup_count)
{
    size_t n = 0;
    key_ref *refs = NULL;
    *is_last = NULL;
    *dups = NULL;
    *dup_count = 0;
    for (const cJSON *c = object->child; c; c = c->next)
        n++;
    /* calloc(0) may return NULL: always ask for one more. */
    refs = malloc((n + 1) * sizeof *refs);
    *is_last = calloc(n + 1, sizeof **is_last);
    *dups = malloc((n + 1) * sizeof **dups);
    if (!refs || !*is_last || !*dups) {
        free(refs);
        free(*is_last);
        free(*dups);
        *is_last = NULL;
        *dups = NULL;
        return PM3K_ERR_NOMEM;
    }
    size_t i = 0;
    for (const cJSON *c = object->child; c; c = c->next, i++) {
        refs[i].key = c->string ? c->string : "";
        refs[i].index = i;
    }
    qsort(refs, n, sizeof *refs, key_ref_cmp);
    for (size_t run = 0; run < n;) {
        size_t end = run + 1;
        while (end < n && strcmp(refs[end].key, refs[run].key) == 0)
            end++;
        (*is_last)[refs[end - 1].index] = true;
        if (end - run > 1) {
            pm3k__dup_key *d = &(*dups)[(*dup_count)++];
            d->key = refs[run].key;
            d->first = refs[run].index;
            d->times = end - run;
        }
        run = end;
    }
    qsort(*dups, *dup_count, sizeof **dups, dup_cmp);
    free(refs);
    return PM3K_OK;
}

/* Numbers with the text they were written with (scan.c keeps it in
 * valuestring) as raw nodes, which cJSON prints verbatim. */
static void numbers_as_written(cJSON *v)
{
    if (cJSON_IsNumber(v) && v->valuestring)
        v->type = (v->type & ~0xFF) | cJSON_Raw;
    for (cJSON *child = v->child; child; child = child->next)
        numbers_as_written(child);
}

char *pm3k__json_print(const cJSON *value, bool formatted)
{
    cJSON *copy = cJSON_Duplicate(value, 1);
    if (!copy)
        return NULL;
    numbers_as_written(copy);
    char *raw = formatted ? cJSON_Print(copy) : cJSON_PrintUnformatted(copy);
    cJSON_Delete(copy);
    if (!raw || !formatted) {
        char *out = raw ? strdup(raw) : NULL;
        cJSON_free(raw);
        return out;
    }
    /* cJSON indents with tabs and escapes every tab inside strings, so each
     * raw tab it prints is layout (a raw node's text is JSON the grammar
     * took: no raw tab in its strings either). */
    pm3k__strbuf sb;
    pm3k__strbuf_init(&sb);
    pm3k__strbuf_add(&sb, "");
    bool line_start = true;
    for (const char *p = raw; *p; p++) {
        if (*p == '\t') {
            pm3k__strbuf_add(&sb, line_start ? "  " : " ");
            continue;
        }
        pm3k__strbuf_addn(&sb, p, 1);
        line_start = *p == '\n';
    }
    cJSON_free(raw);
    return pm3k__strbuf_detach(&sb);
}

/* ---- parsing ---- */

static bool json_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void trim_span(const char *body, size_t len, size_t *b, size_t *e)
{
    *b = 0;
    *e = len;
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
        *b = 3;
    pm3k__trim(body, PM3K__JSON_SPACE, b, e);
}

/* "--BOUNDARY" on the first line and a form-data part header. */
static bool looks_multipart(const char *body, size_t len)
{
    static const char header[] = "content-disposition:";
    size_t b, e;
    trim_span(body, len, &b, &e);
    if (e - b < 4 || body[b] != '-' || body[b + 1] != '-')
        return false;
    size_t i = b + 2;
    while (i < e && body[i] != '\r' && body[i] != '\n' && !json_space((unsigned char)body[i]))
        i++;
    if (i == b + 2 || i >= e || (body[i] != '\r' && body[i] != '\n'))
        return false;
    for (size_t j = i; j + sizeof header - 1 <= e; j++)
        if (strncasecmp(body + j, header, sizeof header - 1) == 0)
            return true;
    return false;
}

static bool form_key_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("_.~%+-[]", c) != NULL);
}

/* key=value(&key=value)*, keys of URL-safe characters, no line breaks in
 * values (a real form body is percent-encoded). */
static bool looks_form(const char *body, size_t len)
{
    size_t b, e;
    bool any_pair = false;
    trim_span(body, len, &b, &e);
    if (b == e || body[b] == '{' || body[b] == '[' || body[b] == '"')
        return false;
    size_t i = b;
    while (i < e) {
        size_t key_start = i;
        while (i < e && form_key_char((unsigned char)body[i]))
            i++;
        if (i == key_start)
            return false;
        if (i < e && body[i] == '=') {
            any_pair = true;
            i++;
            while (i < e && body[i] != '&') {
                unsigned char c = (unsigned char)body[i];
                if (c < 0x20 || c == 0x7F)
                    return false;
                i++;
            }
        }
        if (i < e && body[i] != '&')
            return false;
        if (i < e)
            i++; /* '&' */
    }
    return any_pair;
}

/* The grammar's words, with the byte it stopped at named first when that
 * byte is what cannot stand there: "unexpected 'x' after the JSON value". */
static void grammar_reason(const char *body, size_t len, const pm3k__grammar_result *g,
                           char *reason, size_t cap)
{
    if (!g->at_byte || g->offset >= len) {
        snprintf(reason, cap, "%s", g->reason);
        return;
    }
    char what[32];
    unsigned char c = (unsigned char)body[g->offset];
    uint32_t cp = c;
    size_t used = c < 0x80 ? 1 : pm3k_utf8_decode(body + g->offset, len - g->offset, &cp);
    if (c > 0x20 && c < 0x7F)
        snprintf(what, sizeof what, "'%c'", c);
    else if (cp == 0xFFFD && used == 1)
        snprintf(what, sizeof what, "byte 0x%02X", c);
    else
        snprintf(what, sizeof what, "character U+%04X", (unsigned)cp);
    snprintf(reason, cap, "unexpected %s %s%s%s%s", what, g->reason, g->hint ? " (" : "",
             g->hint ? g->hint : "", g->hint ? ")" : "");
}

/* A body JSON.parse accepts, as a tree: cJSON builds it from the copy
 * scan.c made, then the walk gives it what cJSON drops. */
static pm3k_code build_tree(const char *body, size_t len, pm3k__parsed *out)
{
    pm3k_code rc = pm3k__json_scan_run(body, len, &out->scan);
    if (rc != PM3K_OK)
        return rc;
    /* With require_null_terminated the length counts the NUL; the copy
     * holds nothing cJSON refuses (fuzz_json_grammar checks it), so only
     * memory can make it fail. */
    out->root = cJSON_ParseWithLengthOpts(out->scan.tree_text, len + 1, NULL, 1);
    pm3k__json_scan_drop_tree_text(&out->scan);
    if (!out->root)
        return PM3K_ERR_NOMEM;
    out->kind = PM3K__BODY_JSON;
    return pm3k__json_scan_attach(&out->scan, body, out->root);
}

pm3k_code pm3k__payload_parse(const char *body, size_t len, pm3k__parsed *out)
{
    pm3k__grammar_result grammar;
    memset(out, 0, sizeof *out);
    if (looks_multipart(body, len)) {
        out->kind = PM3K__BODY_MULTIPART;
        return PM3K_OK;
    }
    if (looks_form(body, len)) {
        out->kind = PM3K__BODY_FORM;
        return PM3K_OK;
    }
    /* Whether it is JSON is JSON.parse's question, which the grammar
     * answers exactly; cJSON only builds the tree. */
    if (!pm3k__json_grammar(body, len, &grammar))
        return PM3K_ERR_NOMEM;
    if (!grammar.valid) {
        out->kind = PM3K__BODY_INVALID;
        out->error_offset = grammar.offset;
        grammar_reason(body, len, &grammar, out->reason, sizeof out->reason);
        return PM3K_OK;
    }
    pm3k_code rc = build_tree(body, len, out);
    if (rc != PM3K_OK)
        pm3k__parsed_free(out);
    return rc;
}

void pm3k__parsed_free(pm3k__parsed *parsed)
{
    if (!parsed)
        return;
    cJSON_Delete(parsed->root);
    pm3k__json_scan_free(&parsed->scan);
    memset(parsed, 0, sizeof *parsed);
}
