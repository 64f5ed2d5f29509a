/* pm3k — report items: facts, findings filled from the rules table, status,
 * and run totals. */
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/redact.h"
#include "core/report_int.h"
#include "core/rules_int.h"
#include "core/strbuf.h"
#include "core/utf_int.h"
#include "pm3k/exit.h"
#include "pm3k/report.h"

struct pm3k_item {
    pm3k_kind kind;
    char *path;
    cJSON *facts; /* object, in insertion order */
    pm3k_finding *findings;
    size_t finding_count, finding_cap;
    int64_t input;   /* position among the inputs, -1 for none */
    bool incomplete; /* an allocation failed while filling it */
    bool has_limits; /* limits fill the limit placeholders of templates */
    pm3k_limits limits;
};

const char *pm3k_kind_name(pm3k_kind kind)
{
    switch (kind) {
    case PM3K_KIND_VIDEO:
        return "video";
    case PM3K_KIND_IMAGE:
        return "image";
    case PM3K_KIND_URL:
        return "url";
    case PM3K_KIND_CAROUSEL:
        return "carousel";
    case PM3K_KIND_PAYLOAD:
        return "payload";
    case PM3K_KIND_DOMAIN:
        return "domain";
    case PM3K_KIND_UPLOAD:
        return "upload";
    case PM3K_KIND_POST:
        return "post";
    case PM3K_KIND_STATUS:
        return "status";
    case PM3K_KIND_PUBLISH:
        return "publish";
    case PM3K_KIND_FIX:
        return "fix";
    }
    return "video";
}

const char *pm3k_status_name(pm3k_status status)
{
    switch (status) {
    case PM3K_STATUS_PASS:
        return "pass";
    case PM3K_STATUS_WARN:
        return "warn";
    case PM3K_STATUS_FAIL:
        return "fail";
    case PM3K_STATUS_ERROR:
        return "error";
    }
    return "error";
}

pm3k_item *pm3k_item_new(pm3k_kind kind, const char *path)
{
    pm3k_item *item = calloc(1, sizeof *item);
    if (!item)
        return NULL;
    item->kind = kind;
    item->input = -1;
    /* Every item is made here, so no writer or command can show a URL's
     * credentials: a path that looks like a URL is kept redacted (the
     * item's input says which argument it was). */
    if (path && pm3k__redact_looks_like_url(path))
        item->path = pm3k__redact_url_dup(path);
    else
        item->path = strdup(path ? path : "");
    item->facts = cJSON_CreateObject();
    if (!item->path || !item->facts) {
        pm3k_item_free(item);
        return NULL;
    }
    return item;
}

void pm3k_item_free(pm3k_item *item)
{
    if (!item)
        return;
    for (size_t i = 0; i < item->finding_count; i++) {
        free(item->findings[i].message);
        free(item->findings[i].hint);
    }
    free(item->findings);
    cJSON_Delete(item->facts);
    free(item->path);
    free(item);
}

const char *pm3k_item_path(const pm3k_item *item)
{
    return item->path;
}

pm3k_kind pm3k_item_kind(const pm3k_item *item)
{
    return item->kind;
}

void pm3k_item_set_kind(pm3k_item *item, pm3k_kind kind)
{
    item->kind = kind;
}

void pm3k_item_set_input(pm3k_item *item, int64_t input)
{
    item->input = input < 0 ? -1 : input;
}

int64_t pm3k_item_input(const pm3k_item *item)
{
    return item->input;
}

pm3k_severity pm3k_finding_severity(const pm3k_finding *finding)
{
    return finding->ignored ? PM3K_SEV_INFO : finding->rule->severity;
}

size_t pm3k_item_ignore(pm3k_item *item, const char *code)
{
    size_t marked = 0;
    for (size_t i = 0; i < item->finding_count; i++)
        if (strcmp(item->findings[i].rule->code, code) == 0 && !item->findings[i].ignored) {
            item->findings[i].ignored = true;
            marked++;
        }
    return marked;
}

void pm3k_item_set_limits(pm3k_item *item, const pm3k_limits *limits)
{
    item->has_limits = limits != NULL;
    if (limits)
        item->limits = *limits;
}

const cJSON *pm3k__item_facts(const pm3k_item *item)
{
    return item->facts;
}

pm3k_status pm3k_item_status(const pm3k_item *item)
{
    bool warned = false, definite = false, undecided = false;
    for (size_t i = 0; i < item->finding_count; i++) {
        const pm3k_rule *rule = item->findings[i].rule;
        pm3k_severity severity = pm3k_finding_severity(&item->findings[i]);
        if (severity == PM3K_SEV_WARNING)
            warned = true;
        else if (severity == PM3K_SEV_ERROR) {
            if (rule->outcome == PM3K_OUTCOME_DEFINITE)
                definite = true;
            else
                undecided = true;
        }
    }
    /* A definite failure wins: the post would be rejected whatever the
     * undecided check would have found. */
    if (definite)
        return PM3K_STATUS_FAIL;
    if (undecided || item->incomplete)
        return PM3K_STATUS_ERROR;
    return warned ? PM3K_STATUS_WARN : PM3K_STATUS_PASS;
}

int pm3k_item_exit_code(const pm3k_item *item, bool strict)
{
    int code = PM3K_EXIT_OK;
    switch (pm3k_item_status(item)) {
    case PM3K_STATUS_PASS:
        return PM3K_EXIT_OK;
    case PM3K_STATUS_WARN:
        return strict ? PM3K_EXIT_RULE_FAILED : PM3K_EXIT_OK;
    case PM3K_STATUS_FAIL:
        return PM3K_EXIT_RULE_FAILED;
    case PM3K_STATUS_ERROR:
        break;
    }
    if (item->incomplete)
        code = PM3K_EXIT_TRANSIENT;
    for (size_t i = 0; i < item->finding_count; i++) {
        const pm3k_rule *rule = item->findings[i].rule;
        if (pm3k_finding_severity(&item->findings[i]) != PM3K_SEV_ERROR)
            continue;
        if (rule->outcome == PM3K_OUTCOME_INPUT)
            code = pm3k_exit_merge(code, PM3K_EXIT_USAGE);
        else if (rule->outcome == PM3K_OUTCOME_TRANSIENT)
            code = pm3k_exit_merge(code, PM3K_EXIT_TRANSIENT);
    }
    return code;
}

/* ---- facts ---- */

static pm3k_code fact_put(pm3k_item *item, cJSON *parent, const char *key, cJSON *value)
{
    if (!value) {
        item->incomplete = true;
        return PM3K_ERR_NOMEM;
    }
    if (cJSON_GetObjectItemCaseSensitive(parent, key)) {
        cJSON_ReplaceItemInObjectCaseSensitive(parent, key, value);
        return PM3K_OK;
    }
    if (!cJSON_AddItemToObject(parent, key, value)) {
        cJSON_Delete(value);
        item->incomplete = true;
        return PM3K_ERR_NOMEM;
    }
    return PM3K_OK;
}

/* Facts come from files and servers: keep them valid UTF-8 for JSON. */
static cJSON *clean_string(const char *value)
{
    if (!value)
        return cJSON_CreateNull();
    char *clean = pm3k__utf8_sanitize(value, strlen(value));
    cJSON *out = clean ? cJSON_CreateString(clean) : NULL;
    free(clean);
    return out;
}

pm3k_code pm3k_item_fact_str(pm3k_item *item, const char *key, const char *value)
{
    return fact_put(item, item->facts, key, clean_string(value));
}

pm3k_code pm3k_item_fact_int(pm3k_item *item, const char *key, int64_t value)
{
    return fact_put(item, item->facts, key, cJSON_CreateNumber((double)value));
}

pm3k_code pm3k_item_fact_num(pm3k_item *item, const char *key, double value)
{
    /* JSON has no NaN/Infinity: an unmeasurable value is null. */
    if (!isfinite(value))
        return pm3k_item_fact_null(item, key);
    return fact_put(item, item->facts, key, cJSON_CreateNumber(value));
}

pm3k_code pm3k_item_fact_bool(pm3k_item *item, const char *key, bool value)
{
    return fact_put(item, item->facts, key, cJSON_CreateBool(value));
}

pm3k_code pm3k_item_fact_null(pm3k_item *item, const char *key)
{
    return fact_put(item, item->facts, key, cJSON_CreateNull());
}

pm3k_code pm3k_item_fact_group_str(pm3k_item *item, const char *group, const char *key,
                                   const char *value)
{
    cJSON *obj = cJSON_GetObjectItemCaseSensitive(item->facts, group);
    if (!cJSON_IsObject(obj)) {
        pm3k_code rc = fact_put(item, item->facts, group, cJSON_CreateObject());
        if (rc != PM3K_OK)
            return rc;
        obj = cJSON_GetObjectItemCaseSensitive(item->facts, group);
    }
    return fact_put(item, obj, key, clean_string(value));
}

pm3k_code pm3k__item_fact_item(pm3k_item *item, const char *key, const pm3k_item *other)
{
    /* The report object refers to other's facts: a deep copy outlives other. */
    cJSON *json = pm3k__item_to_json(other);
    cJSON *copy = json ? cJSON_Duplicate(json, 1) : NULL;
    cJSON_Delete(json);
    return fact_put(item, item->facts, key, copy);
}

bool pm3k_item_has_fact(const pm3k_item *item, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(item->facts, key) != NULL;
}

/* Numbers are printed as a person reads them: integers without a decimal
 * point, others with up to 3 decimals and no trailing zeros. */
char *pm3k__format_number(double value)
{
    char buf[64];
    if (!isfinite(value))
        return strdup("null");
    if (value == floor(value) && fabs(value) < 1e15)
        snprintf(buf, sizeof buf, "%.0f", value);
    else {
        snprintf(buf, sizeof buf, "%.3f", value);
        char *end = buf + strlen(buf) - 1;
        while (end > buf && *end == '0')
            *end-- = '\0';
        if (*end == '.')
            *end = '\0';
    }
    return strdup(buf);
}

char *pm3k__json_value_text(const cJSON *value)
{
    if (!value)
        return NULL;
    if (cJSON_IsString(value))
        return strdup(value->valuestring);
    if (cJSON_IsNumber(value))
        return pm3k__format_number(value->valuedouble);
    if (cJSON_IsTrue(value))
        return strdup("true");
    if (cJSON_IsFalse(value))
        return strdup("false");
    if (cJSON_IsNull(value))
        return strdup("null");
    return cJSON_PrintUnformatted(value);
}

char *pm3k_item_fact_text(const pm3k_item *item, const char *key)
{
    return pm3k__json_value_text(cJSON_GetObjectItemCaseSensitive(item->facts, key));
}

bool pm3k_item_fact_get_num(const pm3k_item *item, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(item->facts, key);
    if (!cJSON_IsNumber(v))
        return false;
    *out = v->valuedouble;
    return true;
}

bool pm3k_item_fact_get_int(const pm3k_item *item, const char *key, int64_t *out)
{
    double d;
    if (!pm3k_item_fact_get_num(item, key, &d))
        return false;
    *out = (int64_t)d;
    return true;
}

/* ---- limits in templates ---- */

const char *pm3k__format_mb(int64_t bytes, char *buf, size_t buflen)
{
    /* Small limits (--max-size 10kB) still need visible digits. */
    snprintf(buf, buflen, bytes < 1000000 ? "%.3f" : "%.1f", (double)bytes / 1e6);
    return buf;
}

typedef enum limit_format {
    LIMIT_INT,     /* an int field, "%d" */
    LIMIT_NUMBER,  /* a double field, "%g" */
    LIMIT_PERCENT, /* a double fraction as a percentage, "%g" */
    LIMIT_MB,      /* an int64_t byte count in MB (pm3k__format_mb) */
    LIMIT_PLAN     /* the pm3k_plan field, by name */
} limit_format;

/* The placeholders a template may use for the limits in effect (listed in
 * docs/rules.md), each one field of pm3k_limits. Names are unique across
 * rules, so a template says which limit it means ({max_video_mb} and
 * {max_image_mb}, not {max_mb}). */
static const struct {
    const char *name;
    limit_format format;
    size_t offset;
} limit_placeholders[] = {
    {"max_video_mb", LIMIT_MB, offsetof(pm3k_limits, max_video_bytes)},
    {"plan", LIMIT_PLAN, offsetof(pm3k_limits, plan)},
    {"max_duration", LIMIT_NUMBER, offsetof(pm3k_limits, max_duration_s)},
    {"min_fps", LIMIT_NUMBER, offsetof(pm3k_limits, min_fps)},
    {"max_fps", LIMIT_NUMBER, offsetof(pm3k_limits, max_fps)},
    {"min_side", LIMIT_INT, offsetof(pm3k_limits, min_side)},
    {"max_side", LIMIT_INT, offsetof(pm3k_limits, max_side)},
    {"aspect_tolerance_percent", LIMIT_PERCENT, offsetof(pm3k_limits, aspect_tolerance)},
    {"max_image_mb", LIMIT_MB, offsetof(pm3k_limits, max_image_bytes)},
    {"max_image_side", LIMIT_INT, offsetof(pm3k_limits, max_image_side)},
    {"min_images", LIMIT_INT, offsetof(pm3k_limits, min_images)},
    {"max_images", LIMIT_INT, offsetof(pm3k_limits, max_images)},
    {"max_title", LIMIT_INT, offsetof(pm3k_limits, max_title_utf16)},
    {"max_photo_title", LIMIT_INT, offsetof(pm3k_limits, max_photo_title_utf16)},
};

/* The value of a limit placeholder, or NULL when key names none. */
static char *limit_text(const pm3k_limits *limits, const char *key)
{
    char buf[64];
    for (size_t i = 0; i < sizeof limit_placeholders / sizeof limit_placeholders[0]; i++) {
        if (strcmp(key, limit_placeholders[i].name) != 0)
            continue;
        const char *field = (const char *)limits + limit_placeholders[i].offset;
        int whole;
        double number;
        int64_t bytes;
        pm3k_plan plan;
        switch (limit_placeholders[i].format) {
        case LIMIT_INT:
            memcpy(&whole, field, sizeof whole);
            snprintf(buf, sizeof buf, "%d", whole);
            break;
        case LIMIT_NUMBER:
        case LIMIT_PERCENT:
            memcpy(&number, field, sizeof number);
            if (limit_placeholders[i].format == LIMIT_PERCENT)
                number *= 100.0;
            snprintf(buf, sizeof buf, "%g", number);
            break;
        case LIMIT_MB:
            memcpy(&bytes, field, sizeof bytes);
            pm3k__format_mb(bytes, buf, sizeof buf);
            break;
        case LIMIT_PLAN:
            memcpy(&plan, field, sizeof plan);
            snprintf(buf, sizeof buf, "%s", pm3k_plan_name(plan));
            break;
        }
        return strdup(buf);
    }
    return NULL;
}

/* ---- shell-quoted paths: {path_q} and {out_q:SUFFIX} ----
 * A hint is a command to paste: the file's real name goes in quoted for
 * any POSIX shell (zsh and bash's failglob too), and the output beside it
 * as NAME-fixed.SUFFIX, where SUFFIX may carry libvips save options
 * ("jpg[Q=90]"), which must sit inside the quotes. */

static bool shell_safe(const char *s)
{
    return *s &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./+-,:@%=") ==
               strlen(s);
}

static char *shell_quote(const char *s)
{
    pm3k__strbuf out;
    pm3k__strbuf_init(&out);
    /* a name starting with '-' would read as an option */
    const char *prefix = s[0] == '-' ? "./" : "";
    if (shell_safe(s)) {
        pm3k__strbuf_add(&out, prefix);
        pm3k__strbuf_add(&out, s);
        return pm3k__strbuf_detach(&out);
    }
    pm3k__strbuf_add(&out, "'");
    pm3k__strbuf_add(&out, prefix);
    for (const char *p = s; *p; p++)
        pm3k__strbuf_add(&out, *p == '\'' ? "'\\''" : (char[]){*p, '\0'});
    pm3k__strbuf_add(&out, "'");
    return pm3k__strbuf_detach(&out);
}

/* The output a hint writes: beside a local file, or in the current folder
 * for a URL's file, its name with "-fixed." and suffix for the extension. */
static char *output_path(const char *path, const char *suffix)
{
    pm3k__strbuf name;
    pm3k__strbuf_init(&name);
    const char *start = path, *end = path + strlen(path);
    if (strstr(path, "://")) {
        end = path + strcspn(path, "?#");
        const char *slash = end;
        while (slash > path && slash[-1] != '/')
            slash--;
        start = slash;
    }
    const char *base = end;
    while (base > start && base[-1] != '/')
        base--;
    const char *dot = NULL;
    for (const char *p = base + 1; p < end; p++)
        if (*p == '.')
            dot = p;
    const char *stem_end = dot ? dot : end;
    if (stem_end == start)
        pm3k__strbuf_add(&name, "video");
    else
        pm3k__strbuf_addn(&name, start, (size_t)(stem_end - start));
    pm3k__strbuf_add(&name, "-fixed.");
    pm3k__strbuf_add(&name, suffix);
    char *plain = pm3k__strbuf_detach(&name);
    char *quoted = plain ? shell_quote(plain) : NULL;
    free(plain);
    return quoted;
}

/* ---- findings ---- */

/* Look a template name up in the (name, value) pairs, then in the limits,
 * then in the facts. */
static char *template_value(const pm3k_item *item, const char *name, size_t name_len,
                            const char *const *pairs, size_t pair_count)
{
    for (size_t i = 0; i < pair_count; i++) {
        const char *key = pairs[2 * i];
        if (strlen(key) == name_len && memcmp(key, name, name_len) == 0)
            return strdup(pairs[2 * i + 1] ? pairs[2 * i + 1] : "");
    }
    char key[64];
    if (name_len >= sizeof key)
        return NULL;
    memcpy(key, name, name_len);
    key[name_len] = '\0';
    if (item->has_limits) {
        char *value = limit_text(&item->limits, key);
        if (value)
            return value;
    }
    if (strcmp(key, "path") == 0)
        return strdup(item->path);
    if (strcmp(key, "path_q") == 0)
        return shell_quote(item->path);
    if (strncmp(key, "out_q:", 6) == 0)
        return output_path(item->path, key + 6);
    return pm3k_item_fact_text(item, key);
}

char *pm3k__render_template(const pm3k_item *item, const char *tmpl, const char *const *pairs,
                            size_t pair_count)
{
    pm3k__strbuf out;
    pm3k__strbuf_init(&out);
    for (const char *p = tmpl; *p;) {
        const char *close = NULL;
        if (*p == '{')
            close = strchr(p + 1, '}');
        /* Only "{name}" with a plain identifier is a placeholder; other
         * braces (JSON examples in hints) are copied as they are. */
        size_t name_len = close ? (size_t)(close - p - 1) : 0;
        bool output = close && strncmp(p + 1, "out_q:", 6) == 0 && name_len > 6 &&
                      strcspn(p + 1, " \t") >= name_len;
        if (close && close > p + 1 &&
            (output || strspn(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789_") == name_len)) {
            char *value = template_value(item, p + 1, (size_t)(close - p - 1), pairs, pair_count);
            if (value) {
                pm3k__strbuf_add(&out, value);
                free(value);
            } else {
                pm3k__strbuf_addn(&out, p, (size_t)(close - p + 1));
            }
            p = close + 1;
        } else {
            pm3k__strbuf_addn(&out, p, 1);
            p++;
        }
    }
    return pm3k__strbuf_detach(&out);
}

/* Room for one more finding: the next one, zeroed, or NULL when memory
 * ran out (the item then records that it is incomplete). */
static pm3k_finding *next_finding(pm3k_item *item)
{
    if (item->finding_count == item->finding_cap) {
        size_t cap = item->finding_cap ? item->finding_cap * 2 : 4;
        pm3k_finding *grown = realloc(item->findings, cap * sizeof *grown);
        if (!grown) {
            item->incomplete = true;
            return NULL;
        }
        item->findings = grown;
        item->finding_cap = cap;
    }
    pm3k_finding *f = &item->findings[item->finding_count];
    memset(f, 0, sizeof *f);
    return f;
}

pm3k_code pm3k__item_add_rendered(pm3k_item *item, const pm3k_rule *rule, const char *message,
                                  const char *hint, bool ignored)
{
    pm3k_finding *f = next_finding(item);
    if (!f)
        return PM3K_ERR_NOMEM;
    f->rule = rule;
    f->ignored = ignored;
    f->message = strdup(message);
    f->hint = strdup(hint);
    if (!f->message || !f->hint) {
        free(f->message);
        free(f->hint);
        item->incomplete = true;
        return PM3K_ERR_NOMEM;
    }
    item->finding_count++;
    return PM3K_OK;
}

void pm3k__item_set_facts(pm3k_item *item, cJSON *facts)
{
    cJSON_Delete(item->facts);
    item->facts = facts;
}

bool pm3k__item_incomplete(const pm3k_item *item)
{
    return item->incomplete;
}

pm3k_code pm3k__item_add_pairs(pm3k_item *item, pm3k_rule_id rule_id, const char *const *pairs,
                               size_t pair_count)
{
    const pm3k_rule *rule = pm3k_rule_get(rule_id);
    if (!rule)
        return PM3K_ERR_INTERNAL;
    pm3k_finding *f = next_finding(item);
    if (!f)
        return PM3K_ERR_NOMEM;
    f->rule = rule;
    f->message = pm3k__render_template(item, rule->message, pairs, pair_count);
    f->hint = pm3k__render_template(item, rule->hint, pairs, pair_count);
    if (!f->message || !f->hint) {
        free(f->message);
        free(f->hint);
        item->incomplete = true;
        return PM3K_ERR_NOMEM;
    }
    item->finding_count++;
    return PM3K_OK;
}

#define PM3K_MAX_TEMPLATE_PAIRS 16

/* The (name, value) pairs of an argument list up to its PM3K_END, at most
 * PM3K_MAX_TEMPLATE_PAIRS of them. */
static size_t collect_pairs(va_list ap, const char **pairs)
{
    size_t count = 0;
    for (;;) {
        const char *name = va_arg(ap, const char *);
        if (!name)
            break;
        const char *value = va_arg(ap, const char *);
        if (count < PM3K_MAX_TEMPLATE_PAIRS) {
            pairs[2 * count] = name;
            pairs[2 * count + 1] = value;
            count++;
        }
    }
    return count;
}

pm3k_code pm3k_item_add(pm3k_item *item, pm3k_rule_id rule, ...)
{
    const char *pairs[2 * PM3K_MAX_TEMPLATE_PAIRS];
    va_list ap;
    va_start(ap, rule);
    size_t count = collect_pairs(ap, pairs);
    va_end(ap);
    return pm3k__item_add_pairs(item, rule, pairs, count);
}

size_t pm3k_item_finding_count(const pm3k_item *item)
{
    return item->finding_count;
}

const pm3k_finding *pm3k_item_finding(const pm3k_item *item, size_t index)
{
    return index < item->finding_count ? &item->findings[index] : NULL;
}

const pm3k_finding *pm3k_item_find(const pm3k_item *item, const char *code)
{
    for (size_t i = 0; i < item->finding_count; i++)
        if (strcmp(item->findings[i].rule->code, code) == 0)
            return &item->findings[i];
    return NULL;
}

/* ---- summary ---- */

void pm3k_summary_init(pm3k_summary *summary)
{
    memset(summary, 0, sizeof *summary);
    summary->exit_code = PM3K_EXIT_OK;
}

void pm3k_summary_add(pm3k_summary *summary, const pm3k_item *item, bool strict)
{
    summary->items++;
    switch (pm3k_item_status(item)) {
    case PM3K_STATUS_PASS:
        summary->passed++;
        break;
    case PM3K_STATUS_WARN:
        summary->warned++;
        break;
    case PM3K_STATUS_FAIL:
        summary->failed++;
        break;
    case PM3K_STATUS_ERROR:
        summary->errors++;
        break;
    }
    summary->exit_code = pm3k_exit_merge(summary->exit_code, pm3k_item_exit_code(item, strict));
}

pm3k_code pm3k__item_add_fix(pm3k_item *item, pm3k_rule_id rule, pm3k__fix fix, ...)
{
    const char *pairs[2 * (PM3K_MAX_TEMPLATE_PAIRS + 1)];
    va_list ap;
    va_start(ap, fix);
    size_t count = collect_pairs(ap, pairs);
    va_end(ap);
    const char *tmpl = pm3k__rule_fix(fix);
    char *text = pm3k__render_template(item, tmpl ? tmpl : "", pairs, count);
    if (!text) {
        item->incomplete = true;
        return PM3K_ERR_NOMEM;
    }
    pairs[2 * count] = "fix";
    pairs[2 * count + 1] = text;
    pm3k_code rc = pm3k__item_add_pairs(item, rule, pairs, count + 1);
    free(text);
    return rc;
}
