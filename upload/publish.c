/* pm3k — publish: probe -> budget -> upload -> payload -> post -> status,
 * each stage an item, stopping at the first that fails. The history makes
 * it resumable: a file it shows as posted goes straight to its status; one
 * whose post got no answer is never sent again; the same bytes are not
 * uploaded twice (the storage's own check). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hash.h"
#include "pm3k/exit.h"
#include "upload/api_int.h"
#include "upload/storage_int.h"

/* What the stages' items said, as they were emitted. */
typedef struct publish_run {
    const pm3k_publish_options *o;
    pm3k_item_fn emit;
    void *userdata;
    pm3k_item *summary; /* the publish item */
    int exit_code;      /* of the current stage's items */
    bool failed;        /* some item of the stage is fail or error */
    char codes[256];    /* their error codes */
    double stage_start;
} publish_run;

static pm3k_code on_item(void *userdata, const pm3k_item *item)
{
    publish_run *r = userdata;
    int code = pm3k_item_exit_code(item, r->o->strict);
    r->exit_code = pm3k_exit_merge(r->exit_code, code);
    if (code != 0)
        r->failed = true;
    for (size_t i = 0; i < pm3k_item_finding_count(item); i++) {
        const pm3k_finding *f = pm3k_item_finding(item, i);
        size_t n = strlen(r->codes);
        if (pm3k_finding_severity(f) == PM3K_SEV_ERROR && n + 40 < sizeof r->codes)
            snprintf(r->codes + n, sizeof r->codes - n, "%s%s", n ? ", " : "", f->rule->code);
    }
    return r->emit(r->userdata, item);
}

static void stage_begin(publish_run *r)
{
    r->exit_code = 0;
    r->failed = false;
    r->codes[0] = '\0';
    r->stage_start = pm3k__now();
}

/* The stage's time on the publish item (and on its own item, when ours). */
static void stage_end(publish_run *r, const char *stage, pm3k_item *own)
{
    char key[32];
    int64_t ms = (int64_t)((pm3k__now() - r->stage_start) * 1000);
    snprintf(key, sizeof key, "%s_ms", stage);
    pm3k_item_fact_int(r->summary, key, ms);
    if (own) {
        pm3k_item_fact_str(own, "stage", stage);
        pm3k_item_fact_int(own, "stage_ms", ms);
    }
}

/* The stage failed: the publish item says where, with its exit code. */
static pm3k_code stop_at(publish_run *r, const char *stage)
{
    bool transient = r->exit_code == 3;
    pm3k_item_fact_str(r->summary, "stopped_at", stage);
    return pm3k_item_add(
        r->summary, transient ? PM3K_RULE_PUBLISH_STOPPED_TRANSIENT : PM3K_RULE_PUBLISH_STOPPED,
        "stage", stage, "codes", r->codes[0] ? r->codes : "see its item", PM3K_END);
}

static pm3k_code emit_own(publish_run *r, pm3k_item *item)
{
    pm3k_code rc = on_item(r, item);
    pm3k_item_free(item);
    return rc;
}

/* ---- resume ---- */

typedef struct earlier {
    const char *sha256;
    bool found;
    pm3k_history_entry entry;
    char publish_id[64], outcome[16];
    int64_t time;
} earlier;

static pm3k_code find_post(void *userdata, const pm3k_history_entry *e)
{
    earlier *f = userdata;
    if (f->found || strcmp(e->what, "post") != 0 || !e->file_sha256 ||
        strcmp(e->file_sha256, f->sha256) != 0 || !e->outcome ||
        strcmp(e->outcome, "rejected") == 0)
        return PM3K_OK;
    f->found = true;
    f->time = e->time;
    snprintf(f->outcome, sizeof f->outcome, "%s", e->outcome);
    snprintf(f->publish_id, sizeof f->publish_id, "%s", e->publish_id ? e->publish_id : "");
    return PM3K_OK;
}

static pm3k_code earlier_post(pm3k_api *api, const char *path, char *sha256, earlier *f,
                              pm3k_error *err)
{
    FILE *fp = fopen(path, "rb");
    memset(f, 0, sizeof *f);
    sha256[0] = '\0';
    if (!fp)
        return PM3K_OK; /* the probe stage says why */
    pm3k_error why = {0};
    pm3k_code rc = pm3k__sha256_fd(fileno(fp), path, sha256, NULL, &why);
    fclose(fp);
    if (rc != PM3K_OK) {
        sha256[0] = '\0';
        return rc == PM3K_ERR_NOMEM ? pm3k_error_set(err, rc, "out of memory") : PM3K_OK;
    }
    f->sha256 = sha256;
    return pm3k_history_list(api->history, api->account, 0, find_post, f, err);
}

/* ---- the stages ---- */

static pm3k_code probe_stage(publish_run *r, bool *go, pm3k_error *err)
{
    pm3k_item *item = NULL;
    stage_begin(r);
    pm3k_code rc = pm3k_probe_file(&r->o->probe, r->o->path, &item, err);
    if (rc != PM3K_OK)
        return rc;
    stage_end(r, "probe", item);
    if ((rc = emit_own(r, item)) != PM3K_OK)
        return rc;
    *go = !r->failed || r->o->force;
    return *go ? PM3K_OK : stop_at(r, "probe");
}

/* Inside the posting interval (or a cooldown): wait, upload nothing. */
static pm3k_code budget_stage(publish_run *r, pm3k_api *api, bool *go, pm3k_error *err)
{
    pm3k_history_check check;
    int64_t now = (int64_t)time(NULL);
    pm3k_code rc = pm3k_history_next_post(api->history, api->account, now, &check, err);
    if (rc != PM3K_OK)
        return rc;
    *go = check.block == PM3K_BLOCK_NONE || check.allowed_at <= now;
    if (*go)
        return PM3K_OK;
    char when[80], iso[32];
    pm3k__retry_when(check.allowed_at, false, when, sizeof when);
    pm3k_time_iso(check.allowed_at, iso, sizeof iso);
    pm3k_item_fact_str(r->summary, "retry_at", iso);
    pm3k_item_fact_int(r->summary, "wait_s", check.allowed_at - now);
    pm3k_item_fact_str(r->summary, "stopped_at", "budget");
    return pm3k_item_add(r->summary, PM3K_RULE_PUBLISH_WAIT, "code",
                         pm3k_history_block_code(check.block), "retry_when", when, PM3K_END);
}

static pm3k_code upload_stage(publish_run *r, pm3k_storage *storage, pm3k_upload_result *result,
                              bool *go, pm3k_error *err)
{
    stage_begin(r);
    pm3k_item *item = pm3k_item_new(PM3K_KIND_UPLOAD, "upload");
    if (!item)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    pm3k_item_set_input(item, 0);
    pm3k_item_fact_str(item, "stage", "upload");
    pm3k_code rc = pm3k_storage_upload(storage, r->o->path, NULL, item, on_item, r, result, err);
    stage_end(r, "upload", NULL);
    if (rc != PM3K_OK)
        return rc;
    *go = result->stored && result->fetchable && !r->failed;
    return *go ? PM3K_OK : stop_at(r, "upload");
}

static pm3k_code payload_stage(publish_run *r, const char *url, char **body, bool *go,
                               pm3k_error *err)
{
    pm3k_payload_options opt = r->o->payload;
    pm3k_item *item = NULL;
    opt.video_url = url;
    stage_begin(r);
    pm3k_code rc = pm3k_payload_build(&opt, &r->o->lint, body, &item, err);
    if (rc != PM3K_OK)
        return rc;
    stage_end(r, "payload", item);
    if ((rc = emit_own(r, item)) != PM3K_OK)
        return rc;
    *go = *body != NULL && !r->failed;
    return *go ? PM3K_OK : stop_at(r, "payload");
}

static pm3k_code post_stage(publish_run *r, pm3k_api *api, const char *body, const char *sha256,
                            char *publish_id, bool *go, pm3k_error *err)
{
    pm3k_post_options opt = {.path = "post",
                             .body = body,
                             .body_len = strlen(body),
                             .lint = r->o->lint,
                             .file_sha256 = sha256[0] ? sha256 : NULL,
                             .strict = r->o->strict};
    stage_begin(r);
    pm3k_code rc = pm3k_post(api, &opt, on_item, r, publish_id, 64, err);
    stage_end(r, "post", NULL);
    if (rc != PM3K_OK)
        return rc;
    *go = publish_id[0] != '\0';
    return *go ? PM3K_OK : stop_at(r, "post");
}

static pm3k_code status_stage(publish_run *r, pm3k_api *api, const char *publish_id,
                              pm3k_error *err)
{
    pm3k_status_options opt = r->o->status;
    pm3k_item *item = NULL;
    opt.publish_id = publish_id;
    opt.wait = true;
    stage_begin(r);
    pm3k_code rc = pm3k_publish_status(api, &opt, &item, err);
    if (rc != PM3K_OK)
        return rc;
    stage_end(r, "status", item);
    if ((rc = emit_own(r, item)) != PM3K_OK)
        return rc;
    pm3k_item_fact_str(r->summary, "publish_id", publish_id);
    if (r->failed)
        return stop_at(r, "status");
    return pm3k_item_add(r->summary, PM3K_RULE_PUBLISH_DONE, "publish_id", publish_id, PM3K_END);
}

/* A stop (SIGINT/SIGTERM) between stages: nothing more is started. */
static bool stopping(const publish_run *r, pm3k_storage *storage)
{
    const pm3k_storage_options *o = &storage->opt;
    if (!o->stopping || !o->stopping(o->stopping_userdata))
        return false;
    pm3k_item_fact_bool(r->summary, "interrupted", true);
    return true;
}

/* The stages after the resume check. */
static pm3k_code fresh(publish_run *r, pm3k_api *api, pm3k_storage *storage, const char *sha256,
                       pm3k_error *err)
{
    bool go = false;
    char *body = NULL, publish_id[64] = "";
    pm3k_upload_result result;
    pm3k_code rc = probe_stage(r, &go, err);
    if (rc == PM3K_OK && go && (go = !stopping(r, storage)))
        rc = budget_stage(r, api, &go, err);
    if (rc == PM3K_OK && go)
        rc = upload_stage(r, storage, &result, &go, err);
    if (rc == PM3K_OK && go && (go = !stopping(r, storage))) {
        pm3k_item_fact_str(r->summary, "url", result.url);
        rc = payload_stage(r, result.url, &body, &go, err);
    }
    if (rc == PM3K_OK && go && (go = !stopping(r, storage)))
        rc = post_stage(r, api, body, result.sha256[0] ? result.sha256 : sha256, publish_id, &go,
                        err);
    if (rc == PM3K_OK && go)
        rc = status_stage(r, api, publish_id, err);
    free(body);
    return rc;
}

static pm3k_code resumed(publish_run *r, pm3k_api *api, const earlier *f, pm3k_error *err)
{
    char iso[32];
    pm3k_time_iso(f->time, iso, sizeof iso);
    pm3k_item_fact_str(r->summary, "resumed_from", iso);
    if (strcmp(f->outcome, "ok") != 0 || !f->publish_id[0]) {
        pm3k_item_fact_str(r->summary, "stopped_at", "post");
        return pm3k_item_add(r->summary, PM3K_RULE_OUTCOME_UNKNOWN_PUBLISH, "posted_at", iso,
                             PM3K_END);
    }
    pm3k_code rc = pm3k_item_add(r->summary, PM3K_RULE_PUBLISH_RESUMED, "posted_at", iso,
                                 "publish_id", f->publish_id, PM3K_END);
    return rc == PM3K_OK ? status_stage(r, api, f->publish_id, err) : rc;
}

pm3k_code pm3k_publish(pm3k_api *api, pm3k_storage *storage, const pm3k_publish_options *o,
                       pm3k_item_fn emit, void *userdata, pm3k_error *err)
{
    char sha256[PM3K__SHA256_HEX_LEN + 1];
    earlier f;
    publish_run r = {.o = o, .emit = emit, .userdata = userdata};
    double start = pm3k__now();
    if (!(r.summary = pm3k_item_new(PM3K_KIND_PUBLISH, "publish")))
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    pm3k_item_set_input(r.summary, 0);
    pm3k_item_fact_str(r.summary, "file", o->path);
    pm3k_item_fact_str(r.summary, "target", pm3k_storage_target(storage));
    pm3k_code rc = earlier_post(api, o->path, sha256, &f, err);
    if (rc == PM3K_OK)
        rc = f.found ? resumed(&r, api, &f, err) : fresh(&r, api, storage, sha256, err);
    pm3k_item_fact_int(r.summary, "elapsed_ms", (int64_t)((pm3k__now() - start) * 1000));
    if (rc == PM3K_OK)
        rc = emit(userdata, r.summary);
    pm3k_item_free(r.summary);
    return rc;
}
