/* pm3k post: lint the body as `pm3k payload --check` does, hold it against
 * the posting history (no request when the history predicts a refusal),
 * send it to direct_post, and record what PM3K answered. A post is never
 * sent twice by pm3k: once a body byte may have reached PM3K, no answer is
 * an unknown outcome, recorded so that the next post of it refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hash.h"
#include "payload/payload_int.h"
#include "upload/api_int.h"

typedef struct post_run {
    pm3k_api *api;
    const pm3k_post_options *opt;
    pm3k_item *item;
    pm3k__parsed parsed;
    const char **photo_urls;
    pm3k_post_record record;
    char body_sha[PM3K__SHA256_HEX_LEN + 1];
    int64_t attempt;
    pm3k__call call;
    double started;
} post_run;

/* ---- what the post is, for the history ---- */

static const char *string_field(const cJSON *root, const char *key)
{
    const cJSON *v = pm3k__last_member(root, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The fields the history holds the post by, as PM3K reads them (the last
 * of duplicate keys); the caption without surrounding whitespace, none
 * when blank (PM3K checks no empty caption). */
static pm3k_code describe(post_run *run, pm3k_error *err)
{
    const pm3k_post_options *opt = run->opt;
    pm3k_code rc = pm3k__payload_parse(opt->body, opt->body_len, &run->parsed);
    const cJSON *root = run->parsed.root;
    if (rc != PM3K_OK ||
        (rc = pm3k__sha256_hex(opt->body, opt->body_len, run->body_sha, err)) != PM3K_OK)
        return rc == PM3K_ERR_NOMEM ? pm3k_error_set(err, rc, "out of memory") : rc;
    pm3k_post_record *r = &run->record;
    r->account = run->api->account;
    r->file_sha256 = opt->file_sha256;
    r->body_sha256 = run->body_sha;
    const char *media_type = string_field(root, "media_type");
    r->photo = media_type && strcmp(media_type, "PHOTO") == 0;
    r->source_url = r->photo ? NULL : string_field(root, "source_url");
    const cJSON *images = r->photo ? pm3k__last_member(root, "photo_images") : NULL;
    int count = cJSON_IsArray(images) ? cJSON_GetArraySize(images) : 0;
    if (count > 0 && !(run->photo_urls = calloc((size_t)count, sizeof *run->photo_urls)))
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    for (const cJSON *c = images ? images->child : NULL; c; c = c->next)
        if (cJSON_IsString(c))
            run->photo_urls[r->photo_count++] = c->valuestring;
    r->photo_urls = run->photo_urls;
    const char *title = string_field(root, "title");
    size_t b = 0, e = title ? strlen(title) : 0;
    if (title)
        pm3k__trim(title, PM3K__ASCII_SPACE, &b, &e);
    r->caption = e > b ? title + b : NULL;
    r->caption_len = e > b ? e - b : 0;
    return PM3K_OK;
}

/* ---- findings ---- */

static void iso(int64_t t, char *out, size_t len)
{
    pm3k_time_iso(t, out, len);
}

/* What the history says about a post it stops, for {said}. */
static void block_said(const pm3k_history_check *c, int64_t now, char *out, size_t len)
{
    char at[32], id[96] = "";
    iso(c->other_time, at, sizeof at);
    if (c->other_publish_id[0])
        snprintf(id, sizeof id, " (publish_id %s)", c->other_publish_id);
    bool from_pm3k = c->source && strcmp(c->source, "pm3k") == 0;
    switch (c->block) {
    case PM3K_BLOCK_INTERVAL:
    case PM3K_BLOCK_DAILY:
    case PM3K_BLOCK_COOLDOWN:
        if (from_pm3k)
            snprintf(out, len, "not sent: PM3K answered %s at %s",
                     c->pm3k_code[0] ? c->pm3k_code : pm3k_history_block_code(c->block), at);
        else if (c->block == PM3K_BLOCK_INTERVAL)
            snprintf(out, len, "not sent: the history holds a post made at %s", at);
        else
            snprintf(out, len,
                     "not sent: the history holds %d posts in 24 hours, the oldest made at %s",
                     c->count, at);
        return;
    case PM3K_BLOCK_VIDEO_DUPLICATE:
        snprintf(out, len, "not sent: the history holds a post of the same video made at %s%s", at,
                 id);
        return;
    case PM3K_BLOCK_CAPTION_DUPLICATE:
        snprintf(out, len, "not sent: the history holds a post with the same caption made at %s%s",
                 at, id);
        return;
    default:
        break;
    }
    if (c->other_outcome == PM3K_POST_SENDING &&
        now - c->other_time < pm3k_budget_get()->sending_stale_s)
        snprintf(out, len,
                 "not sent: another pm3k started sending this post (same video, file or "
                 "caption) at %s and has no answer yet",
                 at);
    else
        snprintf(out, len,
                 "not sent: the attempt of this post (same video, file or caption) at %s got no "
                 "answer%s",
                 at, c->other_publish_id[0] ? id : ", and no publish_id is known");
}

static const pm3k_rule_id block_rules[] = {
    [PM3K_BLOCK_INTERVAL] = PM3K_RULE_INTERVAL_LIMIT,
    [PM3K_BLOCK_DAILY] = PM3K_RULE_DAILY_LIMIT,
    [PM3K_BLOCK_COOLDOWN] = PM3K_RULE_TIKTOK_COOLDOWN,
    [PM3K_BLOCK_VIDEO_DUPLICATE] = PM3K_RULE_VIDEO_DUPLICATE,
    [PM3K_BLOCK_CAPTION_DUPLICATE] = PM3K_RULE_CAPTION_DUPLICATE_ACCOUNT,
    [PM3K_BLOCK_UNKNOWN_OUTCOME] = PM3K_RULE_OUTCOME_UNKNOWN,
};

/* When another post of the account may go (the history counts this one's
 * attempt when its outcome is unknown), for the retry facts. */
static pm3k_code next_post_at(post_run *run, int64_t now, int64_t *at, pm3k_error *err)
{
    pm3k_history_check next;
    pm3k_code rc = pm3k_history_next_post(run->api->history, run->api->account, now, &next, err);
    *at = rc == PM3K_OK && next.block != PM3K_BLOCK_NONE ? next.allowed_at : now;
    return rc;
}

static void add_retry(post_run *run, pm3k_rule_id rule, const char *said, int64_t at, bool latest)
{
    char when[80], at_iso[32];
    pm3k__retry_when(at, latest, when, sizeof when);
    iso(at, at_iso, sizeof at_iso);
    pm3k_item_fact_str(run->item, "retry_at", at_iso);
    pm3k_item_add(run->item, rule, "said", said, "retry_when", when, "base_url",
                  run->api->shown_base_url, PM3K_END);
}

/* The history stops the post: no request is spent. */
static pm3k_code report_block(post_run *run, const pm3k_history_check *c, int64_t now,
                              pm3k_error *err)
{
    char said[512], at[32];
    block_said(c, now, said, sizeof said);
    pm3k_item_fact_bool(run->item, "sent", false);
    pm3k_item_fact_str(run->item, "source", c->source ? c->source : "history");
    pm3k_item_fact_str(run->item, "outcome", "not_sent");
    iso(c->other_time, at, sizeof at);
    pm3k_item_fact_str(run->item, "other_attempt_at", at);
    if (c->other_publish_id[0])
        pm3k_item_fact_str(run->item, "other_publish_id", c->other_publish_id);
    int64_t retry = c->allowed_at;
    if (retry == 0 && c->block == PM3K_BLOCK_UNKNOWN_OUTCOME) {
        pm3k_code rc = next_post_at(run, now, &retry, err);
        if (rc != PM3K_OK)
            return rc;
    }
    if (retry > 0)
        add_retry(run, block_rules[c->block], said, retry, false);
    else
        pm3k_item_add(run->item, block_rules[c->block], "said", said, PM3K_END);
    return PM3K_OK;
}

/* ---- what PM3K answered ---- */

static pm3k_code finish(post_run *run, pm3k_post_outcome outcome, const char *code, pm3k_error *err)
{
    pm3k_post_answer a = {.outcome = outcome,
                          .publish_id =
                              outcome == PM3K_POST_OK ? run->call.answer.publish_id : NULL,
                          .code = code,
                          .http_status = run->call.http_status};
    static const char *const names[] = {"sending", "ok", "rejected", "unknown"};
    pm3k_item_fact_str(run->item, "outcome", names[outcome]);
    return pm3k_history_finish_post(run->api->history, run->attempt, &a, run->call.answered_at,
                                    err);
}

/* The outcome is unknown: recorded so; another post waits for the slot
 * this one may have taken. */
static pm3k_code unknown(post_run *run, const char *said, pm3k_error *err)
{
    int64_t at = 0;
    pm3k_code rc = finish(run, PM3K_POST_UNKNOWN,
                          run->call.answer.code[0] ? run->call.answer.code : NULL, err);
    if (rc == PM3K_OK && (rc = next_post_at(run, run->call.answered_at, &at, err)) == PM3K_OK)
        add_retry(run, PM3K_RULE_OUTCOME_UNKNOWN, said, at, false);
    return rc;
}

/* When posting is allowed again after a limit PM3K answered, and whether
 * that is only the latest it can be (PM3K named no time). */
static pm3k_code limit_deadline(post_run *run, const pm3k__code_info *info, int64_t now,
                                int64_t *at, bool *latest, pm3k_error *err)
{
    const pm3k_budget *b = pm3k_budget_get();
    *latest = false;
    *at = pm3k__answer_deadline(&run->call.answer, now);
    if (*at != PM3K__NO_TIME && *at > now)
        return PM3K_OK;
    *latest = true;
    if (info->cooldown == PM3K_COOLDOWN_DAILY) /* 10 posts an hour apart in 24 hours */
        *at = now + b->day_s - (b->posts_per_day - 1) * b->post_interval_s;
    else if (info->cooldown == PM3K_COOLDOWN_INTERVAL)
        *at = now + b->post_interval_s;
    else
        *at = now + b->tiktok_cooldown_s;
    /* The history may know this limit's own deadline, sooner (a post it
     * holds, a cooldown PM3K gave with its time). */
    static const pm3k_history_block blocks[] = {[PM3K_COOLDOWN_POST] = PM3K_BLOCK_COOLDOWN,
                                                [PM3K_COOLDOWN_INTERVAL] = PM3K_BLOCK_INTERVAL,
                                                [PM3K_COOLDOWN_DAILY] = PM3K_BLOCK_DAILY};
    pm3k_history_check known;
    pm3k_code rc = pm3k_history_next_post(run->api->history, run->api->account, now, &known, err);
    if (rc == PM3K_OK && known.block == blocks[info->cooldown] && known.allowed_at > now &&
        known.allowed_at <= *at) {
        *at = known.allowed_at;
        *latest = false;
    }
    return rc;
}

static pm3k_code answered_error(post_run *run, pm3k_error *err)
{
    const pm3k__answer *a = &run->call.answer;
    const pm3k__code_info *info = pm3k__code_find(a->code);
    char said[512];
    pm3k__answer_said(a, said, sizeof said);
    pm3k__answer_facts(run->item, a);
    /* Only proxy_error says a 5xx did not post (PM3K could not reach its
     * backend); any other 5xx may have come after the post was made. */
    if (a->http_status >= 500 && strcmp(a->code, "proxy_error") != 0)
        return unknown(run, said, err);
    bool passthrough = !info && a->raw_code[0] && strcmp(a->raw_code, a->code) == 0;
    pm3k_rule_id rule = info && info->post_rule != PM3K_RULE__COUNT ? info->post_rule
                        : passthrough ? PM3K_RULE_TIKTOK_PASSTHROUGH_POST
                                      : PM3K_RULE_UNKNOWN_ERROR_POST;
    pm3k_code rc = finish(run, PM3K_POST_REJECTED, a->code, err);
    int64_t now = run->call.answered_at, at = now;
    bool latest = false;
    if (rc == PM3K_OK && info && info->has_cooldown &&
        (rc = limit_deadline(run, info, now, &at, &latest, err)) == PM3K_OK)
        rc = pm3k_history_set_cooldown(run->api->history, run->api->account, info->cooldown, at,
                                       a->code, now, err);
    if (rc == PM3K_OK && !(info && info->has_cooldown))
        rc = next_post_at(run, now, &at, err);
    if (rc != PM3K_OK)
        return rc;
    if (rule == PM3K_RULE_PROXY_ERROR_POST || rule == PM3K_RULE_UNKNOWN_ERROR_POST ||
        (info && info->has_cooldown)) {
        add_retry(run, rule, said, at, latest);
        return PM3K_OK;
    }
    pm3k_item_add(run->item, rule, "said", said, "tiktok_code",
                  a->raw_code[0] ? a->raw_code : a->code, PM3K_END);
    return PM3K_OK;
}

/* No complete answer: nothing went out (network_error), or the body may
 * have reached PM3K (outcome_unknown). */
static pm3k_code unanswered(post_run *run, pm3k_error *err)
{
    char said[768], at[32];
    pm3k__call *c = &run->call;
    if (!c->sent) {
        pm3k_code rc = finish(run, PM3K_POST_REJECTED, "network_error", err);
        pm3k_item_fact_bool(run->item, "sent", false);
        pm3k_item_add(run->item, PM3K_RULE_NETWORK_ERROR_POST, "reason", c->reason, "base_url",
                      run->api->shown_base_url, PM3K_END);
        return rc;
    }
    iso(c->sent_at, at, sizeof at);
    if (c->http_status > 0)
        snprintf(said, sizeof said, "the answer (HTTP %ld) to the body sent at %s broke off: %s",
                 c->http_status, at, c->reason);
    else
        snprintf(said, sizeof said, "no answer came to the body sent at %s: %s", at, c->reason);
    return unknown(run, said, err);
}

static pm3k_code judge(post_run *run, pm3k_error *err)
{
    pm3k__call *c = &run->call;
    const pm3k__answer *a = &c->answer;
    char said[512];
    pm3k_item_fact_bool(run->item, "sent", c->sent);
    pm3k_item_fact_str(run->item, "source", "pm3k");
    pm3k_item_fact_int(run->item, "retries", c->retries);
    if (c->http_status > 0)
        pm3k_item_fact_int(run->item, "http_status", c->http_status);
    if (!c->answered)
        return unanswered(run, err);
    if (a->kind == PM3K__ANSWER_ERROR)
        return answered_error(run, err);
    if (a->kind == PM3K__ANSWER_OK && c->http_status / 100 == 2 && a->publish_id[0]) {
        pm3k_item_fact_str(run->item, "publish_id", a->publish_id);
        pm3k_item_add(run->item, PM3K_RULE_POSTED, "publish_id", a->publish_id, PM3K_END);
        return finish(run, PM3K_POST_OK, NULL, err);
    }
    if (a->kind == PM3K__ANSWER_INVALID && c->http_status >= 300 && c->http_status < 500) {
        char status[16];
        snprintf(status, sizeof status, "%ld", c->http_status);
        pm3k_item_add(run->item, PM3K_RULE_INVALID_ANSWER_POST, "http_status", status, "reason",
                      a->reason, "base_url", run->api->shown_base_url, PM3K_END);
        return finish(run, PM3K_POST_REJECTED, "invalid_answer", err);
    }
    snprintf(said, sizeof said, "PM3K answered %ld with %s", c->http_status,
             a->kind == PM3K__ANSWER_OK ? "\"ok\": true but no valid publish_id" : a->reason);
    return unknown(run, said, err);
}

/* ---- the run ---- */

static pm3k_code send_post(post_run *run, pm3k_error *err)
{
    const pm3k_post_options *opt = run->opt;
    pm3k_history_check check;
    unsigned flags =
        (opt->ignore_history ? PM3K_HISTORY_IGNORE : 0u) | (opt->resend ? PM3K_HISTORY_RESEND : 0u);
    int64_t now = (int64_t)time(NULL);
    char url[1200];
    snprintf(url, sizeof url, "%s/api/tiktok/direct_post", run->api->shown_base_url);
    pm3k_item_fact_str(run->item, "url", url);
    pm3k_code rc = pm3k_history_begin_post(run->api->history, &run->record, now, flags,
                                           &run->attempt, &check, err);
    if (rc != PM3K_OK)
        return rc;
    if (run->attempt == 0)
        return report_block(run, &check, now, err);
    pm3k_item_fact_int(run->item, "attempt", run->attempt);
    rc = pm3k__api_call(run->api, PM3K__ENDPOINT_DIRECT_POST, opt->body, opt->body_len, &run->call,
                        err);
    if (rc != PM3K_OK) {
        /* not sent (a CA that cannot be loaded): the attempt spent nothing */
        pm3k_post_answer a = {.outcome = PM3K_POST_REJECTED, .code = "not_sent"};
        pm3k_error ignored = {0};
        pm3k_history_finish_post(run->api->history, run->attempt, &a, now, &ignored);
        return rc;
    }
    return judge(run, err);
}

/* Lint first, into the post's own item: a body PM3K would refuse is not
 * sent, and the lint's warnings stay beside PM3K's answer. */
static pm3k_code lint(post_run *run, bool *go, pm3k_error *err)
{
    pm3k_payload_lint_options lopt = run->opt->lint;
    lopt.path = run->opt->path;
    pm3k_code rc = pm3k_payload_lint(run->opt->body, run->opt->body_len, &lopt, &run->item, err);
    if (rc != PM3K_OK)
        return rc;
    pm3k_item_set_kind(run->item, PM3K_KIND_POST);
    pm3k_item_set_input(run->item, 0);
    pm3k_status status = pm3k_item_status(run->item);
    *go = status == PM3K_STATUS_PASS || (status == PM3K_STATUS_WARN && !run->opt->strict);
    if (!*go) {
        pm3k_item_fact_bool(run->item, "sent", false);
        pm3k_item_fact_str(run->item, "outcome", "not_sent");
    }
    return PM3K_OK;
}

pm3k_code pm3k_post(pm3k_api *api, const pm3k_post_options *opt, pm3k_item_fn emit, void *userdata,
                    char *publish_id, size_t publish_id_len, pm3k_error *err)
{
    post_run run = {.api = api, .opt = opt, .started = pm3k__now()};
    bool go = false;
    if (publish_id_len)
        publish_id[0] = '\0';
    pm3k_code rc = lint(&run, &go, err);
    if (rc == PM3K_OK && go && (rc = describe(&run, err)) == PM3K_OK)
        rc = send_post(&run, err);
    if (rc != PM3K_OK)
        goto out;
    pm3k_item_fact_int(run.item, "elapsed_ms", (int64_t)((pm3k__now() - run.started) * 1000.0));
    if (run.call.answer.kind == PM3K__ANSWER_OK && pm3k_item_has_fact(run.item, "publish_id"))
        snprintf(publish_id, publish_id_len, "%s", run.call.answer.publish_id);
    rc = emit(userdata, run.item);
out:
    pm3k_item_free(run.item);
    free(run.photo_urls);
    pm3k__parsed_free(&run.parsed);
    return rc;
}
