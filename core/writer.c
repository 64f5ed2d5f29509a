/* pm3k — report writers: text, json, ndjson, junit (docs/report-schema.md).
 *
 * json and ndjson stream: each item is written when it arrives and the
 * summary comes last, so memory stays flat over any number of items. junit
 * needs the totals in its opening tag, so its testcases are spooled to a
 * temporary file and copied out at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/report_int.h"
#include "core/strbuf.h"
#include "core/utf_int.h"
#include "pm3k/pm3k.h"
#include "pm3k/report.h"

struct pm3k_writer {
    pm3k_writer_options opt;
    pm3k_sink_fn sink;
    void *userdata;
    uint64_t written;
    FILE *spool; /* junit testcases */
};

pm3k_code pm3k_format_parse(const char *text, pm3k_format *out)
{
    static const struct {
        const char *name;
        pm3k_format format;
    } names[] = {{"text", PM3K_FORMAT_TEXT},
                 {"json", PM3K_FORMAT_JSON},
                 {"ndjson", PM3K_FORMAT_NDJSON},
                 {"junit", PM3K_FORMAT_JUNIT},
                 {"github", PM3K_FORMAT_GITHUB}};
    for (size_t i = 0; text && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i].name) == 0) {
            *out = names[i].format;
            return PM3K_OK;
        }
    return PM3K_ERR_INVALID_ARG;
}

static pm3k_code emit(pm3k_writer *w, const char *data, size_t len, pm3k_error *err)
{
    pm3k_code rc = w->sink(w->userdata, data, len);
    if (rc != PM3K_OK)
        return pm3k_error_set(err, rc, "cannot write the report");
    return PM3K_OK;
}

static pm3k_code emit_sb(pm3k_writer *w, pm3k__strbuf *sb, pm3k_error *err)
{
    if (sb->failed)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory while writing the report");
    return emit(w, sb->data ? sb->data : "", sb->len, err);
}

/* ---- JSON model ---- */

static cJSON *json_string(const char *s)
{
    char *clean = pm3k__utf8_sanitize(s, strlen(s));
    cJSON *out = clean ? cJSON_CreateString(clean) : NULL;
    free(clean);
    return out;
}

static bool add_string(cJSON *obj, const char *key, const char *value)
{
    cJSON *v = value ? json_string(value) : cJSON_CreateNull();
    if (!v || !cJSON_AddItemToObject(obj, key, v)) {
        cJSON_Delete(v);
        return false;
    }
    return true;
}

/* Standard base64 with padding, for paths that are not UTF-8. */
static char *base64(const char *data, size_t len)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *in = (const unsigned char *)data;
    char *out = malloc(4 * ((len + 2) / 3) + 1), *p = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0) |
                     (i + 2 < len ? in[i + 2] : 0);
        *p++ = digits[v >> 18 & 63];
        *p++ = digits[v >> 12 & 63];
        *p++ = i + 1 < len ? digits[v >> 6 & 63] : '=';
        *p++ = i + 2 < len ? digits[v & 63] : '=';
    }
    *p = '\0';
    return out;
}

/* "path_b64" beside "path" when the path's bytes are not UTF-8 (then "path"
 * shows them as U+FFFD and only this gives them back). */
static bool add_path_b64(cJSON *obj, const char *path)
{
    size_t len = strlen(path);
    if (pm3k_utf8_valid(path, len))
        return true;
    char *encoded = base64(path, len);
    bool ok = encoded && cJSON_AddStringToObject(obj, "path_b64", encoded);
    free(encoded);
    return ok;
}

static bool add_finding(cJSON *findings, const pm3k_finding *f)
{
    cJSON *fo = cJSON_CreateObject();
    bool ok = fo != NULL;
    ok = ok && add_string(fo, "code", f->rule->code);
    ok = ok && add_string(fo, "severity", pm3k_severity_name(pm3k_finding_severity(f)));
    ok = ok && add_string(fo, "predicts", f->rule->predicts);
    ok = ok && add_string(fo, "message", f->message);
    ok = ok && add_string(fo, "hint", f->hint);
    ok = ok && (!f->ignored || cJSON_AddTrueToObject(fo, "ignored"));
    if (!ok) {
        cJSON_Delete(fo);
        return false;
    }
    cJSON_AddItemToArray(findings, fo);
    return true;
}

cJSON *pm3k__item_to_json(const pm3k_item *item)
{
    cJSON *obj = cJSON_CreateObject();
    /* A reference, not a copy: the report of 10,000 items should not clone
     * every item's facts once more just to print them. */
    cJSON *facts = cJSON_CreateObjectReference(pm3k__item_facts(item)->child);
    cJSON *findings = cJSON_CreateArray();
    bool ok = obj && facts && findings;
    int64_t input = pm3k_item_input(item);
    ok = ok && add_string(obj, "path", pm3k_item_path(item));
    ok = ok && add_path_b64(obj, pm3k_item_path(item));
    ok = ok && (input >= 0 ? cJSON_AddNumberToObject(obj, "input", (double)input) != NULL
                           : cJSON_AddNullToObject(obj, "input") != NULL);
    ok = ok && add_string(obj, "kind", pm3k_kind_name(pm3k_item_kind(item)));
    ok = ok && add_string(obj, "status", pm3k_status_name(pm3k_item_status(item)));
    if (ok) {
        cJSON_AddItemToObject(obj, "facts", facts);
        facts = NULL;
    }
    for (size_t i = 0; ok && i < pm3k_item_finding_count(item); i++)
        ok = add_finding(findings, pm3k_item_finding(item, i));
    if (ok) {
        cJSON_AddItemToObject(obj, "findings", findings);
        findings = NULL;
    }
    cJSON_Delete(facts);
    cJSON_Delete(findings);
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static cJSON *summary_to_json(const pm3k_summary *s)
{
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return NULL;
    bool ok = cJSON_AddNumberToObject(obj, "items", (double)s->items) &&
              cJSON_AddNumberToObject(obj, "passed", (double)s->passed) &&
              cJSON_AddNumberToObject(obj, "warned", (double)s->warned) &&
              cJSON_AddNumberToObject(obj, "failed", (double)s->failed) &&
              cJSON_AddNumberToObject(obj, "errors", (double)s->errors) &&
              cJSON_AddNumberToObject(obj, "skipped", (double)s->skipped) &&
              cJSON_AddNumberToObject(obj, "elapsed_ms", (double)s->elapsed_ms) &&
              cJSON_AddNumberToObject(obj, "exit_code", s->exit_code) &&
              cJSON_AddBoolToObject(obj, "interrupted", s->interrupted);
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static pm3k_code emit_json(pm3k_writer *w, const char *prefix, cJSON *value, const char *suffix,
                           pm3k_error *err)
{
    char *text = value ? cJSON_PrintUnformatted(value) : NULL;
    pm3k__strbuf sb;
    pm3k__strbuf_init(&sb);
    pm3k_code rc;
    if (!text) {
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory while writing the report");
        goto out;
    }
    pm3k__strbuf_add(&sb, prefix);
    pm3k__strbuf_add(&sb, text);
    pm3k__strbuf_add(&sb, suffix);
    rc = emit_sb(w, &sb, err);
out:
    free(text);
    pm3k__strbuf_free(&sb);
    return rc;
}

static pm3k_code header_json(pm3k_writer *w, pm3k_error *err)
{
    pm3k__strbuf sb;
    pm3k__strbuf_init(&sb);
    pm3k__strbuf_addf(&sb, "{\"schema\":%d,\"tool\":\"pm3k\",\"version\":\"%s\",\"items\":[",
                      PM3K_REPORT_SCHEMA_VERSION, pm3k_version());
    pm3k_code rc = emit_sb(w, &sb, err);
    pm3k__strbuf_free(&sb);
    return rc;
}

/* ---- text ---- */

static const char *status_label(pm3k_status status)
{
    switch (status) {
    case PM3K_STATUS_PASS:
        return "PASS";
    case PM3K_STATUS_WARN:
        return "WARN";
    case PM3K_STATUS_FAIL:
        return "FAIL";
    case PM3K_STATUS_ERROR:
        return "ERROR";
    }
    return "ERROR";
}

static const char *status_color(pm3k_status status)
{
    switch (status) {
    case PM3K_STATUS_PASS:
        return "\033[32m";
    case PM3K_STATUS_WARN:
        return "\033[33m";
    case PM3K_STATUS_FAIL:
        return "\033[31m";
    case PM3K_STATUS_ERROR:
        return "\033[1;35m";
    }
    return "";
}

/* Text goes to terminals: a file named "a\033[31m.mp4" or "a\nb.mp4" must
 * neither drive the terminal nor break the one-line-per-item layout, so
 * control bytes are shown as C escapes. */
static void add_escaped(pm3k__strbuf *sb, const char *s, bool backslashes)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* In a path or a fact a backslash doubles, so "new\\nline" (a real
         * backslash) and "new\nline" (a newline) never read the same. Hints
         * keep theirs: they are commands to paste. */
        if (*p == '\\' && backslashes) {
            pm3k__strbuf_add(sb, "\\\\");
            continue;
        }
        if (*p >= 0x20 && *p != 0x7F) {
            pm3k__strbuf_addn(sb, (const char *)p, 1);
            continue;
        }
        switch (*p) {
        case '\n':
            pm3k__strbuf_add(sb, "\\n");
            break;
        case '\t':
            pm3k__strbuf_add(sb, "\\t");
            break;
        case '\r':
            pm3k__strbuf_add(sb, "\\r");
            break;
        default:
            pm3k__strbuf_addf(sb, "\\x%02x", *p);
            break;
        }
    }
}

static void add_printable(pm3k__strbuf *sb, const char *s)
{
    add_escaped(sb, s, false);
}

/* A path or a fact value: control bytes and backslashes escaped. */
static void add_printable_path(pm3k__strbuf *sb, const char *s)
{
    add_escaped(sb, s, true);
}

/* Most severe finding first (errors, then warnings, then infos), stable. */
static size_t headline_finding(const pm3k_item *item)
{
    size_t best = 0;
    for (size_t i = 1; i < pm3k_item_finding_count(item); i++)
        if (pm3k_finding_severity(pm3k_item_finding(item, i)) >
            pm3k_finding_severity(pm3k_item_finding(item, best)))
            best = i;
    return best;
}

static void text_finding(pm3k__strbuf *sb, const pm3k_finding *f, bool headline)
{
    if (!headline)
        pm3k__strbuf_addf(sb, "      %s %s — ", pm3k_severity_name(pm3k_finding_severity(f)),
                          f->rule->code);
    add_printable(sb, f->message);
    if (f->rule->predicts && pm3k_finding_severity(f) == PM3K_SEV_ERROR)
        pm3k__strbuf_addf(sb, " [%s]", f->rule->predicts);
    pm3k__strbuf_add(sb, "\n");
    if (f->hint && *f->hint) {
        pm3k__strbuf_add(sb, "      fix: ");
        add_printable(sb, f->hint);
        pm3k__strbuf_add(sb, "\n");
    }
}

static void text_facts(pm3k__strbuf *sb, const pm3k_item *item)
{
    const cJSON *facts = pm3k__item_facts(item);
    const cJSON *fact;
    if (!facts->child)
        return;
    pm3k__strbuf_add(sb, "      facts:");
    cJSON_ArrayForEach(fact, facts)
    {
        char *value = pm3k__json_value_text(fact);
        pm3k__strbuf_addf(sb, " %s=", fact->string);
        add_printable_path(sb, value ? value : "?");
        free(value);
    }
    pm3k__strbuf_add(sb, "\n");
}

static pm3k_code text_item(pm3k_writer *w, const pm3k_item *item, pm3k_error *err)
{
    pm3k_status status = pm3k_item_status(item);
    size_t count = pm3k_item_finding_count(item);
    if (w->opt.quiet && status == PM3K_STATUS_PASS)
        return PM3K_OK;
    pm3k__strbuf sb;
    pm3k__strbuf_init(&sb);
    if (w->opt.color)
        pm3k__strbuf_addf(&sb, "%s%-5s\033[0m ", status_color(status), status_label(status));
    else
        pm3k__strbuf_addf(&sb, "%-5s ", status_label(status));
    add_printable_path(&sb, pm3k_item_path(item));
    if (count == 0) {
        pm3k__strbuf_add(&sb, "\n");
    } else {
        size_t head = headline_finding(item);
        const pm3k_finding *f = pm3k_item_finding(item, head);
        pm3k__strbuf_addf(&sb, ": %s — ", f->rule->code);
        text_finding(&sb, f, true);
        for (size_t i = 0; i < count; i++)
            if (i != head)
                text_finding(&sb, pm3k_item_finding(item, i), false);
    }
    if (w->opt.verbose)
        text_facts(&sb, item);
    pm3k_code rc = emit_sb(w, &sb, err);
    pm3k__strbuf_free(&sb);
    return rc;
}

static pm3k_code text_summary(pm3k_writer *w, const pm3k_summary *s, pm3k_error *err)
{
    pm3k__strbuf sb;
    pm3k__strbuf_init(&sb);
    pm3k__strbuf_addf(&sb, "%llu item%s: %llu passed, %llu warned, %llu failed, %llu error%s",
                      (unsigned long long)s->items, s->items == 1 ? "" : "s",
                      (unsigned long long)s->passed, (unsigned long long)s->warned,
                      (unsigned long long)s->failed, (unsigned long long)s->errors,
                      s->errors == 1 ? "" : "s");
    if (s->skipped)
        pm3k__strbuf_addf(&sb, ", %llu skipped", (unsigned long long)s->skipped);
    pm3k__strbuf_addf(&sb, " (%.2f s)%s\n", (double)s->elapsed_ms / 1000.0,
                      s->interrupted ? ", interrupted" : "");
    pm3k_code rc = emit_sb(w, &sb, err);
    pm3k__strbuf_free(&sb);
    return rc;
}

/* ---- junit ---- */

static void xml_escape(pm3k__strbuf *sb, const char *s)
{
    char *clean = pm3k__utf8_sanitize(s, strlen(s));
    if (!clean) {
        sb->failed = true;
        return;
    }
    for (const char *p = clean; *p; p++) {
        unsigned char c = (unsigned char)*p;
        switch (c) {
        case '&':
            pm3k__strbuf_add(sb, "&amp;");
            break;
        case '<':
            pm3k__strbuf_add(sb, "&lt;");
            break;
        case '>':
            pm3k__strbuf_add(sb, "&gt;");
            break;
        case '"':
            pm3k__strbuf_add(sb, "&quot;");
            break;
        case '\'':
            pm3k__strbuf_add(sb, "&apos;");
            break;
        default:
            /* XML 1.0 has no other control characters. */
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                pm3k__strbuf_add(sb, "\xEF\xBF\xBD");
            else
                pm3k__strbuf_addn(sb, p, 1);
        }
    }
    free(clean);
}

static void junit_findings_text(pm3k__strbuf *sb, const pm3k_item *item, pm3k_severity min)
{
    for (size_t i = 0; i < pm3k_item_finding_count(item); i++) {
        const pm3k_finding *f = pm3k_item_finding(item, i);
        if (pm3k_finding_severity(f) < min)
            continue;
        pm3k__strbuf addl;
        pm3k__strbuf_init(&addl);
        pm3k__strbuf_addf(&addl, "%s %s: %s", pm3k_severity_name(pm3k_finding_severity(f)),
                          f->rule->code, f->message);
        if (f->rule->predicts)
            pm3k__strbuf_addf(&addl, " [%s]", f->rule->predicts);
        pm3k__strbuf_addf(&addl, "\nfix: %s\n", f->hint);
        xml_escape(sb, addl.data ? addl.data : "");
        pm3k__strbuf_free(&addl);
    }
}

static pm3k_code junit_item(pm3k_writer *w, const pm3k_item *item, pm3k_error *err)
{
    pm3k_status status = pm3k_item_status(item);
    pm3k__strbuf sb;
    pm3k__strbuf_init(&sb);
    pm3k__strbuf_add(&sb, "    <testcase classname=\"pm3k.");
    pm3k__strbuf_add(&sb, pm3k_kind_name(pm3k_item_kind(item)));
    pm3k__strbuf_add(&sb, "\" name=\"");
    xml_escape(&sb, pm3k_item_path(item));
    pm3k__strbuf_add(&sb, "\" file=\"");
    xml_escape(&sb, pm3k_item_path(item));
    int64_t elapsed_ms = 0;
    pm3k_item_fact_get_int(item, "elapsed_ms", &elapsed_ms);
    pm3k__strbuf_addf(&sb, "\" time=\"%.3f\">\n", (double)elapsed_ms / 1000.0);
    bool failing = status == PM3K_STATUS_FAIL || (w->opt.strict && status == PM3K_STATUS_WARN);
    if (failing || status == PM3K_STATUS_ERROR) {
        const pm3k_finding *f = pm3k_item_finding(item, headline_finding(item));
        const char *tag = status == PM3K_STATUS_ERROR ? "error" : "failure";
        pm3k__strbuf_addf(&sb, "      <%s type=\"%s\" message=\"", tag, f ? f->rule->code : "");
        xml_escape(&sb, f ? f->message : "");
        pm3k__strbuf_add(&sb, "\">");
        junit_findings_text(&sb, item, PM3K_SEV_WARNING);
        pm3k__strbuf_addf(&sb, "</%s>\n", tag);
    } else if (pm3k_item_finding_count(item) > 0) {
        pm3k__strbuf_add(&sb, "      <system-out>");
        junit_findings_text(&sb, item, PM3K_SEV_INFO);
        pm3k__strbuf_add(&sb, "</system-out>\n");
    }
    pm3k__strbuf_add(&sb, "    </testcase>\n");
    pm3k_code rc = PM3K_OK;
    if (sb.failed)
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory while writing the report");
    else if (fwrite(sb.data, 1, sb.len, w->spool) != sb.len)
        rc = pm3k_error_set(err, PM3K_ERR_IO, "cannot spool the junit report");
    pm3k__strbuf_free(&sb);
    return rc;
}

static pm3k_code junit_finish(pm3k_writer *w, const pm3k_summary *s, pm3k_error *err)
{
    uint64_t failures = s->failed + (w->opt.strict ? s->warned : 0);
    pm3k__strbuf sb;
    pm3k__strbuf_init(&sb);
    const char *command = w->opt.command ? w->opt.command : "probe";
    pm3k__strbuf_add(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    pm3k__strbuf_addf(&sb,
                      "<testsuites name=\"pm3k\" tests=\"%llu\" failures=\"%llu\" "
                      "errors=\"%llu\" time=\"%.3f\">\n",
                      (unsigned long long)s->items, (unsigned long long)failures,
                      (unsigned long long)s->errors, (double)s->elapsed_ms / 1000.0);
    pm3k__strbuf_addf(&sb,
                      "  <testsuite name=\"pm3k %s\" tests=\"%llu\" failures=\"%llu\" "
                      "errors=\"%llu\" skipped=\"0\" time=\"%.3f\">\n",
                      command, (unsigned long long)s->items, (unsigned long long)failures,
                      (unsigned long long)s->errors, (double)s->elapsed_ms / 1000.0);
    pm3k_code rc = emit_sb(w, &sb, err);
    pm3k__strbuf_free(&sb);
    if (rc != PM3K_OK)
        return rc;
    rewind(w->spool);
    char buf[16384];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, w->spool)) > 0)
        if ((rc = emit(w, buf, n, err)) != PM3K_OK)
            return rc;
    if (ferror(w->spool))
        return pm3k_error_set(err, PM3K_ERR_IO, "cannot read back the junit spool");
    static const char tail[] = "  </testsuite>\n</testsuites>\n";
    return emit(w, tail, sizeof tail - 1, err);
}

/* ---- github ----
 * GitHub Actions workflow commands, one line each: a finding is
 * "::error file=PATH,title=CODE::MESSAGE" (warnings "::warning"), the
 * summary a "::notice". GitHub reads %, CR and LF as escapes in the
 * message, and ':' and ',' too in the properties. */

static void github_escape(pm3k__strbuf *sb, const char *s, bool property)
{
    char *clean = pm3k__utf8_sanitize(s, strlen(s));
    if (!clean) {
        sb->failed = true;
        return;
    }
    for (const char *p = clean; *p; p++) {
        if (*p == '%')
            pm3k__strbuf_add(sb, "%25");
        else if (*p == '\r')
            pm3k__strbuf_add(sb, "%0D");
        else if (*p == '\n')
            pm3k__strbuf_add(sb, "%0A");
        else if (property && *p == ':')
            pm3k__strbuf_add(sb, "%3A");
        else if (property && *p == ',')
            pm3k__strbuf_add(sb, "%2C");
        else
            pm3k__strbuf_addn(sb, p, 1);
    }
    free(clean);
}

static void github_finding(pm3k__strbuf *sb, const pm3k_item *item, const pm3k_finding *f,
                           const char *command)
{
    const char *path = pm3k_item_path(item);
    bool is_url = strstr(path, "://") != NULL;
    pm3k__strbuf_add(sb, command);
    pm3k__strbuf_add(sb, " ");
    if (!is_url) {
        pm3k__strbuf_add(sb, "file=");
        github_escape(sb, path, true);
        pm3k__strbuf_add(sb, ",");
    }
    pm3k__strbuf_add(sb, "title=");
    github_escape(sb, f->rule->code, true);
    pm3k__strbuf_add(sb, "::");
    if (is_url) {
        github_escape(sb, path, false);
        pm3k__strbuf_add(sb, ": ");
    }
    github_escape(sb, f->message, false);
    if (f->rule->predicts) {
        pm3k__strbuf_add(sb, " [");
        github_escape(sb, f->rule->predicts, false);
        pm3k__strbuf_add(sb, "]");
    }
    if (f->hint && *f->hint) {
        pm3k__strbuf_add(sb, "%0Afix: ");
        github_escape(sb, f->hint, false);
    }
    pm3k__strbuf_add(sb, "\n");
}

static pm3k_code github_item(pm3k_writer *w, const pm3k_item *item, pm3k_error *err)
{
    pm3k__strbuf sb;
    pm3k__strbuf_init(&sb);
    for (size_t i = 0; i < pm3k_item_finding_count(item); i++) {
        const pm3k_finding *f = pm3k_item_finding(item, i);
        pm3k_severity sev = pm3k_finding_severity(f);
        if (sev == PM3K_SEV_ERROR)
            github_finding(&sb, item, f, "::error");
        else if (sev == PM3K_SEV_WARNING)
            github_finding(&sb, item, f, w->opt.strict ? "::error" : "::warning");
    }
    pm3k_code rc = emit_sb(w, &sb, err);
    pm3k__strbuf_free(&sb);
    return rc;
}

static pm3k_code github_summary(pm3k_writer *w, const pm3k_summary *s, const char *run_error,
                                pm3k_error *err)
{
    pm3k__strbuf sb, text;
    pm3k__strbuf_init(&sb);
    pm3k__strbuf_init(&text);
    pm3k__strbuf_addf(&text, "%llu item%s: %llu passed, %llu warned, %llu failed, %llu error%s",
                      (unsigned long long)s->items, s->items == 1 ? "" : "s",
                      (unsigned long long)s->passed, (unsigned long long)s->warned,
                      (unsigned long long)s->failed, (unsigned long long)s->errors,
                      s->errors == 1 ? "" : "s");
    if (s->skipped)
        pm3k__strbuf_addf(&text, ", %llu skipped", (unsigned long long)s->skipped);
    if (s->interrupted)
        pm3k__strbuf_add(&text, ", interrupted");
    if (run_error) {
        pm3k__strbuf_add(&sb, "::error title=pm3k::");
        github_escape(&sb, run_error, false);
        pm3k__strbuf_add(&sb, "\n");
    }
    pm3k__strbuf_addf(&sb, "::notice title=pm3k %s::", w->opt.command ? w->opt.command : "probe");
    github_escape(&sb, text.data ? text.data : "", false);
    pm3k__strbuf_add(&sb, "\n");
    sb.failed = sb.failed || text.failed;
    pm3k_code rc = emit_sb(w, &sb, err);
    pm3k__strbuf_free(&sb);
    pm3k__strbuf_free(&text);
    return rc;
}

/* ---- dispatch ---- */

pm3k_code pm3k_writer_new(const pm3k_writer_options *options, pm3k_sink_fn sink, void *userdata,
                          pm3k_writer **out, pm3k_error *err)
{
    pm3k_writer *w = calloc(1, sizeof *w);
    if (!w)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    w->opt = *options;
    w->sink = sink;
    w->userdata = userdata;
    if (w->opt.format == PM3K_FORMAT_JUNIT) {
        w->spool = tmpfile();
        if (!w->spool) {
            free(w);
            return pm3k_error_set(err, PM3K_ERR_IO, "cannot create a temporary file for junit");
        }
    }
    *out = w;
    return PM3K_OK;
}

pm3k_code pm3k_writer_item(pm3k_writer *w, const pm3k_item *item, pm3k_error *err)
{
    pm3k_code rc = PM3K_OK;
    switch (w->opt.format) {
    case PM3K_FORMAT_TEXT:
        rc = text_item(w, item, err);
        break;
    case PM3K_FORMAT_JUNIT:
        rc = junit_item(w, item, err);
        break;
    case PM3K_FORMAT_GITHUB:
        rc = github_item(w, item, err);
        break;
    case PM3K_FORMAT_JSON:
    case PM3K_FORMAT_NDJSON: {
        if (w->opt.format == PM3K_FORMAT_JSON && w->written == 0)
            rc = header_json(w, err);
        if (rc != PM3K_OK)
            break;
        cJSON *obj = pm3k__item_to_json(item);
        const char *prefix = w->opt.format == PM3K_FORMAT_JSON && w->written ? ",\n" : "";
        const char *prefix_first = w->opt.format == PM3K_FORMAT_JSON ? "\n" : "";
        rc = emit_json(w, w->written ? prefix : prefix_first, obj,
                       w->opt.format == PM3K_FORMAT_NDJSON ? "\n" : "", err);
        cJSON_Delete(obj);
        break;
    }
    }
    if (rc == PM3K_OK)
        w->written++;
    return rc;
}

/* The run's own failure, for json and ndjson; NULL when there is none. */
static cJSON *error_to_json(const char *code, const char *message)
{
    cJSON *obj = cJSON_CreateObject();
    if (obj && add_string(obj, "code", code) && add_string(obj, "message", message))
        return obj;
    cJSON_Delete(obj);
    return NULL;
}

static pm3k_code finish(pm3k_writer *w, const pm3k_summary *summary, cJSON *run_error,
                        const char *run_message, pm3k_error *err)
{
    pm3k_code rc = PM3K_OK;
    cJSON *sum = NULL, *line = NULL;
    switch (w->opt.format) {
    case PM3K_FORMAT_GITHUB:
        rc = github_summary(w, summary, run_message, err);
        break;
    case PM3K_FORMAT_TEXT:
        rc = text_summary(w, summary, err);
        break;
    case PM3K_FORMAT_JUNIT:
        rc = junit_finish(w, summary, err);
        break;
    case PM3K_FORMAT_JSON:
        if (w->written == 0 && (rc = header_json(w, err)) != PM3K_OK)
            break;
        sum = summary_to_json(summary);
        if (run_error) {
            char *text = cJSON_PrintUnformatted(run_error);
            pm3k__strbuf tail;
            pm3k__strbuf_init(&tail);
            pm3k__strbuf_add(&tail, ",\"error\":");
            pm3k__strbuf_add(&tail, text ? text : "null");
            pm3k__strbuf_add(&tail, "}\n");
            rc = text && !tail.failed ? emit_json(w, "\n],\"summary\":", sum, tail.data, err)
                                      : pm3k_error_set(err, PM3K_ERR_NOMEM,
                                                       "out of memory while writing the report");
            free(text);
            pm3k__strbuf_free(&tail);
            break;
        }
        rc = emit_json(w, "\n],\"summary\":", sum, "}\n", err);
        break;
    case PM3K_FORMAT_NDJSON:
        line = cJSON_CreateObject();
        sum = summary_to_json(summary);
        if (!line || !sum || !cJSON_AddNumberToObject(line, "schema", PM3K_REPORT_SCHEMA_VERSION) ||
            !cJSON_AddStringToObject(line, "tool", "pm3k") ||
            !cJSON_AddStringToObject(line, "version", pm3k_version())) {
            rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory while writing the report");
            break;
        }
        cJSON_AddItemToObject(line, "summary", sum);
        sum = NULL;
        if (run_error) {
            cJSON_AddItemToObject(line, "error", run_error);
            run_error = NULL;
        }
        rc = emit_json(w, "", line, "\n", err);
        break;
    }
    cJSON_Delete(sum);
    cJSON_Delete(line);
    cJSON_Delete(run_error);
    return rc;
}

pm3k_code pm3k_writer_finish(pm3k_writer *w, const pm3k_summary *summary, pm3k_error *err)
{
    return finish(w, summary, NULL, NULL, err);
}

pm3k_code pm3k_writer_finish_error(pm3k_writer *w, const pm3k_summary *summary, const char *code,
                                   const char *message, pm3k_error *err)
{
    cJSON *run_error = NULL;
    if (w->opt.format == PM3K_FORMAT_JSON || w->opt.format == PM3K_FORMAT_NDJSON) {
        run_error = error_to_json(code, message);
        if (!run_error)
            return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory while writing the report");
    }
    return finish(w, summary, run_error, message, err);
}

void pm3k_writer_free(pm3k_writer *w)
{
    if (!w)
        return;
    if (w->spool)
        fclose(w->spool);
    free(w);
}
