/* pm3k — the report model (items, facts, findings, summary) and its writers
 * (text, json, ndjson, junit) as described in docs/report-schema.md. */
#ifndef PM3K_REPORT_H
#define PM3K_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm3k/error.h"
#include "pm3k/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PM3K_REPORT_SCHEMA_VERSION 2

typedef enum pm3k_kind {
    PM3K_KIND_VIDEO,
    PM3K_KIND_IMAGE,
    PM3K_KIND_URL,
    PM3K_KIND_CAROUSEL,
    PM3K_KIND_PAYLOAD,
    PM3K_KIND_DOMAIN,
    PM3K_KIND_UPLOAD,
    PM3K_KIND_POST,
    PM3K_KIND_STATUS,
    PM3K_KIND_PUBLISH,
    PM3K_KIND_FIX
} pm3k_kind;

typedef enum pm3k_status {
    PM3K_STATUS_PASS, /* no finding above info */
    PM3K_STATUS_WARN, /* warnings only */
    PM3K_STATUS_FAIL, /* a definite rule failure: the post would be rejected */
    PM3K_STATUS_ERROR /* could not be checked (transient, or unreadable input) */
} pm3k_status;

const char *pm3k_kind_name(pm3k_kind kind);
const char *pm3k_status_name(pm3k_status status);

/* A finding as reported: code, severity and predicts come from the rule row,
 * message and hint are the row's templates filled in. */
typedef struct pm3k_finding {
    const pm3k_rule *rule;
    char *message;
    char *hint;
    bool ignored; /* --ignore: reported as info, counts for nothing */
} pm3k_finding;

/* The severity a finding counts with: its rule's, or info when ignored. */
pm3k_severity pm3k_finding_severity(const pm3k_finding *finding);

/* One checked thing: a file, a URL, a carousel, a payload, a domain. */
typedef struct pm3k_item pm3k_item;

pm3k_item *pm3k_item_new(pm3k_kind kind, const char *path);
void pm3k_item_free(pm3k_item *item);

const char *pm3k_item_path(const pm3k_item *item);
pm3k_kind pm3k_item_kind(const pm3k_item *item);
void pm3k_item_set_kind(pm3k_item *item, pm3k_kind kind);
pm3k_status pm3k_item_status(const pm3k_item *item);

/* The exit code this item alone calls for (see pm3k/exit.h); with strict,
 * warnings count as failures. */
int pm3k_item_exit_code(const pm3k_item *item, bool strict);

/* The limits the item's checks compare against: templates then read the
 * limit placeholders ({min_side}, {max_video_mb}, ... listed in
 * docs/rules.md) from them. The limits are copied; NULL forgets them. */
void pm3k_item_set_limits(pm3k_item *item, const pm3k_limits *limits);

/* Ends the (name, value) list of pm3k_item_add. */
#define PM3K_END ((const char *)0)

/* Add a finding for `rule`. The variadic part is pairs of strings
 * (name, value) used to fill the templates, ended by PM3K_END. Values not given
 * are taken from the item's limits (pm3k_item_set_limits), then from its
 * facts; a value given always wins. Returns PM3K_ERR_NOMEM on allocation
 * failure (the item then records that it is incomplete). */
pm3k_code pm3k_item_add(pm3k_item *item, pm3k_rule_id rule, ...) __attribute__((sentinel));

/* Mark every finding with this code as ignored (--ignore CODE): it stays in
 * the report as info with "ignored": true. Returns how many were marked. */
size_t pm3k_item_ignore(pm3k_item *item, const char *code);

/* The item's position among the run's inputs (0-based; every file of a
 * folder argument shares the folder's), or -1 when it has none (the
 * carousel item). */
void pm3k_item_set_input(pm3k_item *item, int64_t input);
int64_t pm3k_item_input(const pm3k_item *item);

size_t pm3k_item_finding_count(const pm3k_item *item);
const pm3k_finding *pm3k_item_finding(const pm3k_item *item, size_t index);
/* The first finding with this code, or NULL. */
const pm3k_finding *pm3k_item_find(const pm3k_item *item, const char *code);

/* Facts: what was measured, in the order set. A key set twice keeps the
 * latest value. group != NULL puts the fact in a nested object (e.g. the
 * HTTP headers seen: group "headers"). */
pm3k_code pm3k_item_fact_str(pm3k_item *item, const char *key, const char *value);
pm3k_code pm3k_item_fact_int(pm3k_item *item, const char *key, int64_t value);
pm3k_code pm3k_item_fact_num(pm3k_item *item, const char *key, double value);
pm3k_code pm3k_item_fact_bool(pm3k_item *item, const char *key, bool value);
pm3k_code pm3k_item_fact_null(pm3k_item *item, const char *key);
pm3k_code pm3k_item_fact_group_str(pm3k_item *item, const char *group, const char *key,
                                   const char *value);
bool pm3k_item_has_fact(const pm3k_item *item, const char *key);
/* A fact rendered as text (numbers as printed in reports), or NULL when
 * absent. The caller frees it with free(). */
char *pm3k_item_fact_text(const pm3k_item *item, const char *key);
/* Numeric fact as int64/double; false when absent or not a number. */
bool pm3k_item_fact_get_int(const pm3k_item *item, const char *key, int64_t *out);
bool pm3k_item_fact_get_num(const pm3k_item *item, const char *key, double *out);

/* Run totals. */
typedef struct pm3k_summary {
    uint64_t items, passed, warned, failed, errors;
    uint64_t skipped; /* walked or listed entries that are not media by name and content */
    bool interrupted; /* SIGINT/SIGTERM stopped the run; the report is what was done */
    int64_t elapsed_ms;
    int exit_code; /* merged over items with pm3k_exit_merge */
} pm3k_summary;

void pm3k_summary_init(pm3k_summary *summary);
void pm3k_summary_add(pm3k_summary *summary, const pm3k_item *item, bool strict);

/* One line of an ndjson report read back (docs/report-schema.md), as
 * `pm3k report merge` reads the shards' reports: an item line gives item
 * (the caller frees it), the summary line gives summary and, when the run
 * failed, error_code and error_message. PM3K_ERR_PARSE when the line is
 * neither, is of another schema version, or names an unknown finding. */
typedef struct pm3k_report_line {
    pm3k_item *item;
    bool is_summary;
    pm3k_summary summary;
    char error_code[64];
    char error_message[PM3K_ERROR_MESSAGE_MAX]; /* "" when the run did not fail */
} pm3k_report_line;

pm3k_code pm3k_report_line_parse(const char *text, size_t len, pm3k_report_line *out,
                                 pm3k_error *err);

/* Writers. Output goes through a sink so the library never touches stdout. */
typedef enum pm3k_format {
    PM3K_FORMAT_TEXT,
    PM3K_FORMAT_JSON,
    PM3K_FORMAT_NDJSON,
    PM3K_FORMAT_JUNIT,
    PM3K_FORMAT_GITHUB /* GitHub Actions workflow commands: ::error file=...,title=CODE::... */
} pm3k_format;

pm3k_code pm3k_format_parse(const char *text, pm3k_format *out);

typedef pm3k_code (*pm3k_sink_fn)(void *userdata, const char *data, size_t len);

typedef struct pm3k_writer_options {
    pm3k_format format;
    bool color;          /* text only: ANSI colours for the status word */
    bool quiet;          /* text only: leave out passing items */
    bool verbose;        /* text only: print facts under each item */
    bool strict;         /* junit: warnings become failures */
    const char *command; /* junit suite name, e.g. "probe" */
} pm3k_writer_options;

typedef struct pm3k_writer pm3k_writer;

pm3k_code pm3k_writer_new(const pm3k_writer_options *options, pm3k_sink_fn sink, void *userdata,
                          pm3k_writer **out, pm3k_error *err);
/* Items are written (or, for junit, spooled) as they come, in call order. */
pm3k_code pm3k_writer_item(pm3k_writer *writer, const pm3k_item *item, pm3k_error *err);
pm3k_code pm3k_writer_finish(pm3k_writer *writer, const pm3k_summary *summary, pm3k_error *err);
/* Finish a report whose run itself failed (a bad option, an unreadable
 * config): json and ndjson still end as valid documents, with an "error"
 * object {"code": code, "message": message} beside the summary; text and
 * junit end as pm3k_writer_finish does (the caller says why on stderr). */
pm3k_code pm3k_writer_finish_error(pm3k_writer *writer, const pm3k_summary *summary,
                                   const char *code, const char *message, pm3k_error *err);
void pm3k_writer_free(pm3k_writer *writer);

#ifdef __cplusplus
}
#endif
#endif
