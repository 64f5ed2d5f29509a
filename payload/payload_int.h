/* pm3k — payload internals shared by body.c, build.c, lint.c, canon.c,
 * caption.c and scan.c (not public). */
#ifndef PM3K_PAYLOAD_INT_H
#define PM3K_PAYLOAD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "pm3k/payload.h"

/* ---- raw scans (scan.c) ----
 * Around cJSON, for a body payload/grammar.c found valid: the copies cJSON
 * parses (escapes it cannot hold as \ufffd, numbers and nesting past its
 * limits blanked), then a walk that gives the tree what cJSON drops (each
 * number's text, the blanked containers as raw nodes) and places the
 * escapes. scan.c's head comment says why. */

#define PM3K__SCAN_EVENTS_MAX 64

typedef enum pm3k__scan_kind { PM3K__SCAN_NUL, PM3K__SCAN_SURROGATE } pm3k__scan_kind;

/* A \u0000 or lone surrogate escape in a member JSON.parse keeps. */
typedef struct pm3k__scan_event {
    pm3k__scan_kind kind;
    size_t offset;     /* of the backslash */
    char escape[7];    /* as written, e.g. "\ud83d" */
    bool in_key;       /* inside an object key */
    const char *field; /* the top-level member's key (the tree's) it is in, or NULL */
} pm3k__scan_event;

typedef struct pm3k__json_scan {
    char *text; /* the body with those escapes as \ufffd, NUL-terminated */
    size_t len;
    char *tree_text; /* what cJSON parses; dropped once it has */
    size_t escapes;  /* \u0000 and lone surrogate escapes in the body */
    size_t depth;    /* the deepest nesting of objects and arrays */
    /* set by pm3k__json_scan_attach: */
    pm3k__scan_event *events; /* the first of each kind and place, at most PM3K__SCAN_EVENTS_MAX */
    size_t event_count;
    size_t live_escapes; /* escapes in members JSON.parse keeps */
} pm3k__json_scan;

/* The copies, for a body the grammar found valid. */
pm3k_code pm3k__json_scan_run(const char *body, size_t len, pm3k__json_scan *out);
void pm3k__json_scan_drop_tree_text(pm3k__json_scan *scan);
/* After cJSON built root from tree_text: numbers keep their text in
 * valuestring (when cJSON would print them otherwise), blanked containers
 * become cJSON_Raw nodes, and the escapes are placed. PM3K_ERR_INTERNAL when
 * the tree and the body disagree (a bug). */
pm3k_code pm3k__json_scan_attach(pm3k__json_scan *scan, const char *body, cJSON *root);
void pm3k__json_scan_free(pm3k__json_scan *scan);

/* 1-based line and column (in characters) of a byte offset. */
void pm3k__line_column(const char *body, size_t len, size_t offset, size_t *line, size_t *column);

/* A body with thousands of unknown keys or photo URLs gets this many
 * findings of each of those kinds, and a fact with the total: reports stay
 * readable and memory stays bounded. */
#define PM3K__FINDINGS_PER_KIND_MAX 20

/* Stop words are looked for in the first this many characters of a title
 * (far beyond every title limit), so a huge title cannot make the scan run
 * for minutes against a long word list. */
#define PM3K__STOP_SCAN_MAX_CHARS 65536

/* ---- the body model (body.c) ---- */

typedef enum pm3k__body_kind {
    PM3K__BODY_JSON,     /* root is set */
    PM3K__BODY_INVALID,  /* not JSON: error_offset / reason */
    PM3K__BODY_FORM,     /* x-www-form-urlencoded */
    PM3K__BODY_MULTIPART /* multipart/form-data */
} pm3k__body_kind;

typedef struct pm3k__parsed {
    pm3k__body_kind kind;
    pm3k__json_scan scan;
    cJSON *root;
    size_t error_offset;
    char reason[256];
} pm3k__parsed;

pm3k_code pm3k__payload_parse(const char *body, size_t len, pm3k__parsed *out);
void pm3k__parsed_free(pm3k__parsed *parsed);

/* The value PM3K reads for `key`: the last member of that name
 * (case-sensitive), as JavaScript keeps the last of duplicate keys. */
cJSON *pm3k__last_member(const cJSON *object, const char *key);

/* Duplicate keys of an object, in order of first appearance, and for each
 * member whether it is the last of its name (the one PM3K reads). */
typedef struct pm3k__dup_key {
    const char *key;
    size_t first; /* index of the first member of that name */
    size_t times;
} pm3k__dup_key;

pm3k_code pm3k__object_keys(const cJSON *object, bool **is_last, pm3k__dup_key **dups,
                            size_t *dup_count);

/* Known direct_post fields. */
typedef enum pm3k__field_type {
    PM3K__FT_STRING,
    PM3K__FT_BOOL,   /* optional boolean: a string is a warning */
    PM3K__FT_TOGGLE, /* ad/disclosure boolean: a string is an error */
    PM3K__FT_ARRAY,
    PM3K__FT_INDEX
} pm3k__field_type;

typedef struct pm3k__known_field {
    const char *key;
    pm3k__field_type type;
    const char *canonical; /* legacy alias of this key, or NULL */
} pm3k__known_field;

/* The fields, by index into pm3k__known_fields. */
enum {
    PM3K__F_SOURCE_URL,
    PM3K__F_MEDIA_TYPE,
    PM3K__F_PHOTO_IMAGES,
    PM3K__F_COVER,
    PM3K__F_AUTO_MUSIC,
    PM3K__F_TITLE,
    PM3K__F_PRIVACY,
    PM3K__F_DISABLE_COMMENT,
    PM3K__F_DISABLE_DUET,
    PM3K__F_DISABLE_STITCH,
    PM3K__F_IS_AD,
    PM3K__F_ORGANIC,
    PM3K__F_CONTENT,
    PM3K__F_BRAND,
    PM3K__F_LEGACY_ORGANIC,
    PM3K__F_LEGACY_CONTENT,
    PM3K__F_COUNT
};

extern const pm3k__known_field pm3k__known_fields[PM3K__F_COUNT];

/* The index of a known key (case-sensitive), or -1. */
int pm3k__field_index(const char *key);
const pm3k__known_field *pm3k__known_field_find(const char *key);
/* A known key that `key` was probably meant to be ("Privacy", "sourceUrl",
 * "photo_image"), or NULL. */
const char *pm3k__known_key_suggestion(const char *key);

/* Whitespace as JSON has it, and as C's isspace (caption text, word lists). */
#define PM3K__JSON_SPACE " \t\n\r"
#define PM3K__ASCII_SPACE " \t\n\r\f\v"

/* Narrow s[*b..*e) to leave out the bytes of `spaces` at either end. */
void pm3k__trim(const char *s, const char *spaces, size_t *b, size_t *e);

/* The TikTok level a privacy value means once trimmed: an alias or a level
 * in any case. What the lint's "did you mean" offers and the canonical form
 * writes; NULL when it means none. */
const char *pm3k__privacy_guess(const char *text);

/* "true"/"false"/"1"/"0"/"yes"/"no"/"on"/"off"/"" (trimmed, any case) as the
 * boolean a user meant; false when the text is none of them. */
bool pm3k__string_boolean(const char *text, bool *value);

/* Privacy as a body holds it: exact level name, or alias in any case. */
const char *pm3k__privacy_exact(const char *text, bool *is_alias);

/* cJSON_Print with 2-space indentation instead of tabs (formatted), or
 * cJSON_PrintUnformatted; numbers as they were written (their valuestring),
 * never as cJSON would print their double. */
char *pm3k__json_print(const cJSON *value, bool formatted);

/* ---- caption rules (caption.c) ---- */

typedef struct pm3k__link_match {
    bool found;
    size_t start, end; /* byte span in the title */
    char how[64];      /* for a disguised link: what disguises it */
} pm3k__link_match;

/* The first plain link (http://, https://, www. in any case) and the first
 * link disguised with full-width, look-alike or zero-width characters. */
void pm3k__find_links(const char *s, size_t len, pm3k__link_match *plain,
                      pm3k__link_match *disguised);

/* A printable copy of s[0..len): invisible and control characters as
 * <U+200B>, at most max_chars characters (then "…"). malloc'd. */
char *pm3k__display_text(const char *s, size_t len, size_t max_chars);

/* An unresolved n8n/Make template: contains {{…}}, starts with ={{, or is
 * (trimmed) [object Object], undefined, null or NaN. */
bool pm3k__template_leftover(const char *s, size_t len);

/* The stop words found in the first max_chars characters of s, in file
 * order: calls found(userdata, word) for each distinct word that occurs as a
 * whole word or phrase. */
typedef void (*pm3k__stop_word_fn)(void *userdata, const char *word);
pm3k_code pm3k__stop_words_scan(const pm3k_stop_words *words, const char *s, size_t len,
                                size_t max_chars, pm3k__stop_word_fn found, void *userdata);

/* Simple case folding of one code point (the scripts named in payload.h). */
uint32_t pm3k__fold_case(uint32_t cp);

/* The value of one hex digit, or -1 (payload/scan.c). */
int pm3k__hex_value(unsigned char c);

#endif
