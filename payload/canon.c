/* pm3k — the canonical form of a direct_post body (what `pm3k payload
 * --check --fix` prints). Every change is a note; nothing the user set is
 * dropped. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/strbuf.h"
#include "core/utf_int.h"
#include "payload/payload_int.h"

typedef struct canon_ctx {
    pm3k__strbuf notes;
    pm3k_code rc;
} canon_ctx;

static void add_note(canon_ctx *f, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_note(canon_ctx *f, const char *kind, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    pm3k__strbuf_addf(&f->notes, "%s: %s\n", kind, line);
}

/* A short printable form of a key or string value for a note. */
static char *shown(const char *s)
{
    return pm3k__display_text(s, strlen(s), 60);
}

#define SHOW(var, s)                                                                               \
    char *var = shown(s);                                                                          \
    if (!var) {                                                                                    \
        f->rc = PM3K_ERR_NOMEM;                                                                    \
        return;                                                                                    \
    }

/* ---- in-place value changes (the member keeps its key and position) ---- */

static void clear_value(cJSON *v, int type)
{
    if (v->valuestring && !(v->type & cJSON_IsReference))
        cJSON_free(v->valuestring);
    v->valuestring = NULL;
    v->type = (v->type & cJSON_StringIsConst) | type;
}

static void make_bool(cJSON *v, bool value)
{
    clear_value(v, value ? cJSON_True : cJSON_False);
    v->valueint = value;
}

static void make_number(cJSON *v, double value)
{
    clear_value(v, cJSON_Number);
    cJSON_SetNumberHelper(v, value);
}

static bool make_array_of_self(cJSON *v)
{
    cJSON *element = cJSON_CreateString(v->valuestring);
    if (!element)
        return false;
    clear_value(v, cJSON_Array);
    v->child = element;
    return true;
}

static bool rename_member(cJSON *v, const char *key)
{
    size_t n = strlen(key) + 1;
    char *copy = cJSON_malloc(n);
    if (!copy)
        return false;
    memcpy(copy, key, n);
    if (!(v->type & cJSON_StringIsConst))
        cJSON_free(v->string);
    v->string = copy;
    v->type &= ~cJSON_StringIsConst;
    return true;
}

/* ---- steps ---- */

static void collapse_duplicates(canon_ctx *f, cJSON *obj)
{
    bool *is_last = NULL;
    pm3k__dup_key *dups = NULL;
    size_t dup_count = 0;
    if ((f->rc = pm3k__object_keys(obj, &is_last, &dups, &dup_count)) != PM3K_OK)
        return;
    for (size_t i = 0; i < dup_count; i++) {
        char *key = shown(dups[i].key);
        add_note(f, "fixed", "kept the last of the %zu \"%s\" members (the one PM3K reads)",
                 dups[i].times, key ? key : "?");
        free(key);
    }
    size_t i = 0;
    for (cJSON *m = obj->child, *next; m; m = next, i++) {
        next = m->next;
        if (!is_last[i])
            cJSON_Delete(cJSON_DetachItemViaPointer(obj, m));
    }
    free(is_last);
    free(dups);
}

static void canon_privacy(canon_ctx *f, cJSON *obj)
{
    cJSON *v = pm3k__last_member(obj, "privacy");
    bool alias;
    if (!cJSON_IsString(v) || (pm3k__privacy_exact(v->valuestring, &alias) && !alias))
        return;
    const char *level = pm3k__privacy_guess(v->valuestring);
    char *was = shown(v->valuestring);
    if (level) {
        add_note(f, "fixed", "\"privacy\": \"%s\" -> \"%s\"", was ? was : "?", level);
        if (!cJSON_SetValuestring(v, level))
            f->rc = PM3K_ERR_NOMEM;
    } else {
        add_note(f, "kept", "\"privacy\": \"%s\" (not a privacy level pm3k can map)",
                 was ? was : "?");
    }
    free(was);
}

static void canon_booleans(canon_ctx *f, cJSON *obj)
{
    for (cJSON *m = obj->child; m && f->rc == PM3K_OK; m = m->next) {
        const pm3k__known_field *k = pm3k__known_field_find(m->string);
        if (!k || (k->type != PM3K__FT_BOOL && k->type != PM3K__FT_TOGGLE) || !cJSON_IsString(m))
            continue;
        bool value;
        SHOW(was, m->valuestring);
        if (pm3k__string_boolean(m->valuestring, &value)) {
            add_note(f, "fixed", "\"%s\": \"%s\" -> %s", k->key, was, value ? "true" : "false");
            make_bool(m, value);
        } else {
            add_note(f, "kept", "\"%s\": \"%s\" (not clearly true or false: set it yourself)",
                     k->key, was);
        }
        free(was);
    }
}

static void canon_legacy_keys(canon_ctx *f, cJSON *obj)
{
    for (cJSON *m = obj->child; m && f->rc == PM3K_OK; m = m->next) {
        const pm3k__known_field *k = pm3k__known_field_find(m->string);
        if (!k || !k->canonical)
            continue;
        if (pm3k__last_member(obj, k->canonical)) {
            add_note(f, "kept", "\"%s\" (\"%s\" is set too: remove the one you do not mean)",
                     k->key, k->canonical);
            continue;
        }
        add_note(f, "fixed", "renamed \"%s\" to \"%s\"", k->key, k->canonical);
        if (!rename_member(m, k->canonical))
            f->rc = PM3K_ERR_NOMEM;
    }
}

static bool all_digits(const char *s)
{
    if (!*s || strlen(s) > 9)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static void canon_photo(canon_ctx *f, cJSON *obj)
{
    cJSON *images = pm3k__last_member(obj, "photo_images");
    if (cJSON_IsString(images) &&
        !pm3k__template_leftover(images->valuestring, strlen(images->valuestring))) {
        add_note(f, "fixed", "\"photo_images\" was one string: made it an array of one URL");
        if (!make_array_of_self(images)) {
            f->rc = PM3K_ERR_NOMEM;
            return;
        }
    }
    cJSON *cover = pm3k__last_member(obj, "photo_cover_index");
    if (cJSON_IsString(cover) && all_digits(cover->valuestring)) {
        add_note(f, "fixed", "\"photo_cover_index\": \"%s\" -> %s", cover->valuestring,
                 cover->valuestring);
        make_number(cover, strtod(cover->valuestring, NULL));
    }
    const cJSON *media = pm3k__last_member(obj, "media_type");
    if (!cover && cJSON_IsString(media) && strcmp(media->valuestring, "PHOTO") == 0) {
        add_note(f, "fixed", "added \"photo_cover_index\": 0 (the first image is the cover)");
        if (!cJSON_AddNumberToObject(obj, "photo_cover_index", 0))
            f->rc = PM3K_ERR_NOMEM;
    }
}

static void note_unknown_keys(canon_ctx *f, const cJSON *obj)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        if (pm3k__known_field_find(m->string))
            continue;
        const char *guess = pm3k__known_key_suggestion(m->string);
        SHOW(key, m->string ? m->string : "");
        if (guess)
            add_note(f, "kept", "unknown key \"%s\" (PM3K ignores it; did you mean \"%s\"?)", key,
                     guess);
        else
            add_note(f, "kept", "unknown key \"%s\" (PM3K ignores it)", key);
        free(key);
    }
}

/* Escapes in shadowed duplicate members go with them (collapse_duplicates). */
static void note_escapes(canon_ctx *f, const pm3k__json_scan *scan)
{
    if (scan->live_escapes)
        add_note(f, "fixed",
                 "%zu \\u0000 or lone surrogate escape%s written as U+FFFD (what PM3K's JSON "
                 "would show)",
                 scan->live_escapes, scan->live_escapes == 1 ? "" : "s");
}

/* ---- bodies that are not an object ---- */

/* application/x-www-form-urlencoded decoding of s[0..len), as UTF-8. */
static char *form_decode(const char *s, size_t len)
{
    char *raw = malloc(len + 1);
    if (!raw)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') {
            raw[n++] = ' ';
        } else if (s[i] == '%' && i + 2 < len && pm3k__hex_value((unsigned char)s[i + 1]) >= 0 &&
                   pm3k__hex_value((unsigned char)s[i + 2]) >= 0) {
            raw[n++] = (char)(pm3k__hex_value((unsigned char)s[i + 1]) * 16 +
                              pm3k__hex_value((unsigned char)s[i + 2]));
            i += 2;
        } else {
            raw[n++] = s[i];
        }
    }
    char *clean = pm3k__utf8_sanitize(raw, n);
    free(raw);
    return clean;
}

static cJSON *form_to_object(const char *body, size_t len)
{
    cJSON *obj = cJSON_CreateObject();
    size_t b = 0, e = len;
    if (!obj)
        return NULL;
    pm3k__trim(body, PM3K__JSON_SPACE, &b, &e);
    for (size_t i = b; i < e;) {
        const char *amp = memchr(body + i, '&', e - i);
        size_t end = amp ? (size_t)(amp - body) : e;
        const char *eq = memchr(body + i, '=', end - i);
        size_t key_end = eq ? (size_t)(eq - body) : end;
        char *key = form_decode(body + i, key_end - i);
        char *value = eq ? form_decode(eq + 1, end - key_end - 1) : strdup("");
        cJSON *v = value ? cJSON_CreateString(value) : NULL;
        bool ok = key && v && cJSON_AddItemToObject(obj, key, v);
        if (!ok)
            cJSON_Delete(v);
        free(key);
        free(value);
        if (!ok) {
            cJSON_Delete(obj);
            return NULL;
        }
        i = amp ? end + 1 : e;
    }
    return obj;
}

/* The object in an array of one, parsed as a body of its own: what lies
 * past cJSON's nesting limit is counted from the object, as it will be when
 * the fixed body is read again. */
static cJSON *object_of_array(canon_ctx *f, const char *body, size_t len)
{
    size_t open = 0, close = len;
    while (open < len && body[open] != '{')
        open++;
    while (close > open && body[close - 1] != '}')
        close--;
    pm3k__parsed inner;
    if ((f->rc = pm3k__payload_parse(body + open, close - open, &inner)) != PM3K_OK)
        return NULL;
    cJSON *obj = NULL;
    if (inner.kind == PM3K__BODY_JSON && cJSON_IsObject(inner.root)) {
        add_note(f, "fixed", "took the one object out of the array around it");
        note_escapes(f, &inner.scan);
        obj = inner.root;
        inner.root = NULL;
    } else {
        f->rc = PM3K_ERR_INTERNAL;
    }
    pm3k__parsed_free(&inner);
    return obj;
}

/* The object a body means, or NULL when there is none; *nomem on failure. */
static cJSON *take_object(canon_ctx *f, const char *body, size_t len, pm3k__parsed *parsed)
{
    cJSON *root = parsed->root;
    switch (parsed->kind) {
    case PM3K__BODY_FORM: {
        cJSON *obj = form_to_object(body, len);
        if (!obj)
            f->rc = PM3K_ERR_NOMEM;
        else
            add_note(f, "fixed",
                     "turned the x-www-form-urlencoded body into a JSON object "
                     "(send it with Content-Type: application/json)");
        return obj;
    }
    case PM3K__BODY_MULTIPART:
    case PM3K__BODY_INVALID:
        return NULL;
    case PM3K__BODY_JSON:
        break;
    }
    if (cJSON_IsObject(root)) {
        note_escapes(f, &parsed->scan);
        parsed->root = NULL;
        return root;
    }
    if (cJSON_IsArray(root) && cJSON_GetArraySize(root) == 1 && cJSON_IsObject(root->child))
        return object_of_array(f, body, len);
    if (cJSON_IsString(root)) {
        note_escapes(f, &parsed->scan);
        pm3k__parsed inner;
        const char *s = root->valuestring;
        if ((f->rc = pm3k__payload_parse(s, strlen(s), &inner)) != PM3K_OK) {
            pm3k__parsed_free(&inner);
            return NULL;
        }
        cJSON *obj = NULL;
        if (inner.kind == PM3K__BODY_JSON && cJSON_IsObject(inner.root)) {
            add_note(f, "fixed", "decoded the body, which was a JSON object encoded twice");
            note_escapes(f, &inner.scan);
            obj = inner.root;
            inner.root = NULL;
        }
        pm3k__parsed_free(&inner);
        return obj;
    }
    return NULL;
}

pm3k_code pm3k_payload_canonical(const char *body, size_t len, char **out_body, char **out_notes,
                                 pm3k_error *err)
{
    canon_ctx f = {0};
    pm3k__parsed parsed = {0};
    cJSON *obj = NULL;
    *out_body = NULL;
    if (out_notes)
        *out_notes = NULL;
    pm3k__strbuf_init(&f.notes);
    pm3k__strbuf_add(&f.notes, "");
    if ((f.rc = pm3k__payload_parse(body, len, &parsed)) != PM3K_OK)
        goto out;
    obj = take_object(&f, body, len, &parsed);
    if (!obj)
        goto out;
    collapse_duplicates(&f, obj);
    if (f.rc == PM3K_OK)
        canon_privacy(&f, obj);
    if (f.rc == PM3K_OK)
        canon_booleans(&f, obj);
    if (f.rc == PM3K_OK)
        canon_legacy_keys(&f, obj);
    if (f.rc == PM3K_OK)
        canon_photo(&f, obj);
    if (f.rc == PM3K_OK)
        note_unknown_keys(&f, obj);
    if (f.rc == PM3K_OK && !(*out_body = pm3k__json_print(obj, true)))
        f.rc = PM3K_ERR_NOMEM;
out:
    cJSON_Delete(obj);
    pm3k__parsed_free(&parsed);
    if (f.notes.failed && f.rc == PM3K_OK)
        f.rc = PM3K_ERR_NOMEM;
    if (f.rc != PM3K_OK) {
        free(*out_body);
        *out_body = NULL;
        pm3k__strbuf_free(&f.notes);
        return pm3k_error_set(err, f.rc, "out of memory while fixing the body");
    }
    if (out_notes)
        *out_notes = pm3k__strbuf_detach(&f.notes);
    else
        pm3k__strbuf_free(&f.notes);
    return PM3K_OK;
}
