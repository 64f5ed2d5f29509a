/* pm3k — items read back from their report JSON (docs/report-schema.md):
 * the result cache (probe/cache.c) keeps each item as its report object, and
 * `pm3k report merge` reads the ndjson reports of several shards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/report_int.h"
#include "pm3k/report.h"

static bool kind_parse(const char *name, pm3k_kind *out)
{
    for (int k = PM3K_KIND_VIDEO; k <= PM3K_KIND_FIX; k++)
        if (strcmp(pm3k_kind_name((pm3k_kind)k), name) == 0) {
            *out = (pm3k_kind)k;
            return true;
        }
    return false;
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The row a reported finding came from: its code, what it predicts, the
 * item's kind (or "any"), and its severity unless --ignore made it info. */
static const pm3k_rule *rule_of(const char *code, const char *severity, const char *predicts,
                                bool ignored, pm3k_kind kind)
{
    const pm3k_rule *fallback = NULL;
    for (size_t i = 0; i < pm3k_rule_count(); i++) {
        const pm3k_rule *rule = pm3k_rule_get((pm3k_rule_id)i);
        if (!rule || strcmp(rule->code, code) != 0 || !same_text(rule->predicts, predicts))
            continue;
        if (!ignored && strcmp(pm3k_severity_name(rule->severity), severity) != 0)
            continue;
        if (strcmp(rule->kind, pm3k_kind_name(kind)) == 0)
            return rule;
        if (!fallback)
            fallback = rule;
    }
    return fallback;
}

static pm3k_code bad(pm3k_error *err, const char *what)
{
    return pm3k_error_set(err, PM3K_ERR_PARSE, "not a pm3k report item: %s", what);
}

static pm3k_code add_findings(pm3k_item *item, const cJSON *findings, pm3k_error *err)
{
    const cJSON *f;
    if (!cJSON_IsArray(findings))
        return bad(err, "findings is not an array");
    cJSON_ArrayForEach(f, findings)
    {
        const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "code"));
        const char *sev = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "severity"));
        const char *message = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "message"));
        const char *hint = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "hint"));
        const cJSON *predicts = cJSON_GetObjectItemCaseSensitive(f, "predicts");
        bool ignored = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "ignored"));
        if (!code || !sev || !message || !hint ||
            !(cJSON_IsNull(predicts) || cJSON_IsString(predicts)))
            return bad(err, "a finding lacks code, severity, predicts, message or hint");
        const pm3k_rule *rule =
            rule_of(code, sev, cJSON_GetStringValue(predicts), ignored, pm3k_item_kind(item));
        if (!rule)
            return pm3k_error_set(err, PM3K_ERR_PARSE,
                                  "unknown finding code '%s' (%s): written by another pm3k?", code,
                                  sev);
        if (pm3k__item_add_rendered(item, rule, message, hint, ignored) != PM3K_OK)
            return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    }
    return PM3K_OK;
}

/* The bytes of path_b64 as a string; NULL when they are not base64 or
 * hold a NUL. */
static char *decode_path(const char *b64)
{
    size_t len = strlen(b64);
    if (len == 0 || len % 4 != 0 || len > 1u << 20)
        return NULL;
    unsigned char *out = malloc(len / 4 * 3 + 1);
    if (!out)
        return NULL;
    int n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
    /* EVP_DecodeBlock counts the padding as bytes: take them off. */
    for (size_t pad = len; n > 0 && pad > 0 && b64[pad - 1] == '='; pad--)
        n--;
    if (n < 0 || memchr(out, '\0', (size_t)n)) {
        free(out);
        return NULL;
    }
    out[n] = '\0';
    return (char *)out;
}

pm3k_code pm3k__item_from_cjson(cJSON *obj, const char *path, pm3k_item **out, pm3k_error *err)
{
    pm3k_item *item = NULL;
    char *decoded = NULL;
    pm3k_kind kind;
    pm3k_code rc = PM3K_OK;
    const char *kind_name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "kind"));
    const char *shown = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "path"));
    const char *b64 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "path_b64"));
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(obj, "input");
    cJSON *facts = cJSON_GetObjectItemCaseSensitive(obj, "facts");

    *out = NULL;
    if (!cJSON_IsObject(obj) || !kind_name || !kind_parse(kind_name, &kind) || !shown ||
        !cJSON_IsObject(facts))
        return bad(err, "it lacks path, kind or facts");
    if (!path && b64 && !(path = decoded = decode_path(b64))) {
        rc = bad(err, "path_b64 is not base64 of a path");
        goto out;
    }
    item = pm3k_item_new(kind, path ? path : shown);
    if (!item) {
        rc = pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        goto out;
    }
    pm3k__item_set_facts(item, cJSON_DetachItemViaPointer(obj, facts));
    if (cJSON_IsNumber(input) && input->valuedouble >= 0)
        pm3k_item_set_input(item, (int64_t)input->valuedouble);
    rc = add_findings(item, cJSON_GetObjectItemCaseSensitive(obj, "findings"), err);
out:
    free(decoded);
    if (rc != PM3K_OK) {
        pm3k_item_free(item);
        return rc;
    }
    *out = item;
    return PM3K_OK;
}

static bool get_count(const cJSON *summary, const char *key, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(summary, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0)
        return false;
    *out = (uint64_t)v->valuedouble;
    return true;
}

static pm3k_code read_summary(const cJSON *obj, pm3k_report_line *out, pm3k_error *err)
{
    const cJSON *summary = cJSON_GetObjectItemCaseSensitive(obj, "summary");
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(obj, "schema");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(obj, "error");
    const cJSON *exit_code = cJSON_GetObjectItemCaseSensitive(summary, "exit_code");
    const cJSON *elapsed = cJSON_GetObjectItemCaseSensitive(summary, "elapsed_ms");
    pm3k_summary *s = &out->summary;
    if (!cJSON_IsNumber(schema) || schema->valuedouble != PM3K_REPORT_SCHEMA_VERSION)
        return pm3k_error_set(err, PM3K_ERR_PARSE, "a report of schema %d is needed",
                              PM3K_REPORT_SCHEMA_VERSION);
    if (!get_count(summary, "items", &s->items) || !get_count(summary, "passed", &s->passed) ||
        !get_count(summary, "warned", &s->warned) || !get_count(summary, "failed", &s->failed) ||
        !get_count(summary, "errors", &s->errors) || !get_count(summary, "skipped", &s->skipped) ||
        !cJSON_IsNumber(exit_code) || !cJSON_IsNumber(elapsed))
        return pm3k_error_set(err, PM3K_ERR_PARSE,
                              "the summary lacks a count, exit_code or "
                              "elapsed_ms");
    s->exit_code = exit_code->valueint;
    s->elapsed_ms = (int64_t)elapsed->valuedouble;
    s->interrupted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(summary, "interrupted"));
    out->is_summary = true;
    if (cJSON_IsObject(error)) {
        const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(error, "code"));
        const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(error, "message"));
        snprintf(out->error_code, sizeof out->error_code, "%s", code ? code : "error");
        snprintf(out->error_message, sizeof out->error_message, "%s", msg ? msg : "failed");
    }
    return PM3K_OK;
}

pm3k_code pm3k_report_line_parse(const char *text, size_t len, pm3k_report_line *out,
                                 pm3k_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *obj = cJSON_ParseWithLength(text, len);
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return pm3k_error_set(err, PM3K_ERR_PARSE, "not a JSON object");
    }
    pm3k_code rc = cJSON_GetObjectItemCaseSensitive(obj, "summary")
                       ? read_summary(obj, out, err)
                       : pm3k__item_from_cjson(obj, NULL, &out->item, err);
    cJSON_Delete(obj);
    return rc;
}
