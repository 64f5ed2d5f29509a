/* pm3k — PM3K storage: the one file that knows the storage contract of
 * SPEC.md, so it can follow PM3K when it publishes its endpoint.
 *
 *   PUT $PM3K_UPLOAD_URL (default $PM3K_BASE_URL/api/upload), the raw bytes,
 *   Authorization: Bearer KEY, Content-Type, Content-Length, X-Filename
 *   (and X-Album-Id for the next images of an album), answered by
 *   {"ok":true,"url":"https://files.pm3k.org/uploads/...","size":N[,"album_id":"..."]};
 *   POST /api/album/retain {"album_id":"..."} -> {"ok":true,"retained":true}.
 *
 * Errors are PM3K's usual {"ok":false,"error":CODE,"message":...}, read by
 * upload/api.c's parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/redact.h"
#include "core/url.h"
#include "upload/api_int.h"
#include "upload/storage_int.h"

#define UPLOAD_PATH "/api/upload"
#define RETAIN_PATH "/api/album/retain"

/* An https URL without credentials, query or fragment, with no slash at
 * the end. */
static bool plain_https(const char *text, char *out, size_t out_len)
{
    pm3k__url url = {0};
    pm3k_error why = {0};
    bool ok = strncmp(text, "https://", 8) == 0 && !strpbrk(text, "?#@") &&
              pm3k__url_parse(text, 0, &url, &why) == PM3K_OK;
    pm3k__url_free(&url);
    size_t n = strlen(text);
    while (n > 0 && text[n - 1] == '/')
        n--;
    if (!ok || n + 32 >= out_len)
        return false;
    memcpy(out, text, n);
    out[n] = '\0';
    return true;
}

pm3k_code pm3k__pm3k_setup(pm3k_storage *s, pm3k_error *err)
{
    const char *env_upload = getenv("PM3K_UPLOAD_URL");
    const char *env_base = getenv("PM3K_BASE_URL");
    const char *base = env_base && *env_base ? env_base : PM3K_DEFAULT_BASE_URL;
    const char *upload = s->opt.upload_url           ? s->opt.upload_url
                         : env_upload && *env_upload ? env_upload
                                                     : NULL;
    char root[1000], shown[1100];
    if (!s->opt.key)
        return pm3k_error_set(err, PM3K_ERR_INTERNAL, "PM3K storage needs the API key");
    if (!plain_https(base, root, sizeof root - 40)) {
        pm3k__redact_url(base, shown, sizeof shown);
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "PM3K_BASE_URL '%s' is not an https:// URL without credentials, "
                              "query or fragment",
                              shown);
    }
    snprintf(s->retain_url, sizeof s->retain_url, "%s%s", root, RETAIN_PATH);
    if (upload && !plain_https(upload, s->upload_url, sizeof s->upload_url)) {
        pm3k__redact_url(upload, shown, sizeof shown);
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "PM3K_UPLOAD_URL '%s' is not an https:// URL without credentials, "
                              "query or fragment",
                              shown);
    }
    if (!upload)
        snprintf(s->upload_url, sizeof s->upload_url, "%s%s", root, UPLOAD_PATH);
    s->account = pm3k_api_key_account(s->opt.key);
    /* uploads are per account: another key's URLs are not this one's */
    snprintf(s->target, sizeof s->target, "pm3k:%s", s->account);
    s->secrets[0] = pm3k__api_key_value(s->opt.key);
    s->secret_count = 1;
    return PM3K_OK;
}

/* A string field of PM3K's answer, cut and made safe to show. */
static bool answer_string(const cJSON *json, const char *name, char *out, size_t out_len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(json, name);
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return false;
    pm3k__redact_text(v->valuestring, out, out_len);
    return true;
}

/* A 2xx answer: {"ok":true,"url":"https://...","size":N}. */
static void read_stored(const pm3k__http_response *resp, pm3k_upload_result *result,
                        pm3k__put_outcome *out)
{
    cJSON *json = cJSON_ParseWithLength(resp->body ? resp->body : "", resp->body_len);
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(json, "ok");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(json, "size");
    char url[sizeof result->url];
    if (!cJSON_IsTrue(ok) || !answer_string(json, "url", url, sizeof url) ||
        strncmp(url, "https://", 8) != 0 || strpbrk(url, " \t\r\n")) {
        snprintf(out->attempt.reason, sizeof out->attempt.reason,
                 "PM3K answered HTTP %ld without a stored file's https URL", resp->status);
        goto out;
    }
    snprintf(result->url, sizeof result->url, "%s", url);
    answer_string(json, "album_id", result->album_id, sizeof result->album_id);
    out->stored_size = cJSON_IsNumber(size) ? (int64_t)size->valuedouble : -1;
    out->stored = true;
out:
    cJSON_Delete(json);
}

/* What any answer of PM3K's storage means for out. */
static void read_answer(const pm3k_storage *s, const pm3k__http_response *resp,
                        pm3k_upload_result *result, pm3k__put_outcome *out)
{
    pm3k__answer answer;
    if (out->attempt.verdict == PM3K__HTTP_OK && !out->attempt.stopped) {
        read_stored(resp, result, out);
        return;
    }
    if (out->attempt.verdict != PM3K__HTTP_DEFINITE || resp->status < 400)
        return; /* transient, stopped or a redirect: upload_failed with the reason */
    pm3k__answer_parse(resp->status, resp->body ? resp->body : "", resp->body_len,
                       resp->body_truncated, &answer);
    out->rejected = true;
    char said[sizeof out->said];
    if (answer.kind == PM3K__ANSWER_ERROR)
        pm3k__answer_said(&answer, said, sizeof said);
    else
        snprintf(said, sizeof said, "PM3K answered HTTP %ld (%s)", resp->status,
                 answer.reason[0] ? answer.reason : "no PM3K error body");
    pm3k__redact_known(said, s->secrets, s->secret_count, out->said, sizeof out->said);
}

pm3k_code pm3k__pm3k_put(pm3k_storage *s, pm3k__upload_run *run, int fd, int64_t size,
                         const char *name, const char *album_id, pm3k_upload_result *result,
                         pm3k__put_outcome *out, pm3k_error *err)
{
    char auth[4200], type[128], filename[1100], album[200];
    char encoded[900];
    pm3k__http_response *resp = calloc(1, sizeof *resp);
    if (!resp)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", s->secrets[0]);
    snprintf(type, sizeof type, "Content-Type: %s", pm3k__storage_mime(name));
    /* a header carries no control or non-ASCII byte: the name is encoded */
    if (!pm3k__storage_encode(name, false, encoded, sizeof encoded))
        snprintf(encoded, sizeof encoded, "upload%s", strrchr(name, '.') ? strrchr(name, '.') : "");
    snprintf(filename, sizeof filename, "X-Filename: %s", encoded);
    const char *headers[5] = {auth, type, filename, "Accept: application/json", NULL};
    size_t count = 4;
    if (album_id) {
        snprintf(album, sizeof album, "X-Album-Id: %s", album_id);
        headers[count++] = album;
    }
    pm3k__file_range range = {.fd = fd, .offset = 0, .length = size};
    pm3k__upload_slot slot = {run, 0};
    pm3k__http_request req = {
        .method = PM3K__HTTP_PUT,
        .url = s->upload_url,
        .headers = headers,
        .header_count = count,
        .body = {.read = pm3k__file_range_read,
                 .rewind = pm3k__file_range_rewind,
                 .userdata = &range,
                 .size = size},
        .sink = {.kind = PM3K__HTTP_SINK_MEMORY, .cap = PM3K__STORAGE_ANSWER_MAX},
        .timeout_ms = PM3K__STORAGE_TRANSFER_MS,
        .progress = pm3k__upload_on_progress,
        .progress_userdata = &slot,
        .trace = pm3k__storage_trace(s),
        .trace_userdata = s,
        .secrets = s->secrets,
        .secret_count = s->secret_count,
    };
    pm3k_code rc = pm3k__storage_request(s, s->handle, run, &req, resp, &out->attempt, err);
    if (rc == PM3K_OK)
        read_answer(s, resp, result, out);
    explicit_bzero(auth, sizeof auth);
    pm3k__http_response_reset(resp);
    free(resp);
    return rc;
}

/* ---- album retain ---- */

static void retain_findings(const pm3k_storage *s, const pm3k__http_response *resp,
                            const pm3k__attempt *attempt, const char *album_id, pm3k_item *item)
{
    pm3k_upload_result unused = {0};
    pm3k__put_outcome out = {.attempt = *attempt};
    if (attempt->verdict == PM3K__HTTP_OK) {
        cJSON *json = cJSON_ParseWithLength(resp->body ? resp->body : "", resp->body_len);
        bool retained = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(json, "ok")) &&
                        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(json, "retained"));
        cJSON_Delete(json);
        pm3k_item_fact_bool(item, "retained", retained);
        if (retained)
            pm3k_item_add(item, PM3K_RULE_ALBUM_RETAINED, "album_id", album_id, PM3K_END);
        else
            pm3k_item_add(item, PM3K_RULE_UPLOAD_FAILED, "reason",
                          "PM3K's answer does not say the album is retained", PM3K_END);
        return;
    }
    read_answer(s, resp, &unused, &out);
    pm3k_item_fact_bool(item, "retained", false);
    if (out.rejected)
        pm3k_item_add(item, PM3K_RULE_UPLOAD_REJECTED, "said", out.said, PM3K_END);
    else
        pm3k_item_add(item, PM3K_RULE_UPLOAD_FAILED, "reason", attempt->reason, PM3K_END);
}

pm3k_code pm3k__pm3k_retain(pm3k_storage *s, const char *album_id, pm3k_item *item, pm3k_error *err)
{
    char auth[4200];
    pm3k__attempt attempt;
    cJSON *json = cJSON_CreateObject();
    char *body = json && cJSON_AddStringToObject(json, "album_id", album_id)
                     ? cJSON_PrintUnformatted(json)
                     : NULL;
    cJSON_Delete(json);
    pm3k__http_response *resp = calloc(1, sizeof *resp);
    if (!body || !resp) {
        free(body);
        free(resp);
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    }
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", s->secrets[0]);
    const char *headers[] = {auth, "Content-Type: application/json", "Accept: application/json"};
    pm3k__http_request req = {
        .method = PM3K__HTTP_POST,
        .url = s->retain_url,
        .headers = headers,
        .header_count = 3,
        .body = {.data = body, .len = strlen(body)},
        .sink = {.kind = PM3K__HTTP_SINK_MEMORY, .cap = PM3K__STORAGE_ANSWER_MAX},
        .trace = pm3k__storage_trace(s),
        .trace_userdata = s,
        .secrets = s->secrets,
        .secret_count = s->secret_count,
    };
    pm3k_code rc = pm3k__storage_request(s, s->handle, NULL, &req, resp, &attempt, err);
    if (rc == PM3K_OK) {
        if (attempt.status)
            pm3k_item_fact_int(item, "http_status", attempt.status);
        retain_findings(s, resp, &attempt, album_id, item);
    }
    explicit_bzero(auth, sizeof auth);
    pm3k__http_response_reset(resp);
    free(resp);
    free(body);
    return rc;
}
