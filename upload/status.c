/* pm3k status: one status call, or a --wait loop on a back-off schedule
 * with jitter that keeps within the account's budget (20 calls a minute,
 * 40 an hour, counted in the history across every pm3k process) and honours
 * every deadline PM3K gives. Status calls are safe to repeat, so network
 * failures, 5xx and proxy_error are retried, each one a call of the budget. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "upload/api_int.h"

/* The waits of a --wait loop, in seconds, before jitter: a publish usually
 * takes tens of seconds to minutes, so the first checks come every 10 s and
 * the later ones slow down to one every 5 minutes. With post --wait a
 * publish done after 1 minute costs 6 calls, after 5 minutes 12, and a
 * full 15-minute wait 15 (README.md). */
static const double schedule[] = {10, 10, 10, 15, 15, 20, 30, 30, 60, 60, 120, 120, 300};
/* Waits between the retries of a single call (no --wait). */
static const double single_retry_waits[] = {1, 3};
#define SINGLE_RETRIES 2
/* A wait shorter than this is not worth a call at the deadline. */
#define LAST_CALL_MIN_S 5.0
/* While a status cooldown holds, the history is read this often: a new
 * successful post (from any process) ends it early. */
#define COOLDOWN_RECHECK_S 30.0

double pm3k_status_backoff(int call)
{
    int last = (int)(sizeof schedule / sizeof schedule[0]) - 1;
    return schedule[call < 0 ? 0 : call > last ? last : call];
}

/* ---- TikTok's fail_reason values (TIKTOK-FACTS.md) ---- */

static const struct {
    const char *reason, *meaning, *hint;
} fail_reasons[] = {
    {"file_format_check_failed", "TikTok could not use the file's format (container or codec)",
     "pm3k probe FILE checks the container (MP4/MOV) and the codec (H.264/H.265)"},
    {"duration_check_failed", "the video is longer than the creator may post",
     "trim it; pm3k probe --max-duration SEC checks the creator's limit"},
    {"frame_rate_check_failed", "the frame rate is outside 23..60 fps",
     "re-encode at 24 to 60 fps; pm3k probe checks it"},
    {"picture_size_check_failed", "a side of the picture is outside 360..4096 px",
     "scale it; pm3k probe checks the coded picture size"},
    {"internal", "TikTok had an internal error", "post again later"},
    {"video_pull_failed", "TikTok could not download the video from its URL",
     "the URL must stay reachable for up to an hour after the post; pm3k probe URL checks it"},
    {"photo_pull_failed", "TikTok could not download a photo from its URL",
     "the URLs must stay reachable for up to an hour after the post; pm3k probe URL checks them"},
    {"publish_cancelled", "the publish was cancelled", "post again if that was not on purpose"},
    {"auth_removed", "the creator revoked the app's access to the TikTok account",
     "reconnect TikTok in the PM3K dashboard"},
    {"spam_risk_too_many_posts", "TikTok flags the account for posting too often",
     "post less often: TikTok allows about 15 posts a day across all apps"},
    {"spam_risk_user_banned_from_posting", "the account is banned from posting",
     "check the account in the TikTok app"},
    {"spam_risk_text", "TikTok flags the caption as spam", "reword the caption"},
    {"spam_risk", "TikTok flags the post as a spam risk", "change the content, or post later"},
};

static int fail_reason_index(const char *reason)
{
    for (size_t i = 0; reason && i < sizeof fail_reasons / sizeof fail_reasons[0]; i++)
        if (strcmp(fail_reasons[i].reason, reason) == 0)
            return (int)i;
    return -1;
}

const char *pm3k_fail_reason_meaning(const char *reason)
{
    int i = fail_reason_index(reason);
    return i < 0 ? NULL : fail_reasons[i].meaning;
}

const char *pm3k_fail_reason_hint(const char *reason)
{
    int i = fail_reason_index(reason);
    return i < 0 ? NULL : fail_reasons[i].hint;
}

/* ---- the loop ---- */

typedef enum verdict {
    V_DONE,      /* done or failed: the item is complete */
    V_DEFINITE,  /* a definite error */
    V_PENDING,   /* not done yet (pending, or a state pm3k does not know) */
    V_LIMIT,     /* a limit PM3K answered: wait until limit_at */
    V_TRANSIENT, /* could not tell now: try again */
} verdict;

typedef struct poll {
    pm3k_api *api;
    const pm3k_status_options *opt;
    pm3k_item *item;
    char body[128];
    int calls, retries, step;
    double start, deadline, next_at;
    pm3k__call call;
    verdict last;
    int64_t limit_at;
    pm3k_history_check block; /* the last block of the history */
    bool blocked;
    bool recheck; /* waiting out a status cooldown: read the history as it goes */
    bool stopped; /* told to stop (a signal) while it waited */
    unsigned rng;
} poll;

static double jitter(poll *p, double seconds)
{
    p->rng = p->rng * 1103515245u + 12345u;
    double u = (double)((p->rng >> 8) & 0xffff) / 65535.0;
    return seconds * (0.8 + 0.4 * u);
}

static void progress(poll *p, const char *waiting)
{
    if (!p->api->progress)
        return;
    pm3k_status_progress pr = {.calls = p->calls,
                               .state = p->call.answer.has_state ? p->call.answer.state : NULL,
                               .waiting = waiting,
                               .next_call_at = (int64_t)ceil(p->next_at)};
    p->api->progress(p->api->progress_userdata, &pr);
}

static void format_wait(double seconds, char *out, size_t len)
{
    long s = lround(seconds < 0 ? 0 : seconds);
    if (s < 120)
        snprintf(out, len, "%ld s", s);
    else
        snprintf(out, len, "%ld min %02ld s", s / 60, s % 60);
}

static void set_retry_at(poll *p, int64_t at, char *when, size_t when_len)
{
    char iso[32];
    pm3k_time_iso(at, iso, sizeof iso);
    pm3k_item_fact_str(p->item, "retry_at", iso);
    pm3k__retry_when(at, false, when, when_len);
}

/* The finding of the last answer that stopped the loop. */
static void answer_finding(poll *p)
{
    const pm3k__answer *a = &p->call.answer;
    const pm3k__code_info *info = pm3k__code_find(a->code);
    char said[512], when[80] = "", status[16];
    pm3k__answer_said(a, said, sizeof said);
    snprintf(status, sizeof status, "%ld", p->call.http_status);
    if (p->last == V_LIMIT || p->last == V_TRANSIENT)
        set_retry_at(p, p->last == V_LIMIT ? p->limit_at : (int64_t)ceil(p->next_at), when,
                     sizeof when);
    if (!p->call.answered) {
        pm3k_item_add(p->item, PM3K_RULE_NETWORK_ERROR_STATUS, "reason", p->call.reason, "base_url",
                      p->api->shown_base_url, PM3K_END);
        return;
    }
    if (a->kind == PM3K__ANSWER_INVALID || (a->kind == PM3K__ANSWER_OK && !a->has_state)) {
        pm3k_rule_id rule = a->kind == PM3K__ANSWER_INVALID && p->call.http_status >= 500
                                ? PM3K_RULE_SERVER_ERROR
                                : PM3K_RULE_INVALID_ANSWER_STATUS;
        pm3k_item_add(p->item, rule, "http_status", status, "reason",
                      a->kind == PM3K__ANSWER_OK ? "\"ok\": true without a state" : a->reason,
                      "base_url", p->api->shown_base_url, PM3K_END);
        return;
    }
    bool passthrough = !info && a->raw_code[0] && strcmp(a->raw_code, a->code) == 0;
    pm3k_rule_id rule = info && info->status_rule != PM3K_RULE__COUNT ? info->status_rule
                        : passthrough ? PM3K_RULE_TIKTOK_PASSTHROUGH_STATUS
                                      : PM3K_RULE_UNKNOWN_ERROR_STATUS;
    pm3k_item_add(p->item, rule, "said", said, "retry_when", when, "tiktok_code",
                  a->raw_code[0] ? a->raw_code : a->code, PM3K_END);
}

/* What the history's block says, for {said}. */
static void block_finding(poll *p)
{
    const pm3k_history_check *c = &p->block;
    char said[256], when[80], at[32];
    static const pm3k_rule_id rules[] = {[PM3K_BLOCK_STATUS_MINUTE] = PM3K_RULE_RATE_LIMIT_STATUS,
                                         [PM3K_BLOCK_STATUS_HOUR] = PM3K_RULE_HOURLY_LIMIT_STATUS,
                                         [PM3K_BLOCK_STATUS_COOLDOWN] = PM3K_RULE_STATUS_COOLDOWN};
    pm3k_time_iso(c->other_time, at, sizeof at);
    if (c->source && strcmp(c->source, "pm3k") == 0)
        snprintf(said, sizeof said, "not sent: PM3K answered %s at %s",
                 pm3k_history_block_code(c->block), at);
    else
        snprintf(said, sizeof said,
                 "not sent: the history counts %d status calls of this account in the last %s",
                 c->count, c->block == PM3K_BLOCK_STATUS_MINUTE ? "minute" : "hour");
    set_retry_at(p, c->allowed_at, when, sizeof when);
    pm3k_item_fact_str(p->item, "source", c->source ? c->source : "history");
    pm3k_item_add(p->item, rules[c->block], "said", said, "retry_when", when, PM3K_END);
}

/* Still pending: the next safe call is the later of the schedule's and
 * the budget's. */
static pm3k_code pending_finding(poll *p, pm3k_error *err)
{
    pm3k_history_check next;
    char when[80], waited[32], calls[16];
    pm3k_code rc = pm3k_history_next_status(p->api->history, p->api->account,
                                            (int64_t)ceil(p->next_at), &next, err);
    if (rc != PM3K_OK)
        return rc;
    double at = p->next_at;
    if (next.block != PM3K_BLOCK_NONE && (double)next.allowed_at > at)
        at = (double)next.allowed_at;
    set_retry_at(p, (int64_t)ceil(at), when, sizeof when);
    format_wait(pm3k__now() - p->start, waited, sizeof waited);
    snprintf(calls, sizeof calls, "%d", p->calls);
    const pm3k__answer *a = &p->call.answer;
    char shown[160];
    if (strcmp(a->state, "pending") == 0)
        snprintf(shown, sizeof shown, "%s", a->tiktok_status[0] ? a->tiktok_status : "pending");
    else
        snprintf(shown, sizeof shown, "state \"%s\" pm3k does not know, status %s", a->state,
                 a->tiktok_status[0] ? a->tiktok_status : "none");
    pm3k_item_add(p->item, PM3K_RULE_PUBLISH_PENDING, "tiktok_status", shown, "attempts", calls,
                  "waited", waited, "retry_when", when, PM3K_END);
    return PM3K_OK;
}

static void state_facts(poll *p)
{
    const pm3k__answer *a = &p->call.answer;
    pm3k_item_fact_str(p->item, "state", a->state);
    if (a->tiktok_status[0])
        pm3k_item_fact_str(p->item, "tiktok_status", a->tiktok_status);
    if (a->has_fail_reason)
        pm3k_item_fact_str(p->item, "fail_reason", a->fail_reason);
    else
        pm3k_item_fact_null(p->item, "fail_reason");
}

static void failed_finding(poll *p)
{
    const char *reason =
        p->call.answer.has_fail_reason ? p->call.answer.fail_reason : "(none given)";
    const char *meaning = pm3k_fail_reason_meaning(reason);
    const char *hint = pm3k_fail_reason_hint(reason);
    if (meaning)
        pm3k_item_fact_str(p->item, "fail_meaning", meaning);
    pm3k_item_add(p->item, PM3K_RULE_PUBLISH_FAILED, "fail_reason", reason, "fail_meaning",
                  meaning ? meaning
                          : "a value pm3k does not know; see TikTok's Content Posting "
                            "API documentation",
                  "fail_hint", hint ? hint : "look the value up in TikTok's documentation",
                  PM3K_END);
}

static void published_finding(poll *p)
{
    char waited[32], calls[16];
    format_wait(pm3k__now() - p->start, waited, sizeof waited);
    snprintf(calls, sizeof calls, "%d", p->calls);
    const char *shown = p->call.answer.tiktok_status[0] ? p->call.answer.tiktok_status : "done";
    pm3k_item_add(p->item, PM3K_RULE_PUBLISHED, "tiktok_status", shown, "attempts", calls, "waited",
                  waited, PM3K_END);
}

/* What the answer means for the loop; limits PM3K answered go to the
 * history. */
/* A status limit PM3K answered without a time: wait its whole window, so
 * the next call cannot land inside it (a cooldown lasts an hour, the
 * hourly cap's window is an hour, the per-minute one a minute). */
static int64_t untimed_wait_s(pm3k_cooldown kind)
{
    switch (kind) {
    case PM3K_COOLDOWN_STATUS:
        return pm3k_budget_get()->status_cooldown_s;
    case PM3K_COOLDOWN_STATUS_HOURLY:
        return 3600;
    default:
        return 60;
    }
}

static pm3k_code classify(poll *p, pm3k_error *err)
{
    const pm3k__answer *a = &p->call.answer;
    const pm3k__code_info *info = a->kind == PM3K__ANSWER_ERROR ? pm3k__code_find(a->code) : NULL;
    if (!p->call.answered || a->kind == PM3K__ANSWER_INVALID ||
        (a->kind == PM3K__ANSWER_OK && !a->has_state)) {
        p->last = V_TRANSIENT;
        return PM3K_OK;
    }
    if (a->kind == PM3K__ANSWER_OK) {
        p->last =
            strcmp(a->state, "done") == 0 || strcmp(a->state, "failed") == 0 ? V_DONE : V_PENDING;
        return PM3K_OK;
    }
    if (info && info->has_cooldown && info->status_rule != PM3K_RULE__COUNT) {
        int64_t now = p->call.answered_at;
        int64_t at = pm3k__answer_deadline(a, now);
        p->limit_at = at != PM3K__NO_TIME && at > now ? at : now + untimed_wait_s(info->cooldown);
        p->last = V_LIMIT;
        return pm3k_history_set_cooldown(p->api->history, p->api->account, info->cooldown,
                                         p->limit_at, a->code, now, err);
    }
    bool known_definite = info && info->status_rule != PM3K_RULE__COUNT &&
                          pm3k_rule_get(info->status_rule)->outcome == PM3K_OUTCOME_DEFINITE;
    bool passthrough = !info && a->raw_code[0] && strcmp(a->raw_code, a->code) == 0;
    p->last = known_definite || passthrough ? V_DEFINITE : V_TRANSIENT;
    return PM3K_OK;
}

/* One call within the budget: *called false when the history blocks it
 * (p->block says until when). */
static pm3k_code one_call(poll *p, bool *called, pm3k_error *err)
{
    int64_t now = (int64_t)time(NULL), id = 0;
    pm3k_code rc = pm3k_history_begin_status(p->api->history, p->api->account, p->opt->publish_id,
                                             now, &id, &p->block, err);
    *called = id > 0;
    p->blocked = !*called;
    if (rc != PM3K_OK || !*called)
        return rc;
    rc = pm3k__api_call(p->api, PM3K__ENDPOINT_STATUS, p->body, strlen(p->body), &p->call, err);
    p->calls++;
    const pm3k__answer *a = &p->call.answer;
    pm3k_status_answer sa = {.http_status = p->call.http_status,
                             .state = p->call.answered && a->has_state ? a->state : NULL,
                             .code = a->code[0] ? a->code : NULL,
                             .fail_reason = a->has_fail_reason ? a->fail_reason : NULL,
                             .unsent = !p->call.sent && !p->call.answered};
    pm3k_error finish_err = {0};
    pm3k_code frc = pm3k_history_finish_status(
        p->api->history, id, &sa, p->call.answered_at ? p->call.answered_at : now, &finish_err);
    if (rc != PM3K_OK)
        return rc;
    if (frc != PM3K_OK) {
        *err = finish_err;
        return frc;
    }
    return classify(p, err);
}

/* Wait for the next call; a status cooldown is re-read from the history
 * while it lasts, since a successful post ends it early. */
static pm3k_code wait_next(poll *p, pm3k_error *err)
{
    while (pm3k__now() < p->next_at) {
        bool cooldown = p->recheck;
        double until = cooldown && p->next_at - pm3k__now() > COOLDOWN_RECHECK_S
                           ? pm3k__now() + COOLDOWN_RECHECK_S
                           : p->next_at;
        if (!pm3k__api_sleep_until(p->api, until)) {
            p->stopped = true;
            return PM3K_OK;
        }
        if (!cooldown)
            break;
        pm3k_history_check now_check;
        pm3k_code rc = pm3k_history_next_status(p->api->history, p->api->account,
                                                (int64_t)time(NULL), &now_check, err);
        if (rc != PM3K_OK)
            return rc;
        if (now_check.block != PM3K_BLOCK_STATUS_COOLDOWN) {
            p->recheck = false;
            p->next_at =
                now_check.block == PM3K_BLOCK_NONE ? pm3k__now() : (double)now_check.allowed_at;
        }
    }
    return PM3K_OK;
}

/* The next call's time after a verdict that goes on; false: stop. */
static bool plan_next(poll *p)
{
    double now = pm3k__now();
    bool wait = p->opt->wait;
    if (p->last == V_LIMIT) {
        p->next_at = (double)p->limit_at + (double)pm3k_budget_get()->clock_margin_s;
        p->recheck = strcmp(p->call.answer.code, "status_cooldown") == 0;
        return wait && p->next_at <= p->deadline;
    }
    if (p->last == V_TRANSIENT && !wait) {
        /* a call that never reached PM3K was retried by the client already */
        bool reached = p->call.sent || p->call.answered;
        if (p->retries >= SINGLE_RETRIES || !reached)
            return false;
        p->next_at = now + single_retry_waits[p->retries++];
        return true;
    }
    p->next_at = now + jitter(p, pm3k_status_backoff(p->step++));
    if (!wait)
        return false;
    if (p->next_at <= p->deadline)
        return true;
    if (p->deadline - now < LAST_CALL_MIN_S)
        return false;
    p->next_at = p->deadline; /* one last look at the deadline */
    return true;
}

/* Told to stop before the first call: nothing is known yet. */
static pm3k_code stopped_finding(poll *p, pm3k_error *err)
{
    p->last = V_TRANSIENT;
    p->call.answered = false;
    snprintf(p->call.reason, sizeof p->call.reason, "stopped by a signal before the first call");
    answer_finding(p);
    (void)err;
    return PM3K_OK;
}

/* The loop stops on the last answer: its finding. */
static pm3k_code stop(poll *p, pm3k_error *err)
{
    if (p->last == V_PENDING)
        return pending_finding(p, err);
    answer_finding(p);
    return PM3K_OK;
}

/* The loop; the item's findings are added when it stops. */
static pm3k_code run_loop(poll *p, pm3k_error *err)
{
    p->next_at = p->start + p->opt->first_delay_s;
    for (;;) {
        bool called = false;
        if (p->opt->max_attempts > 0 && p->calls >= p->opt->max_attempts)
            return stop(p, err);
        progress(p, p->blocked               ? pm3k_history_block_code(p->block.block)
                    : p->last == V_LIMIT     ? p->call.answer.code
                    : p->last == V_TRANSIENT ? "retry"
                                             : "schedule");
        pm3k_code rc = wait_next(p, err);
        if (rc == PM3K_OK && p->stopped)
            return p->calls > 0 ? stop(p, err) : stopped_finding(p, err);
        if (rc == PM3K_OK)
            rc = one_call(p, &called, err);
        if (rc != PM3K_OK)
            return rc;
        if (!called) {
            if (!p->opt->wait || (double)p->block.allowed_at > p->deadline) {
                block_finding(p);
                return PM3K_OK;
            }
            p->next_at = (double)p->block.allowed_at;
            p->recheck = p->block.block == PM3K_BLOCK_STATUS_COOLDOWN;
            continue;
        }
        if (p->call.answered && p->call.answer.has_state)
            state_facts(p);
        if (p->last == V_DONE) {
            if (strcmp(p->call.answer.state, "failed") == 0)
                failed_finding(p);
            else
                published_finding(p);
            return PM3K_OK;
        }
        if (p->last == V_DEFINITE || !plan_next(p))
            return stop(p, err);
    }
}

pm3k_code pm3k_publish_status(pm3k_api *api, const pm3k_status_options *opt, pm3k_item **out,
                              pm3k_error *err)
{
    poll p = {.api = api, .opt = opt, .start = pm3k__now()};
    *out = NULL;
    if (!pm3k_publish_id_valid(opt->publish_id))
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "'%s' is not a publish_id (letters, digits, '_' and '-', at most "
                              "63)",
                              opt->publish_id ? opt->publish_id : "");
    p.deadline = p.start + (opt->max_wait_s > 0 ? opt->max_wait_s : PM3K_STATUS_DEFAULT_MAX_WAIT_S);
    p.rng = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
    snprintf(p.body, sizeof p.body, "{\"publish_id\":\"%s\"}", opt->publish_id);
    if (!(p.item = pm3k_item_new(PM3K_KIND_STATUS, opt->publish_id)))
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    pm3k_item_set_input(p.item, 0);
    pm3k_item_fact_str(p.item, "publish_id", opt->publish_id);
    pm3k_code rc = run_loop(&p, err);
    pm3k_item_fact_int(p.item, "calls", p.calls);
    pm3k_item_fact_num(p.item, "waited_s", round((pm3k__now() - p.start) * 10) / 10);
    if (p.call.http_status > 0)
        pm3k_item_fact_int(p.item, "http_status", p.call.http_status);
    if (p.call.answered)
        pm3k__answer_facts(p.item, &p.call.answer);
    if (rc != PM3K_OK) {
        pm3k_item_free(p.item);
        return rc;
    }
    *out = p.item;
    return PM3K_OK;
}
