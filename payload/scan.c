/* pm3k — raw byte scans of a direct_post body around cJSON.
 *
 * payload/grammar.c has decided that JSON.parse accepts the body; cJSON
 * builds the tree the lint reads, but it cannot hold everything JSON.parse
 * can, and it keeps less than the lint needs. So:
 *
 * Before cJSON, pm3k__json_scan_run makes two copies of the body, each of the
 * body's length (offsets stay the body's):
 * - text: \u0000, which would cut cJSON's C string short (and could hide a
 *   link), and lone UTF-16 surrogate escapes, which JavaScript keeps and
 *   cJSON refuses, written as \ufffd. The canonical form prints from it;
 * - tree_text, what cJSON parses: text with a 0 and spaces over each number
 *   longer than 63 bytes (cJSON 1.7.15 reads numbers through a 64-byte buffer
 *   and splits a longer one: the rejection of valid texts of CVE-2023-26819,
 *   which Debian's build has patched and others may not) and over
 *   each container past CJSON_NESTING_LIMIT levels (V8 takes any depth).
 *
 * After cJSON, pm3k__json_scan_attach walks the tree in step with a second
 * pass over the body (cJSON keeps members and elements in body order):
 * - each number gets the text it was written with in its valuestring, unless
 *   cJSON prints it back the same ("12"): cJSON keeps only a double, and
 *   prints 1.0000000000000002 as 1, 2^53+1 as 2^53, 1e400 as null;
 * - each blanked container becomes a cJSON_Raw node of its text, so nothing
 *   of the body is lost (PM3K reads no field that deep);
 * - each escape above is placed: in a key or not, in which top-level member,
 *   and whether that member is one JSON.parse keeps (the last of duplicate
 *   keys, at every level): the lint warns only about those.
 * Covered by tests/fuzz/fuzz_payload_lint.c and fuzz_json_grammar.c. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "payload/payload_int.h"

/* Unpatched cJSON 1.7.15 copies a number into a buffer of this many bytes
 * before strtod. */
#define CJSON_NUMBER_MAX 63

int pm3k__hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The 4 hex digits at s[at..at+4), or -1. */
static long hex4(const char *s, size_t len, size_t at)
{
    if (at > len || len - at < 4)
        return -1;
    long v = 0;
    for (size_t i = 0; i < 4; i++) {
        int h = pm3k__hex_value((unsigned char)s[at + i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* The escape at s[at] (a backslash inside a string): sets *next past it and
 * returns PM3K__SCAN_NUL or PM3K__SCAN_SURROGATE for the ones cJSON cannot
 * hold (a high surrogate followed by a low one is a pair, taken whole), or
 * -1 for any other. */
static int odd_escape(const char *s, size_t len, size_t at, size_t *next)
{
    *next = at + 2;
    if (at + 1 >= len || s[at + 1] != 'u')
        return -1;
    long code = hex4(s, len, at + 2);
    if (code < 0)
        return -1;
    *next = at + 6;
    if (code == 0)
        return PM3K__SCAN_NUL;
    if (code >= 0xDC00 && code <= 0xDFFF)
        return PM3K__SCAN_SURROGATE;
    if (code < 0xD800 || code > 0xDBFF)
        return -1;
    long low = -1;
    if (at + 7 < len && s[at + 6] == '\\' && s[at + 7] == 'u')
        low = hex4(s, len, at + 8);
    if (low >= 0xDC00 && low <= 0xDFFF) {
        *next = at + 12;
        return -1;
    }
    return PM3K__SCAN_SURROGATE;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_number_byte(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

static size_t number_end(const char *s, size_t len, size_t at)
{
    while (at < len && is_number_byte(s[at]))
        at++;
    return at;
}

/* Write a 0 and spaces over s[start..end): a value cJSON can hold. */
static void blank(char *s, size_t start, size_t end)
{
    s[start] = '0';
    memset(s + start + 1, ' ', end - start - 1);
}

/* ---- before cJSON ---- */

/* The string opening at `open`: its odd escapes written as \ufffd in both
 * copies. Returns the offset after its closing quote. */
static size_t prepare_string(pm3k__json_scan *out, const char *body, size_t len, size_t open)
{
    size_t i = open + 1;
    while (i < len && body[i] != '"') {
        if (body[i] != '\\') {
            i++;
            continue;
        }
        size_t next;
        if (odd_escape(body, len, i, &next) >= 0) {
            memcpy(out->text + i, "\\ufffd", 6);
            memcpy(out->tree_text + i, "\\ufffd", 6);
            out->escapes++;
        }
        i = next;
    }
    return i + 1;
}

pm3k_code pm3k__json_scan_run(const char *body, size_t len, pm3k__json_scan *out)
{
    memset(out, 0, sizeof *out);
    out->text = malloc(len + 1);
    out->tree_text = malloc(len + 1);
    if (!out->text || !out->tree_text) {
        pm3k__json_scan_free(out);
        return PM3K_ERR_NOMEM;
    }
    memcpy(out->text, body, len);
    out->text[len] = '\0';
    memcpy(out->tree_text, body, len);
    out->tree_text[len] = '\0';
    out->len = len;
    size_t depth = 0, deep_start = 0;
    for (size_t pos = 0; pos < len;) {
        char c = body[pos];
        if (c == '"') {
            pos = prepare_string(out, body, len, pos);
        } else if (c == '{' || c == '[') {
            if (++depth > out->depth)
                out->depth = depth;
            if (depth == CJSON_NESTING_LIMIT + 1)
                deep_start = pos;
            pos++;
        } else if (c == '}' || c == ']') {
            if (depth == CJSON_NESTING_LIMIT + 1)
                blank(out->tree_text, deep_start, pos + 1);
            depth -= depth > 0;
            pos++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t end = number_end(body, len, pos);
            if (end - pos > CJSON_NUMBER_MAX && depth <= CJSON_NESTING_LIMIT)
                blank(out->tree_text, pos, end);
            pos = end;
        } else {
            pos++;
        }
    }
    return PM3K_OK;
}

void pm3k__json_scan_drop_tree_text(pm3k__json_scan *scan)
{
    free(scan->tree_text);
    scan->tree_text = NULL;
}

void pm3k__json_scan_free(pm3k__json_scan *scan)
{
    if (!scan)
        return;
    free(scan->text);
    free(scan->tree_text);
    free(scan->events);
    memset(scan, 0, sizeof *scan);
}

/* ---- after cJSON ---- */

typedef struct walker {
    const char *body;
    size_t len, pos;
    pm3k__json_scan *scan;
    const cJSON *root;
    pm3k_code rc;
} walker;

static bool mismatch(walker *w)
{
    /* The tree and the body disagree: a bug, never input. */
    if (w->rc == PM3K_OK)
        w->rc = PM3K_ERR_INTERNAL;
    return false;
}

static bool nomem(walker *w)
{
    if (w->rc == PM3K_OK)
        w->rc = PM3K_ERR_NOMEM;
    return false;
}

static void skip_separators(walker *w)
{
    while (w->pos < w->len &&
           (is_space(w->body[w->pos]) || w->body[w->pos] == ',' || w->body[w->pos] == ':'))
        w->pos++;
}

static bool expect(walker *w, char c)
{
    skip_separators(w);
    if (w->pos >= w->len || w->body[w->pos] != c)
        return mismatch(w);
    w->pos++;
    return true;
}

/* An escape in a member JSON.parse keeps: counted, and kept when it is the
 * first of its kind in its place (a key, a top-level field, elsewhere). */
static bool add_event(walker *w, int kind, size_t offset, bool in_key, const char *field)
{
    pm3k__json_scan *scan = w->scan;
    scan->live_escapes++;
    for (size_t i = 0; i < scan->event_count; i++) {
        const pm3k__scan_event *e = &scan->events[i];
        if ((int)e->kind == kind && e->in_key == in_key &&
            (e->field == field || (e->field && field && strcmp(e->field, field) == 0)))
            return true;
    }
    if (scan->event_count >= PM3K__SCAN_EVENTS_MAX)
        return true;
    if (!scan->events && !(scan->events = calloc(PM3K__SCAN_EVENTS_MAX, sizeof *scan->events)))
        return nomem(w);
    pm3k__scan_event *e = &scan->events[scan->event_count++];
    e->kind = (pm3k__scan_kind)kind;
    e->offset = offset;
    memcpy(e->escape, w->body + offset, 6);
    e->escape[6] = '\0';
    e->in_key = in_key;
    e->field = in_key ? NULL : field;
    return true;
}

/* The string at pos; its odd escapes are events when `live`. */
static bool walk_string(walker *w, bool live, bool in_key, const char *field)
{
    skip_separators(w);
    if (w->pos >= w->len || w->body[w->pos] != '"')
        return mismatch(w);
    size_t i = w->pos + 1;
    while (i < w->len && w->body[i] != '"') {
        if (w->body[i] != '\\') {
            i++;
            continue;
        }
        size_t next;
        int kind = odd_escape(w->body, w->len, i, &next);
        if (kind >= 0 && live && !add_event(w, kind, i, in_key, field))
            return false;
        i = next;
    }
    w->pos = i + 1;
    return true;
}

/* A copy of text[start..end) in cJSON's allocator. */
static char *text_copy(walker *w, size_t start, size_t end)
{
    char *copy = cJSON_malloc(end - start + 1);
    if (!copy)
        return NULL;
    memcpy(copy, w->scan->text + start, end - start);
    copy[end - start] = '\0';
    return copy;
}

/* Text cJSON prints back as itself: 0, or an integer of at most 9 digits
 * (which "%1.15g" and "%d", cJSON's formats, both print as written). -0 is
 * not: a build with the "%d" shortcut prints it as 0. */
static bool prints_back(const char *s, size_t n)
{
    if (n == 1 && s[0] == '0')
        return true;
    size_t i = s[0] == '-';
    if (n - i < 1 || n - i > 9 || s[i] < '1' || s[i] > '9')
        return false;
    for (i++; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* The value of a number too long for cJSON, read as cJSON reads numbers
 * (strtod, with the locale's decimal point), from all of its digits. */
static bool long_number_value(walker *w, cJSON *v, const char *text, size_t n)
{
    char *copy = malloc(n + 1);
    if (!copy)
        return nomem(w);
    const char *point = localeconv()->decimal_point;
    for (size_t i = 0; i < n; i++)
        copy[i] = text[i] == '.' && point && point[0] && !point[1] ? point[0] : text[i];
    copy[n] = '\0';
    cJSON_SetNumberHelper(v, strtod(copy, NULL));
    free(copy);
    return true;
}

static bool walk_number(walker *w, cJSON *v)
{
    size_t start = w->pos, end = number_end(w->body, w->len, start);
    if (end == start)
        return mismatch(w);
    w->pos = end;
    if (end - start > CJSON_NUMBER_MAX && !long_number_value(w, v, w->body + start, end - start))
        return false;
    if (prints_back(w->body + start, end - start))
        return true;
    if (!(v->valuestring = text_copy(w, start, end)))
        return nomem(w);
    return true;
}

/* A container past cJSON's nesting limit (cJSON holds a 0 there): it
 * becomes a raw node of its text; its escapes count as the member's. */
static bool walk_deep(walker *w, cJSON *v, bool live, const char *field)
{
    size_t start = w->pos, depth = 0;
    do {
        char c = w->body[w->pos];
        if (c == '"') {
            if (!walk_string(w, live, false, field))
                return false;
            continue;
        }
        depth += c == '{' || c == '[';
        depth -= c == '}' || c == ']';
        w->pos++;
    } while (depth > 0 && w->pos < w->len);
    if (depth > 0)
        return mismatch(w);
    if (!(v->valuestring = text_copy(w, start, w->pos)))
        return nomem(w);
    v->type = (v->type & ~0xFF) | cJSON_Raw;
    return true;
}

static bool walk_value(walker *w, cJSON *v, bool live, const char *field);

static bool walk_members(walker *w, cJSON *object, bool live, const char *field)
{
    bool *is_last = NULL;
    pm3k__dup_key *dups = NULL;
    size_t dup_count = 0, i = 0;
    bool ok = true;
    /* Which members JSON.parse keeps matters only for escapes in them. */
    if (live && w->scan->escapes > 0 &&
        pm3k__object_keys(object, &is_last, &dups, &dup_count) != PM3K_OK)
        return nomem(w);
    free(dups);
    for (cJSON *m = object->child; m && ok; m = m->next, i++) {
        bool kept = live && (!is_last || is_last[i]);
        ok = walk_string(w, kept, true, NULL) &&
             walk_value(w, m, kept, object == w->root ? m->string : field);
    }
    free(is_last);
    return ok && expect(w, '}');
}

static bool walk_value(walker *w, cJSON *v, bool live, const char *field)
{
    skip_separators(w);
    if (w->pos >= w->len)
        return mismatch(w);
    char c = w->body[w->pos];
    switch (v->type & 0xFF) {
    case cJSON_Object:
        return expect(w, '{') && walk_members(w, v, live, field);
    case cJSON_Array:
        if (!expect(w, '['))
            return false;
        for (cJSON *e = v->child; e; e = e->next)
            if (!walk_value(w, e, live, field))
                return false;
        return expect(w, ']');
    case cJSON_String:
        return walk_string(w, live, false, field);
    case cJSON_Number:
        return c == '{' || c == '[' ? walk_deep(w, v, live, field) : walk_number(w, v);
    case cJSON_True:
    case cJSON_NULL:
        w->pos += 4;
        return true;
    case cJSON_False:
        w->pos += 5;
        return true;
    default:
        return mismatch(w);
    }
}

pm3k_code pm3k__json_scan_attach(pm3k__json_scan *scan, const char *body, cJSON *root)
{
    walker w = {.body = body, .len = scan->len, .scan = scan, .root = root, .rc = PM3K_OK};
    if (cJSON_IsObject(root) || cJSON_IsArray(root) || cJSON_IsString(root) ||
        cJSON_IsNumber(root) || cJSON_IsBool(root) || cJSON_IsNull(root))
        walk_value(&w, root, true, NULL);
    else
        mismatch(&w);
    return w.rc;
}

/* ---- positions ---- */

void pm3k__line_column(const char *body, size_t len, size_t offset, size_t *line, size_t *column)
{
    size_t ln = 1, col = 1;
    if (offset > len)
        offset = len;
    for (size_t i = 0; i < offset; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c == '\n') {
            ln++;
            col = 1;
        } else if ((c & 0xC0) != 0x80) {
            col++; /* count characters, not UTF-8 continuation bytes */
        }
    }
    *line = ln;
    *column = col;
}
