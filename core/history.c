/* pm3k — the posting history (see pm3k/history.h), on core/db.c.
 *
 * Every check that decides whether a request may go out runs in the same
 * BEGIN IMMEDIATE transaction that records the request, so two processes
 * that race for the last slot of a budget are serialised by SQLite: the
 * second sees the first's row. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/db.h"
#include "core/hash.h"
#include "core/proc.h"
#include "core/redact.h"
#include "pm3k/history.h"

/* 'PM3H' */
#define HISTORY_APP_ID 0x504d3348

static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE posts ("
    " id INTEGER PRIMARY KEY,"
    " account TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " media TEXT NOT NULL CHECK (media IN ('video', 'photo')),"
    " url TEXT," /* redacted: the source URL, or the first photo URL */
    " url_sha256 TEXT,"
    " photo_count INTEGER NOT NULL DEFAULT 0,"
    " file_sha256 TEXT,"
    " caption_sha256 TEXT," /* NULL for an empty caption: it never counts */
    " outcome TEXT NOT NULL CHECK (outcome IN ('sending', 'ok', 'rejected', 'unknown')),"
    " publish_id TEXT,"
    " code TEXT,"
    " http_status INTEGER,"
    " finished_at INTEGER);"
    "CREATE INDEX posts_by_account ON posts (account, created_at);"
    "CREATE INDEX posts_by_url ON posts (url_sha256);"
    "CREATE INDEX posts_by_file ON posts (file_sha256);"
    "CREATE TABLE status_calls ("
    " id INTEGER PRIMARY KEY,"
    " account TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " publish_id TEXT,"
    " http_status INTEGER,"
    " state TEXT,"
    " code TEXT);"
    "CREATE INDEX status_by_account ON status_calls (account, created_at);"
    "CREATE TABLE cooldowns ("
    " account TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " until INTEGER NOT NULL,"
    " code TEXT,"
    " set_at INTEGER NOT NULL,"
    " PRIMARY KEY (account, kind));"
    "CREATE TABLE uploads ("
    " id INTEGER PRIMARY KEY,"
    " account TEXT,"
    " created_at INTEGER NOT NULL,"
    " file_sha256 TEXT NOT NULL,"
    " size INTEGER NOT NULL,"
    " target TEXT NOT NULL,"
    " url TEXT NOT NULL," /* redacted */
    " album_id TEXT);"
    "CREATE INDEX uploads_by_file ON uploads (file_sha256, size, target);",
    /* 1 -> 2: when each answer came (windows count from it), the exact body
     * sent (a later posting queue matches its jobs on it), unknown outcomes
     * a --resend settled, and the publish state status calls saw. */
    "ALTER TABLE posts ADD COLUMN body_sha256 TEXT;"
    "ALTER TABLE posts ADD COLUMN superseded_by INTEGER;"
    "ALTER TABLE posts ADD COLUMN publish_state TEXT;"
    "ALTER TABLE posts ADD COLUMN fail_reason TEXT;"
    "ALTER TABLE posts ADD COLUMN state_at INTEGER;"
    "ALTER TABLE status_calls ADD COLUMN finished_at INTEGER;"
    "ALTER TABLE status_calls ADD COLUMN fail_reason TEXT;"
    "CREATE INDEX posts_by_publish_id ON posts (account, publish_id);"
    "CREATE INDEX posts_by_body ON posts (body_sha256);",
    /* 2 -> 3: the process that is sending a post (core/proc.h), so a run
     * that died mid-send is known for one at once. */
    "ALTER TABLE posts ADD COLUMN sender TEXT;",
};

static const pm3k__db_schema schema = {
    .name = "history",
    .application_id = HISTORY_APP_ID,
    .migrations = migrations,
    .migration_count = sizeof migrations / sizeof migrations[0],
};

static const char *const cooldown_names[] = {
    [PM3K_COOLDOWN_POST] = "post",
    [PM3K_COOLDOWN_INTERVAL] = "interval",
    [PM3K_COOLDOWN_DAILY] = "daily",
    [PM3K_COOLDOWN_STATUS] = "status",
    [PM3K_COOLDOWN_STATUS_HOURLY] = "status_hourly",
    [PM3K_COOLDOWN_STATUS_MINUTE] = "status_minute",
};

struct pm3k_history {
    sqlite3 *db;
    char *path;
};

/* Outcomes that spent (or may have spent) a post of the budget; an unknown
 * one a --resend settled did not (the user checked; and PM3K's own interval
 * and duplicate checks refuse a real repeat). */
#define COUNTED "(outcome IN ('ok', 'sending', 'unknown') AND superseded_by IS NULL)"

pm3k_code pm3k_history_default_path(char *out, size_t out_len, pm3k_error *err)
{
    const char *explicit = getenv("PM3K_HISTORY");
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    int n;
    if (explicit && *explicit)
        n = snprintf(out, out_len, "%s", explicit);
    else if (state && state[0] == '/')
        n = snprintf(out, out_len, "%s/pm3k/history.db", state);
    else if (home && home[0] == '/')
        n = snprintf(out, out_len, "%s/.local/state/pm3k/history.db", home);
    else
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG,
                              "no place for the posting history: set PM3K_HISTORY, "
                              "XDG_STATE_HOME or HOME");
    if (n < 0 || (size_t)n >= out_len)
        return pm3k_error_set(err, PM3K_ERR_INVALID_ARG, "the history path is too long");
    return PM3K_OK;
}

pm3k_code pm3k_history_open(const char *path, pm3k_history **out, pm3k_error *err)
{
    char fallback[4096];
    pm3k_code rc;
    *out = NULL;
    if (!path) {
        if ((rc = pm3k_history_default_path(fallback, sizeof fallback, err)) != PM3K_OK)
            return rc;
        path = fallback;
    }
    pm3k_history *h = calloc(1, sizeof *h);
    if (!h || !(h->path = strdup(path))) {
        free(h);
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    }
    if ((rc = pm3k__db_open(path, &schema, &h->db, err)) != PM3K_OK) {
        pm3k_history_close(h);
        return rc;
    }
    *out = h;
    return PM3K_OK;
}

void pm3k_history_close(pm3k_history *h)
{
    if (!h)
        return;
    pm3k__db_close(h->db);
    free(h->path);
    free(h);
}

const char *pm3k_history_path(const pm3k_history *h)
{
    return h->path;
}

pm3k_code pm3k_account_fingerprint(const char *api_key, char *out, pm3k_error *err)
{
    static const char prefix[] = "pm3k account v1\n";
    char digest[PM3K__SHA256_HEX_LEN + 1];
    size_t key_len = strlen(api_key);
    char *buf = malloc(sizeof prefix + key_len);
    if (!buf)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    memcpy(buf, prefix, sizeof prefix - 1);
    memcpy(buf + sizeof prefix - 1, api_key, key_len);
    pm3k_code rc = pm3k__sha256_hex(buf, sizeof prefix - 1 + key_len, digest, err);
    /* The key must not linger in freed memory (a plain memset before free
     * may be optimised away). */
    explicit_bzero(buf, sizeof prefix + key_len);
    free(buf);
    if (rc != PM3K_OK)
        return rc;
    memcpy(out, digest, PM3K_ACCOUNT_LEN);
    out[PM3K_ACCOUNT_LEN] = '\0';
    return PM3K_OK;
}

const char *pm3k_post_outcome_name(pm3k_post_outcome outcome)
{
    switch (outcome) {
    case PM3K_POST_SENDING:
        return "sending";
    case PM3K_POST_OK:
        return "ok";
    case PM3K_POST_REJECTED:
        return "rejected";
    case PM3K_POST_UNKNOWN:
        return "unknown";
    }
    return "unknown";
}

const char *pm3k_history_block_code(pm3k_history_block block)
{
    switch (block) {
    case PM3K_BLOCK_NONE:
        return NULL;
    case PM3K_BLOCK_INTERVAL:
        return "interval_limit";
    case PM3K_BLOCK_DAILY:
        return "daily_limit";
    case PM3K_BLOCK_COOLDOWN:
        return "tiktok_cooldown";
    case PM3K_BLOCK_VIDEO_DUPLICATE:
        return "video_duplicate";
    case PM3K_BLOCK_CAPTION_DUPLICATE:
        return "caption_duplicate_account";
    case PM3K_BLOCK_UNKNOWN_OUTCOME:
        return "outcome_unknown";
    case PM3K_BLOCK_STATUS_MINUTE:
        return "rate_limit_status";
    case PM3K_BLOCK_STATUS_HOUR:
        return "hourly_limit_status";
    case PM3K_BLOCK_STATUS_COOLDOWN:
        return "status_cooldown";
    }
    return NULL;
}

/* ---- small query helpers ---- */

/* Prepare sql and bind its parameters by types: 'i' an int64_t, 's' a
 * string (NULL binds NULL). */
static pm3k_code stmt(pm3k_history *h, sqlite3_stmt **st, pm3k_error *err, const char *sql,
                      const char *types, ...)
{
    pm3k_code rc = pm3k__db_prepare(h->db, sql, st, err);
    va_list ap;
    if (rc != PM3K_OK)
        return rc;
    /* Statements that share an argument list may use only some of it. */
    int used = sqlite3_bind_parameter_count(*st);
    va_start(ap, types);
    for (int i = 0; types[i] && rc == PM3K_OK; i++) {
        int64_t number = types[i] == 'i' ? va_arg(ap, int64_t) : 0;
        const char *text = types[i] == 's' ? va_arg(ap, const char *) : NULL;
        if (i >= used)
            continue;
        int bound = types[i] == 'i' ? sqlite3_bind_int64(*st, i + 1, number)
                                    : pm3k__db_bind_text(*st, i + 1, text);
        if (bound != SQLITE_OK)
            rc = pm3k__db_error(h->db, "read", err);
    }
    va_end(ap);
    if (rc != PM3K_OK) {
        sqlite3_finalize(*st);
        *st = NULL;
    }
    return rc;
}

/* Step once: *row says whether a row came. */
static pm3k_code step(pm3k_history *h, sqlite3_stmt *st, bool *row, pm3k_error *err)
{
    int rc = sqlite3_step(st);
    *row = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return PM3K_OK;
    return pm3k__db_error(h->db, "use", err);
}

/* Run a statement that returns nothing, and finalize it. */
static pm3k_code run(pm3k_history *h, sqlite3_stmt *st, pm3k_error *err)
{
    bool row;
    pm3k_code rc = step(h, st, &row, err);
    sqlite3_finalize(st);
    return rc;
}

static void copy_text(sqlite3_stmt *st, int col, char *out, size_t out_len)
{
    const unsigned char *text = sqlite3_column_text(st, col);
    snprintf(out, out_len, "%s", text ? (const char *)text : "");
}

static pm3k_code digest_text(const char *text, size_t len, char *out, pm3k_error *err)
{
    return pm3k__sha256_hex(text, len, out, err);
}

/* Keep the block that lasts longest: waiting must outlast every one. */
static bool block_at(pm3k_history_check *check, pm3k_history_block block, int64_t allowed_at,
                     int64_t other_id, int64_t other_time, int count, const char *source)
{
    if (check->block != PM3K_BLOCK_NONE && check->allowed_at >= allowed_at)
        return false;
    check->block = block;
    check->allowed_at = allowed_at;
    check->other_id = other_id;
    check->other_time = other_time;
    check->count = count;
    check->source = source;
    check->other_publish_id[0] = '\0';
    check->pm3k_code[0] = '\0';
    check->other_outcome = PM3K_POST_OK;
    return true;
}

/* A block that waiting does not lift (duplicates, unknown outcomes). */
static void block_for_good(pm3k_history_check *check, pm3k_history_block block, sqlite3_stmt *row)
{
    check->block = block;
    check->allowed_at = 0;
    check->other_id = sqlite3_column_int64(row, 0);
    check->other_time = sqlite3_column_int64(row, 1);
    copy_text(row, 2, check->other_publish_id, sizeof check->other_publish_id);
    check->count = 1;
    check->source = "history";
    const char *outcome = (const char *)sqlite3_column_text(row, 3);
    check->other_outcome = outcome && strcmp(outcome, "sending") == 0   ? PM3K_POST_SENDING
                           : outcome && strcmp(outcome, "unknown") == 0 ? PM3K_POST_UNKNOWN
                                                                        : PM3K_POST_OK;
}

/* ---- deadlines ---- */

/* A cooldown of the account still running at now: block until it ends. */
static pm3k_code check_cooldown(pm3k_history *h, const char *account, pm3k_cooldown kind,
                                pm3k_history_block block, int64_t now, pm3k_history_check *check,
                                pm3k_error *err)
{
    sqlite3_stmt *st = NULL;
    bool row;
    pm3k_code rc = stmt(h, &st, err,
                        "SELECT until, set_at, code FROM cooldowns WHERE account = ?1 AND "
                        "kind = ?2 AND until > ?3",
                        "ssi", account, cooldown_names[kind], now);
    if (rc == PM3K_OK && (rc = step(h, st, &row, err)) == PM3K_OK && row &&
        block_at(check, block, sqlite3_column_int64(st, 0), 0, sqlite3_column_int64(st, 1), 0,
                 "pm3k"))
        copy_text(st, 2, check->pm3k_code, sizeof check->pm3k_code);
    sqlite3_finalize(st);
    return rc;
}

pm3k_code pm3k_history_set_cooldown(pm3k_history *h, const char *account, pm3k_cooldown kind,
                                    int64_t until, const char *code, int64_t now, pm3k_error *err)
{
    sqlite3_stmt *st = NULL;
    pm3k_code rc = stmt(h, &st, err,
                        "INSERT INTO cooldowns (account, kind, until, code, set_at) "
                        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (account, kind) DO UPDATE "
                        "SET until = max(until, excluded.until), code = excluded.code, "
                        "set_at = excluded.set_at",
                        "ssisi", account, cooldown_names[kind], until, code, now);
    return rc == PM3K_OK ? run(h, st, err) : rc;
}

/* ---- the post budget ---- */

/* A row of a window: when it was made, and from when it counts (the
 * answer's time, or the sending time while none came, plus the margin). */
typedef struct slot {
    bool found;
    int64_t id, made, at;
} slot;

/* The n-th newest counted row (0-based) of a window that starts after
 * since, if there is one: the row whose leaving the window frees a slot. */
static pm3k_code window_slot(pm3k_history *h, const char *sql, const char *account, int64_t since,
                             int64_t n, slot *out, pm3k_error *err)
{
    sqlite3_stmt *st = NULL;
    pm3k_code rc =
        stmt(h, &st, err, sql, "siii", account, since, n, pm3k_budget_get()->clock_margin_s);
    memset(out, 0, sizeof *out);
    if (rc == PM3K_OK && (rc = step(h, st, &out->found, err)) == PM3K_OK && out->found) {
        out->id = sqlite3_column_int64(st, 0);
        out->made = sqlite3_column_int64(st, 1);
        out->at = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ?1 account, ?2 the window's start, ?3 the offset, ?4 the margin. */
#define COUNTS_FROM "(COALESCE(finished_at, created_at) + ?4)"
#define POST_SLOT_SQL                                                                              \
    "SELECT id, created_at, " COUNTS_FROM " AS at FROM posts WHERE account = ?1 AND " COUNTS_FROM  \
    " > ?2 AND " COUNTED " ORDER BY at DESC, id DESC LIMIT 1 OFFSET ?3"

/* interval_limit, daily_limit, tiktok_cooldown: what waiting lifts. */
static pm3k_code check_post_budget(pm3k_history *h, const char *account, int64_t now,
                                   pm3k_history_check *check, pm3k_error *err)
{
    const pm3k_budget *b = pm3k_budget_get();
    slot row;
    pm3k_code rc;

    if ((rc = check_cooldown(h, account, PM3K_COOLDOWN_POST, PM3K_BLOCK_COOLDOWN, now, check,
                             err)) != PM3K_OK ||
        (rc = check_cooldown(h, account, PM3K_COOLDOWN_INTERVAL, PM3K_BLOCK_INTERVAL, now, check,
                             err)) != PM3K_OK ||
        (rc = check_cooldown(h, account, PM3K_COOLDOWN_DAILY, PM3K_BLOCK_DAILY, now, check, err)) !=
            PM3K_OK)
        return rc;
    rc = window_slot(h, POST_SLOT_SQL, account, now - b->post_interval_s, 0, &row, err);
    if (rc == PM3K_OK && row.found)
        block_at(check, PM3K_BLOCK_INTERVAL, row.at + b->post_interval_s, row.id, row.made, 1,
                 "history");
    if (rc == PM3K_OK)
        rc =
            window_slot(h, POST_SLOT_SQL, account, now - b->day_s, b->posts_per_day - 1, &row, err);
    if (rc == PM3K_OK && row.found)
        block_at(check, PM3K_BLOCK_DAILY, row.at + b->day_s, row.id, row.made, b->posts_per_day,
                 "history");
    return rc;
}

/* Posts that make this one a repeat: the same URL or file (video_duplicate)
 * or caption (caption_duplicate_account) among those PM3K took, and, unless
 * --resend, any earlier attempt of it whose outcome is unknown. */
static pm3k_code check_repeats(pm3k_history *h, const pm3k_post_record *post, const char *url_sha,
                               const char *caption_sha, int64_t now, unsigned flags,
                               pm3k_history_check *check, pm3k_error *err)
{
    const pm3k_budget *b = pm3k_budget_get();
    static const char *const sql[] = {
        /* unknown outcomes: same URL, file or caption, any time, unless a
         * --resend settled them */
        ("SELECT id, created_at, publish_id, outcome FROM posts WHERE account = ?1 AND outcome "
         "IN ('sending', 'unknown') AND superseded_by IS NULL AND (url_sha256 = ?2 OR "
         "file_sha256 = ?3 OR caption_sha256 = ?4) ORDER BY created_at DESC LIMIT 1"),
        /* video_duplicate */
        ("SELECT id, created_at, publish_id, outcome FROM posts WHERE account = ?1 AND outcome = "
         "'ok' AND ((url_sha256 = ?2 AND created_at > ?5) OR (file_sha256 = ?3 AND created_at > "
         "?6)) ORDER BY created_at DESC LIMIT 1"),
        /* caption_duplicate_account */
        ("SELECT id, created_at, publish_id, outcome FROM posts WHERE account = ?1 AND outcome = "
         "'ok' AND caption_sha256 = ?4 AND created_at > ?7 ORDER BY created_at DESC LIMIT 1"),
    };
    static const pm3k_history_block blocks[] = {
        PM3K_BLOCK_UNKNOWN_OUTCOME, PM3K_BLOCK_VIDEO_DUPLICATE, PM3K_BLOCK_CAPTION_DUPLICATE};
    pm3k_code rc = PM3K_OK;
    for (size_t i = 0; i < sizeof sql / sizeof sql[0] && rc == PM3K_OK; i++) {
        sqlite3_stmt *st = NULL;
        bool row = false;
        if (i == 0 && (flags & PM3K_HISTORY_RESEND))
            continue;
        if (i > 0 && (flags & PM3K_HISTORY_IGNORE))
            break;
        rc = stmt(h, &st, err, sql[i], "ssssiii", post->account, url_sha, post->file_sha256,
                  caption_sha, now - b->url_duplicate_s, now - b->file_duplicate_s,
                  now - b->caption_duplicate_s);
        if (rc == PM3K_OK && (rc = step(h, st, &row, err)) == PM3K_OK && row)
            block_for_good(check, blocks[i], st);
        sqlite3_finalize(st);
        if (row)
            break;
    }
    return rc;
}

/* Rows left "sending" by a run of this host that is gone (killed, crashed):
 * their outcome is unknown now. A bounded look: few posts are ever in
 * flight at once. */
static pm3k_code settle_dead_senders(pm3k_history *h, pm3k_error *err)
{
    enum { LOOK = 64 };
    int64_t dead[LOOK];
    int n = 0;
    sqlite3_stmt *st = NULL;
    bool row = false;
    pm3k_code rc = stmt(h, &st, err,
                        "SELECT id, sender FROM posts WHERE outcome = 'sending' AND sender IS "
                        "NOT NULL ORDER BY id DESC LIMIT 64",
                        "");
    while (rc == PM3K_OK && (rc = step(h, st, &row, err)) == PM3K_OK && row)
        if (pm3k__proc_gone((const char *)sqlite3_column_text(st, 1)) && n < LOOK)
            dead[n++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    for (int i = 0; rc == PM3K_OK && i < n; i++)
        if ((rc = stmt(h, &st, err, "UPDATE posts SET outcome = 'unknown' WHERE id = ?1", "i",
                       dead[i])) == PM3K_OK)
            rc = run(h, st, err);
    return rc;
}

/* Rows left "sending" by a run that died: their outcome is unknown. */
static pm3k_code settle_stale(pm3k_history *h, int64_t now, pm3k_error *err)
{
    sqlite3_stmt *st = NULL;
    pm3k_code rc = stmt(h, &st, err,
                        "UPDATE posts SET outcome = 'unknown' WHERE outcome = 'sending' AND "
                        "created_at < ?1",
                        "i", now - pm3k_budget_get()->sending_stale_s);
    rc = rc == PM3K_OK ? run(h, st, err) : rc;
    return rc == PM3K_OK ? settle_dead_senders(h, err) : rc;
}

/* The URL digest: the source URL, or the photo URLs one per line. */
static pm3k_code url_digest(const pm3k_post_record *post, char *out, pm3k_error *err)
{
    if (!post->photo)
        return digest_text(post->source_url ? post->source_url : "",
                           post->source_url ? strlen(post->source_url) : 0, out, err);
    pm3k__sha256 *hash = NULL;
    pm3k_code rc = pm3k__sha256_new(&hash, err);
    if (rc != PM3K_OK)
        return rc;
    for (size_t i = 0; i < post->photo_count; i++) {
        pm3k__sha256_update(hash, post->photo_urls[i], strlen(post->photo_urls[i]));
        pm3k__sha256_update(hash, "\n", 1);
    }
    pm3k__sha256_finish(hash, out);
    return PM3K_OK;
}

static pm3k_code insert_post(pm3k_history *h, const pm3k_post_record *post, const char *url_sha,
                             const char *caption_sha, int64_t now, int64_t *attempt,
                             pm3k_error *err)
{
    char shown[2048];
    const char *url =
        post->photo ? (post->photo_count ? post->photo_urls[0] : NULL) : post->source_url;
    char sender[PM3K__PROC_TOKEN_MAX];
    sqlite3_stmt *st = NULL;
    if (url)
        pm3k__redact_url(url, shown, sizeof shown);
    bool known = pm3k__proc_token(getpid(), sender, sizeof sender);
    pm3k_code rc = stmt(
        h, &st, err,
        "INSERT INTO posts (account, created_at, media, url, url_sha256, "
        "photo_count, file_sha256, caption_sha256, body_sha256, outcome, sender) VALUES (?1, ?2, "
        "?3, ?4, ?5, ?6, ?7, ?8, ?9, 'sending', ?10)",
        "sisssissss", post->account, now, post->photo ? "photo" : "video", url ? shown : NULL,
        url_sha, (int64_t)post->photo_count, post->file_sha256, caption_sha, post->body_sha256,
        known ? sender : NULL);
    if (rc == PM3K_OK && (rc = run(h, st, err)) == PM3K_OK)
        *attempt = sqlite3_last_insert_rowid(h->db);
    return rc;
}

/* --resend: the earlier attempts of this post whose outcome is unknown are
 * settled by the attempt `by` (0 while it is not recorded yet): they no
 * longer block it nor count for the budget. */
static pm3k_code supersede_unknown(pm3k_history *h, const pm3k_post_record *post,
                                   const char *url_sha, const char *caption_sha, int64_t by,
                                   pm3k_error *err)
{
    sqlite3_stmt *st = NULL;
    pm3k_code rc = stmt(h, &st, err,
                        "UPDATE posts SET superseded_by = ?5 WHERE account = ?1 AND outcome IN "
                        "('sending', 'unknown') AND (superseded_by IS NULL OR superseded_by = 0) "
                        "AND id <> ?5 AND (url_sha256 = ?2 OR file_sha256 = ?3 OR "
                        "caption_sha256 = ?4)",
                        "ssssi", post->account, url_sha, post->file_sha256, caption_sha, by);
    return rc == PM3K_OK ? run(h, st, err) : rc;
}

/* The checks and the record, inside begin_post's transaction. */
static pm3k_code hold_post(pm3k_history *h, const pm3k_post_record *post, const char *url_sha,
                           const char *caption_sha, int64_t now, unsigned flags, int64_t *attempt,
                           pm3k_history_check *check, pm3k_error *err)
{
    bool resend = (flags & PM3K_HISTORY_RESEND) != 0;
    pm3k_code rc = settle_stale(h, now, err);
    if (rc == PM3K_OK && resend)
        rc = supersede_unknown(h, post, url_sha, caption_sha, 0, err);
    if (rc == PM3K_OK)
        rc = check_repeats(h, post, url_sha, caption_sha, now, flags, check, err);
    if (rc == PM3K_OK && check->block == PM3K_BLOCK_NONE && !(flags & PM3K_HISTORY_IGNORE))
        rc = check_post_budget(h, post->account, now, check, err);
    if (rc == PM3K_OK && check->block == PM3K_BLOCK_NONE)
        rc = insert_post(h, post, url_sha, caption_sha, now, attempt, err);
    if (rc == PM3K_OK && *attempt > 0 && resend)
        rc = supersede_unknown(h, post, url_sha, caption_sha, *attempt, err);
    return rc;
}

/* A source URL pm3k uploaded to: the file's SHA-256 from its upload record
 * (empty when none), so the same video posted under another URL is known
 * as the same video, as PM3K knows it by its fingerprint. */
static pm3k_code file_of_upload(pm3k_history *h, const char *source_url, char *out, pm3k_error *err)
{
    char shown[2048];
    sqlite3_stmt *st = NULL;
    bool row = false;
    out[0] = '\0';
    pm3k__redact_url(source_url, shown, sizeof shown);
    pm3k_code rc = stmt(h, &st, err,
                        "SELECT file_sha256 FROM uploads WHERE url = ?1 ORDER BY created_at DESC "
                        "LIMIT 1",
                        "s", shown);
    if (rc == PM3K_OK && (rc = step(h, st, &row, err)) == PM3K_OK && row)
        copy_text(st, 0, out, PM3K__SHA256_HEX_LEN + 1);
    sqlite3_finalize(st);
    return rc;
}

pm3k_code pm3k_history_begin_post(pm3k_history *h, const pm3k_post_record *post, int64_t now,
                                  unsigned flags, int64_t *attempt, pm3k_history_check *check,
                                  pm3k_error *err)
{
    char url_sha[PM3K__SHA256_HEX_LEN + 1], caption_sha[PM3K__SHA256_HEX_LEN + 1];
    bool has_caption = post->caption && post->caption_len > 0;
    pm3k_code rc;

    *attempt = 0;
    memset(check, 0, sizeof *check);
    if ((rc = url_digest(post, url_sha, err)) != PM3K_OK ||
        (has_caption &&
         (rc = digest_text(post->caption, post->caption_len, caption_sha, err)) != PM3K_OK))
        return rc;
    if ((rc = pm3k__db_begin(h->db, err)) != PM3K_OK)
        return rc;
    char file_sha[PM3K__SHA256_HEX_LEN + 1];
    pm3k_post_record known = *post;
    if (!post->photo && !post->file_sha256 && post->source_url &&
        (rc = file_of_upload(h, post->source_url, file_sha, err)) == PM3K_OK && file_sha[0])
        known.file_sha256 = file_sha;
    if (rc == PM3K_OK)
        rc = hold_post(h, &known, url_sha, has_caption ? caption_sha : NULL, now, flags, attempt,
                       check, err);
    /* A resend that something else blocks settles nothing. */
    if (rc == PM3K_OK && *attempt == 0 && (flags & PM3K_HISTORY_RESEND)) {
        pm3k__db_rollback(h->db);
        return PM3K_OK;
    }
    if (rc == PM3K_OK)
        rc = pm3k__db_commit(h->db, err);
    if (rc != PM3K_OK) {
        pm3k__db_rollback(h->db);
        *attempt = 0;
    }
    return rc;
}

pm3k_code pm3k_history_finish_post(pm3k_history *h, int64_t attempt, const pm3k_post_answer *answer,
                                   int64_t now, pm3k_error *err)
{
    sqlite3_stmt *st = NULL;
    pm3k_code rc = pm3k__db_begin(h->db, err);
    if (rc != PM3K_OK)
        return rc;
    rc = stmt(h, &st, err,
              "UPDATE posts SET outcome = ?1, publish_id = ?2, code = ?3, http_status = ?4, "
              "finished_at = ?5 WHERE id = ?6",
              "sssiii", pm3k_post_outcome_name(answer->outcome), answer->publish_id, answer->code,
              (int64_t)answer->http_status, now, attempt);
    if (rc == PM3K_OK)
        rc = run(h, st, err);
    /* PM3K-API.md: "A new successful post clears this cooldown earlier." */
    if (rc == PM3K_OK && answer->outcome == PM3K_POST_OK &&
        (rc = stmt(h, &st, err,
                   "DELETE FROM cooldowns WHERE kind = 'status' AND account = (SELECT account "
                   "FROM posts WHERE id = ?1)",
                   "i", attempt)) == PM3K_OK)
        rc = run(h, st, err);
    if (rc == PM3K_OK)
        return pm3k__db_commit(h->db, err);
    pm3k__db_rollback(h->db);
    return rc;
}

pm3k_code pm3k_history_next_post(pm3k_history *h, const char *account, int64_t now,
                                 pm3k_history_check *check, pm3k_error *err)
{
    memset(check, 0, sizeof *check);
    pm3k_code rc = pm3k__db_begin(h->db, err);
    if (rc != PM3K_OK)
        return rc;
    if ((rc = settle_stale(h, now, err)) == PM3K_OK)
        rc = check_post_budget(h, account, now, check, err);
    if (rc == PM3K_OK)
        return pm3k__db_commit(h->db, err);
    pm3k__db_rollback(h->db);
    return rc;
}

/* ---- the status budget ---- */

#define STATUS_SLOT_SQL                                                                            \
    "SELECT id, created_at, " COUNTS_FROM                                                          \
    " AS at FROM status_calls WHERE account = ?1 AND " COUNTS_FROM                                 \
    " > ?2 ORDER BY at DESC, id DESC LIMIT 1 OFFSET ?3"

static pm3k_code check_status_budget(pm3k_history *h, const char *account, int64_t now,
                                     pm3k_history_check *check, pm3k_error *err)
{
    const pm3k_budget *b = pm3k_budget_get();
    slot row;
    pm3k_code rc;
    if ((rc = check_cooldown(h, account, PM3K_COOLDOWN_STATUS, PM3K_BLOCK_STATUS_COOLDOWN, now,
                             check, err)) != PM3K_OK ||
        (rc = check_cooldown(h, account, PM3K_COOLDOWN_STATUS_HOURLY, PM3K_BLOCK_STATUS_HOUR, now,
                             check, err)) != PM3K_OK ||
        (rc = check_cooldown(h, account, PM3K_COOLDOWN_STATUS_MINUTE, PM3K_BLOCK_STATUS_MINUTE, now,
                             check, err)) != PM3K_OK)
        return rc;
    rc = window_slot(h, STATUS_SLOT_SQL, account, now - 60, b->status_per_minute - 1, &row, err);
    if (rc == PM3K_OK && row.found)
        block_at(check, PM3K_BLOCK_STATUS_MINUTE, row.at + 60, row.id, row.made,
                 b->status_per_minute, "history");
    if (rc == PM3K_OK)
        rc =
            window_slot(h, STATUS_SLOT_SQL, account, now - 3600, b->status_per_hour - 1, &row, err);
    if (rc == PM3K_OK && row.found)
        block_at(check, PM3K_BLOCK_STATUS_HOUR, row.at + 3600, row.id, row.made, b->status_per_hour,
                 "history");
    return rc;
}

pm3k_code pm3k_history_begin_status(pm3k_history *h, const char *account, const char *publish_id,
                                    int64_t now, int64_t *call, pm3k_history_check *check,
                                    pm3k_error *err)
{
    sqlite3_stmt *st = NULL;
    *call = 0;
    memset(check, 0, sizeof *check);
    pm3k_code rc = pm3k__db_begin(h->db, err);
    if (rc != PM3K_OK)
        return rc;
    if ((rc = check_status_budget(h, account, now, check, err)) != PM3K_OK)
        goto out;
    if (check->block == PM3K_BLOCK_NONE) {
        rc = stmt(h, &st, err,
                  "INSERT INTO status_calls (account, created_at, publish_id) VALUES (?1, ?2, ?3)",
                  "sis", account, now, publish_id);
        if (rc == PM3K_OK && (rc = run(h, st, err)) == PM3K_OK)
            *call = sqlite3_last_insert_rowid(h->db);
    }
    if (rc == PM3K_OK)
        rc = pm3k__db_commit(h->db, err);
out:
    if (rc != PM3K_OK) {
        pm3k__db_rollback(h->db);
        *call = 0;
    }
    return rc;
}

pm3k_code pm3k_history_finish_status(pm3k_history *h, int64_t call,
                                     const pm3k_status_answer *answer, int64_t now, pm3k_error *err)
{
    sqlite3_stmt *st = NULL;
    pm3k_code rc = pm3k__db_begin(h->db, err);
    if (rc != PM3K_OK)
        return rc;
    /* a call that never reached PM3K spent nothing of its budget */
    rc = answer->unsent ? stmt(h, &st, err, "DELETE FROM status_calls WHERE id = ?1", "i", call)
                        : stmt(h, &st, err,
                               "UPDATE status_calls SET http_status = ?1, state = ?2, code = ?3, "
                               "fail_reason = ?4, finished_at = ?5 WHERE id = ?6",
                               "isssii", (int64_t)answer->http_status, answer->state, answer->code,
                               answer->fail_reason, now, call);
    if (rc == PM3K_OK)
        rc = run(h, st, err);
    if (rc == PM3K_OK && answer->state &&
        (rc = stmt(h, &st, err,
                   "UPDATE posts SET publish_state = ?1, fail_reason = ?2, state_at = ?3 WHERE "
                   "outcome = 'ok' AND publish_id = (SELECT publish_id FROM status_calls WHERE id "
                   "= ?4) AND account = (SELECT account FROM status_calls WHERE id = ?4)",
                   "ssii", answer->state, answer->fail_reason, now, call)) == PM3K_OK)
        rc = run(h, st, err);
    if (rc == PM3K_OK)
        return pm3k__db_commit(h->db, err);
    pm3k__db_rollback(h->db);
    return rc;
}

pm3k_code pm3k_history_next_status(pm3k_history *h, const char *account, int64_t now,
                                   pm3k_history_check *check, pm3k_error *err)
{
    memset(check, 0, sizeof *check);
    return check_status_budget(h, account, now, check, err);
}

static pm3k_code count_status(pm3k_history *h, const char *account, int64_t since, int *count,
                              pm3k_error *err)
{
    sqlite3_stmt *st = NULL;
    bool row = false;
    pm3k_code rc =
        stmt(h, &st, err,
             "SELECT count(*) FROM status_calls WHERE account = ?1 AND " COUNTS_FROM " > ?2",
             "siii", account, since, (int64_t)0, pm3k_budget_get()->clock_margin_s);
    *count = 0;
    if (rc == PM3K_OK && (rc = step(h, st, &row, err)) == PM3K_OK && row)
        *count = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc;
}

pm3k_code pm3k_history_status_usage(pm3k_history *h, const char *account, int64_t now,
                                    int *last_minute, int *last_hour, pm3k_error *err)
{
    pm3k_code rc = count_status(h, account, now - 60, last_minute, err);
    return rc == PM3K_OK ? count_status(h, account, now - 3600, last_hour, err) : rc;
}

/* ---- uploads ---- */

pm3k_code pm3k_history_record_upload(pm3k_history *h, const pm3k_upload_record *upload, int64_t now,
                                     pm3k_error *err)
{
    char shown[2048];
    sqlite3_stmt *st = NULL;
    pm3k__redact_url(upload->url, shown, sizeof shown);
    pm3k_code rc = stmt(h, &st, err,
                        "INSERT INTO uploads (account, created_at, file_sha256, size, target, url, "
                        "album_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        "sisisss", upload->account, now, upload->file_sha256, upload->size,
                        upload->target, shown, upload->album_id);
    return rc == PM3K_OK ? run(h, st, err) : rc;
}

pm3k_code pm3k_history_find_upload(pm3k_history *h, const char *file_sha256, int64_t size,
                                   const char *target, char *url, size_t url_len, bool *found,
                                   pm3k_error *err)
{
    sqlite3_stmt *st = NULL;
    pm3k_code rc = stmt(h, &st, err,
                        "SELECT url FROM uploads WHERE file_sha256 = ?1 AND size = ?2 AND "
                        "target = ?3 ORDER BY created_at DESC, id DESC LIMIT 1",
                        "sis", file_sha256, size, target);
    *found = false;
    if (rc == PM3K_OK && (rc = step(h, st, found, err)) == PM3K_OK && *found)
        copy_text(st, 0, url, url_len);
    sqlite3_finalize(st);
    return rc;
}

/* ---- listing ---- */

static const char *column_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

pm3k_code pm3k_history_list(pm3k_history *h, const char *account, size_t limit,
                            pm3k_history_entry_fn fn, void *userdata, pm3k_error *err)
{
    sqlite3_stmt *st = NULL;
    bool row = true;
    pm3k_code rc = stmt(
        h, &st, err,
        "SELECT id, created_at, 'post', account, media, url, publish_id, outcome, code, "
        "file_sha256, 0, NULL, publish_state, fail_reason FROM posts WHERE ?1 IS NULL OR "
        "account = ?1 UNION ALL SELECT id, created_at, 'upload', account, NULL, url, NULL, "
        "'uploaded', NULL, file_sha256, size, target, NULL, NULL FROM uploads WHERE ?1 IS NULL "
        "OR account = ?1 ORDER BY 2 DESC, 1 DESC LIMIT ?2",
        "si", account, limit ? (int64_t)limit : (int64_t)-1);
    while (rc == PM3K_OK && (rc = step(h, st, &row, err)) == PM3K_OK && row) {
        pm3k_history_entry e = {
            .id = sqlite3_column_int64(st, 0),
            .time = sqlite3_column_int64(st, 1),
            .what = column_text(st, 2),
            .account = column_text(st, 3),
            .media = column_text(st, 4),
            .url = column_text(st, 5),
            .publish_id = column_text(st, 6),
            .outcome = column_text(st, 7),
            .code = column_text(st, 8),
            .file_sha256 = column_text(st, 9),
            .size = sqlite3_column_int64(st, 10),
            .target = column_text(st, 11),
            .publish_state = column_text(st, 12),
            .fail_reason = column_text(st, 13),
        };
        rc = fn(userdata, &e);
    }
    sqlite3_finalize(st);
    return rc;
}

pm3k_code pm3k_history_accounts(pm3k_history *h, pm3k_history_account_fn fn, void *userdata,
                                pm3k_error *err)
{
    sqlite3_stmt *st = NULL;
    bool row = true;
    pm3k_code rc = pm3k__db_prepare(
        h->db,
        "SELECT account, max(created_at) AS last FROM (SELECT account, created_at FROM posts "
        "UNION ALL SELECT account, created_at FROM uploads WHERE account IS NOT NULL) GROUP BY "
        "account ORDER BY last DESC, account",
        &st, err);
    while (rc == PM3K_OK && (rc = step(h, st, &row, err)) == PM3K_OK && row)
        rc = fn(userdata, column_text(st, 0));
    sqlite3_finalize(st);
    return rc;
}
