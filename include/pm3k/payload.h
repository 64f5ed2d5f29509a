/* pm3k — direct_post bodies: build them from options, lint them the way
 * PM3K would (JSON.parse semantics), and print their canonical form. */
#ifndef PM3K_PAYLOAD_H
#define PM3K_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "pm3k/error.h"
#include "pm3k/report.h"
#include "pm3k/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest body (or --title-file, or stop-word file) pm3k reads: a
 * direct_post body of 35 photo URLs and a 2,200-character caption is under
 * 20 kB, so 4 MB only stops an endless stdin or a body that embeds media,
 * and keeps the lint's memory in bounds (a body of nothing but numbers costs
 * about 30 bytes of tree per byte). */
#define PM3K_PAYLOAD_MAX_BYTES (4u * 1000u * 1000u)

/* ---- privacy ---- */

/* The TikTok privacy level for `text`: an alias (public, friends, followers,
 * private) or a level name (PUBLIC_TO_EVERYONE, ...), case-insensitive.
 * *canonical points to a static string. PM3K_ERR_INVALID_ARG if unknown. */
pm3k_code pm3k_privacy_parse(const char *text, const char **canonical);

/* ---- stop words (--stop-words FILE) ---- */

/* One word or phrase per line; blank lines and lines starting with '#' are
 * skipped (write "\#ad" for a word that starts with '#'). Matching is
 * case-insensitive (ASCII, Latin, Greek, Cyrillic, Armenian, full-width
 * letters), on whole words, with any run of spaces in a phrase matching any
 * run of spaces in the title. */
typedef struct pm3k_stop_words pm3k_stop_words;

pm3k_code pm3k_stop_words_parse(const char *text, size_t len, pm3k_stop_words **out,
                                pm3k_error *err);
pm3k_code pm3k_stop_words_load(const char *path, pm3k_stop_words **out, pm3k_error *err);
size_t pm3k_stop_words_count(const pm3k_stop_words *words);
void pm3k_stop_words_free(pm3k_stop_words *words);

/* ---- lint ---- */

typedef struct pm3k_payload_lint_options {
    pm3k_limits limits;                /* title lengths, image count */
    const char *path;                  /* the item's path; NULL = "-" */
    const char *domain;                /* --domain: verified custom domain, or NULL */
    const pm3k_stop_words *stop_words; /* --stop-words, or NULL */
} pm3k_payload_lint_options;

/* Free-plan limits, no domain, no stop words, path "-". */
void pm3k_payload_lint_options_init(pm3k_payload_lint_options *opt);

/* Lint body[0..len) (any bytes, NUL included) as PM3K's direct_post would
 * read it. *out_item (kind payload) gets one finding per problem; its status
 * says whether PM3K would take the body. Returns an error only when memory
 * runs out. */
pm3k_code pm3k_payload_lint(const char *body, size_t len, const pm3k_payload_lint_options *opt,
                            pm3k_item **out_item, pm3k_error *err);

/* ---- canonical form ---- */

/* The canonical form of a body (what `payload --check --fix` prints):
 * privacy aliases written as the
 * TikTok level, string booleans made booleans, legacy ad keys renamed,
 * duplicate keys collapsed to the last value, photo_images given as one
 * string made an array, a form-encoded body or a single-object array or a
 * twice-encoded body turned into the object. Nothing the user set is
 * dropped: unknown keys stay. Printed with 2-space indentation, no trailing
 * newline. *out_body is NULL when the body has no canonical form (it holds
 * no JSON object). *out_notes (may be NULL) gets one line per change
 * ("fixed: ..." / "kept: ...", each ending in '\n'), or an empty string.
 * Returns an error only when memory runs out. */
pm3k_code pm3k_payload_canonical(const char *body, size_t len, char **out_body, char **out_notes,
                                 pm3k_error *err);

/* ---- build ---- */

typedef enum pm3k_payload_ad {
    PM3K_AD_NONE = 0,
    PM3K_AD_OWN,    /* --ad own: is_ad + brand_organic_toggle */
    PM3K_AD_BRANDED /* --ad branded: is_ad + brand_content_toggle */
} pm3k_payload_ad;

/* "own" or "branded" (case-insensitive). */
pm3k_code pm3k_payload_ad_parse(const char *text, pm3k_payload_ad *out);

typedef struct pm3k_payload_options {
    const char *video_url; /* video mode: source_url */
    bool photo;            /* photo mode: the URLs below, in order */
    const char *const *photo_urls;
    size_t photo_count;
    int cover_index;     /* photo_cover_index, default 0 */
    bool auto_add_music; /* photo mode only */
    const char *title;   /* NULL: no title field */
    size_t title_len;    /* bytes of title (it may hold anything) */
    const char *privacy; /* alias or level, required */
    bool disable_comment, disable_duet, disable_stitch;
    pm3k_payload_ad ad;
    const char *brand; /* NULL: no brand field */
} pm3k_payload_options;

void pm3k_payload_options_init(pm3k_payload_options *opt);

/* Build the direct_post body with exactly the documented fields, then lint
 * it. *out_json (2-space indented, no trailing newline) is set only when the
 * lint does not fail (warnings allowed); *out_item (may be NULL) gets the
 * lint. Options that cannot make a body (no privacy, an unknown alias, no
 * URL, both modes, a title that is not UTF-8 or holds a NUL) return
 * PM3K_ERR_INVALID_ARG with the message in err. */
pm3k_code pm3k_payload_build(const pm3k_payload_options *opt, const pm3k_payload_lint_options *lint,
                             char **out_json, pm3k_item **out_item, pm3k_error *err);

#ifdef __cplusplus
}
#endif
#endif
