/* Unit tests for core/history.c and core/db.c: the ledger predicts PM3K's
 * budget answers, never lets two racing processes both spend the last slot,
 * remembers unknown outcomes, refuses foreign files and keeps no secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "pm3k/history.h"
#include "pm3k/pm3k.h"

#define T0 ((int64_t)1800000000) /* 2027-01-15 */

static char dir[64];
static int serial;

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pm3k-test-history-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A fresh history file for each test. */
static pm3k_history *fresh(char *path, size_t len)
{
    pm3k_history *h = NULL;
    pm3k_error err = {0};
    snprintf(path, len, "%s/t%d/state/pm3k/history.db", dir, ++serial);
    if (pm3k_history_open(path, &h, &err) != PM3K_OK)
        fail_msg("open: %s", err.message);
    return h;
}

static pm3k_post_record video(const char *url, const char *caption)
{
    pm3k_post_record p = {.account = "acct1",
                          .source_url = url,
                          .caption = caption,
                          .caption_len = caption ? strlen(caption) : 0};
    return p;
}

/* Begin a post; returns the attempt id (0 when blocked, check filled). */
static int64_t begin(pm3k_history *h, const pm3k_post_record *p, int64_t now, unsigned flags,
                     pm3k_history_check *check)
{
    int64_t attempt = -1;
    pm3k_error err = {0};
    pm3k_history_check local;
    if (pm3k_history_begin_post(h, p, now, flags, &attempt, check ? check : &local, &err) !=
        PM3K_OK)
        fail_msg("begin_post: %s", err.message);
    return attempt;
}

static void finish(pm3k_history *h, int64_t attempt, pm3k_post_outcome outcome, int64_t now)
{
    pm3k_error err = {0};
    pm3k_post_answer a = {.outcome = outcome,
                          .publish_id = outcome == PM3K_POST_OK ? "7153000000000000001" : NULL,
                          .code = outcome == PM3K_POST_REJECTED ? "links_forbidden" : NULL,
                          .http_status = outcome == PM3K_POST_REJECTED ? 400 : 200};
    assert_int_equal(pm3k_history_finish_post(h, attempt, &a, now, &err), PM3K_OK);
}

static void post_ok(pm3k_history *h, const char *url, const char *caption, int64_t now)
{
    pm3k_post_record p = video(url, caption);
    int64_t attempt = begin(h, &p, now, 0, NULL);
    assert_true(attempt > 0);
    finish(h, attempt, PM3K_POST_OK, now + 2);
}

static void opens_private_file_in_new_folders(void **state)
{
    (void)state;
    char path[256];
    struct stat st;
    pm3k_history *h = fresh(path, sizeof path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_string_equal(pm3k_history_path(h), path);
    pm3k_history_close(h);
    /* Reopening an existing history works and keeps its rows. */
    pm3k_error err = {0};
    assert_int_equal(pm3k_history_open(path, &h, &err), PM3K_OK);
    pm3k_history_close(h);
}

static void refuses_foreign_and_newer_files(void **state)
{
    (void)state;
    char path[256];
    pm3k_history *h = NULL;
    pm3k_error err = {0};
    sqlite3 *db = NULL;

    snprintf(path, sizeof path, "%s/text.db", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("this is not a database, it is a text file with enough bytes in it.\n", fp);
    fclose(fp);
    assert_int_equal(pm3k_history_open(path, &h, &err), PM3K_ERR_PARSE);
    assert_null(h);
    assert_non_null(strstr(err.message, "not a SQLite database"));

    snprintf(path, sizeof path, "%s/other.db", dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(pm3k_history_open(path, &h, &err), PM3K_ERR_PARSE);
    assert_non_null(strstr(err.message, "another program"));

    char newer[256];
    h = fresh(newer, sizeof newer);
    pm3k_history_close(h);
    assert_int_equal(sqlite3_open(newer, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    h = NULL;
    assert_int_equal(pm3k_history_open(newer, &h, &err), PM3K_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "newer pm3k"));
}

static void interval_then_daily(void **state)
{
    (void)state;
    char path[256];
    pm3k_history_check check;
    pm3k_history *h = fresh(path, sizeof path);
    pm3k_post_record p = video("https://files.pm3k.org/uploads/u/a0.mp4", "first");

    /* PM3K may record the post as late as its answer (T0 + 2), and the
     * history keeps whole seconds: the hour runs from T0 + 2 + 1. */
    post_ok(h, p.source_url, p.caption, T0);
    p = video("https://files.pm3k.org/uploads/u/a1.mp4", "second");
    assert_int_equal(begin(h, &p, T0 + 600, 0, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_INTERVAL);
    assert_int_equal(check.allowed_at, T0 + 3603);
    assert_int_equal(check.other_time, T0);
    assert_string_equal(pm3k_history_block_code(check.block), "interval_limit");
    assert_string_equal(check.source, "history");
    assert_int_equal(begin(h, &p, T0 + 3602, 0, &check), 0);

    /* Nine more, just over an hour apart: ten in 24 hours. */
    for (int i = 1; i < 10; i++) {
        char url[64], caption[16];
        snprintf(url, sizeof url, "https://files.pm3k.org/uploads/u/b%d.mp4", i);
        snprintf(caption, sizeof caption, "post %d", i);
        post_ok(h, url, caption, T0 + 3603 * i);
    }
    p = video("https://files.pm3k.org/uploads/u/c.mp4", "eleventh");
    assert_int_equal(begin(h, &p, T0 + 3603 * 10, 0, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_DAILY);
    assert_int_equal(check.count, 10);
    assert_int_equal(check.allowed_at, T0 + 86403);
    /* next_post says the same without recording anything. */
    pm3k_error err = {0};
    assert_int_equal(pm3k_history_next_post(h, "acct1", T0 + 3603 * 10, &check, &err), PM3K_OK);
    assert_int_equal(check.block, PM3K_BLOCK_DAILY);
    assert_int_equal(check.allowed_at, T0 + 86403);
    assert_int_equal(begin(h, &p, T0 + 86402, 0, &check), 0);
    assert_true(begin(h, &p, T0 + 86403, 0, &check) > 0);
    /* Another account has its own budget. */
    pm3k_post_record other = video("https://files.pm3k.org/uploads/v/d.mp4", NULL);
    other.account = "acct2";
    assert_true(begin(h, &other, T0 + 86400, 0, &check) > 0);
    pm3k_history_close(h);
}

static void rejected_posts_do_not_count(void **state)
{
    (void)state;
    char path[256];
    pm3k_history_check check;
    pm3k_history *h = fresh(path, sizeof path);
    pm3k_post_record p = video("https://files.pm3k.org/uploads/u/r.mp4", "see www.x.com");
    int64_t attempt = begin(h, &p, T0, 0, &check);
    assert_true(attempt > 0);
    finish(h, attempt, PM3K_POST_REJECTED, T0 + 1);
    p = video("https://files.pm3k.org/uploads/u/r.mp4", "fixed caption");
    assert_true(begin(h, &p, T0 + 60, 0, &check) > 0);
    pm3k_history_close(h);
}

static void duplicates_of_url_file_and_caption(void **state)
{
    (void)state;
    char path[256];
    pm3k_history_check check;
    pm3k_history *h = fresh(path, sizeof path);
    pm3k_post_record p = video("https://media.example.com/v/clip.mp4", "Drop");
    p.file_sha256 = "aa11";
    int64_t attempt = begin(h, &p, T0, 0, NULL);
    finish(h, attempt, PM3K_POST_OK, T0 + 1);

    /* same URL the next hour: video_duplicate, which waiting does not lift */
    p = video("https://media.example.com/v/clip.mp4", "other words");
    assert_int_equal(begin(h, &p, T0 + 7200, 0, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_VIDEO_DUPLICATE);
    assert_int_equal(check.allowed_at, 0);
    assert_int_equal(check.other_time, T0);
    assert_string_equal(check.other_publish_id, "7153000000000000001");
    /* same bytes under a new URL within 30 days */
    p = video("https://media.example.com/v/renamed.mp4", "new words");
    p.file_sha256 = "aa11";
    assert_int_equal(begin(h, &p, T0 + 20 * 86400, 0, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_VIDEO_DUPLICATE);
    /* same caption within 7 days */
    p = video("https://media.example.com/v/new.mp4", "Drop");
    assert_int_equal(begin(h, &p, T0 + 6 * 86400, 0, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_CAPTION_DUPLICATE);
    assert_string_equal(pm3k_history_block_code(check.block), "caption_duplicate_account");
    /* --ignore-history lets it through and records it */
    assert_true(begin(h, &p, T0 + 6 * 86400, PM3K_HISTORY_IGNORE, &check) > 0);
    pm3k_history_close(h);

    /* Posts that give only URLs: those pm3k uploaded carry their file's
     * SHA-256, so the same bytes under another URL are the same video. */
    h = fresh(path, sizeof path);
    pm3k_error err = {0};
    pm3k_upload_record up = {.account = "acct1",
                             .file_sha256 = "bb22",
                             .size = 1000,
                             .target = "pm3k",
                             .url = "https://files.pm3k.org/uploads/u/one.mp4"};
    assert_int_equal(pm3k_history_record_upload(h, &up, T0, &err), PM3K_OK);
    up.url = "https://files.pm3k.org/uploads/u/two.mp4";
    assert_int_equal(pm3k_history_record_upload(h, &up, T0 + 10, &err), PM3K_OK);
    post_ok(h, "https://files.pm3k.org/uploads/u/one.mp4", "first words", T0 + 20);
    p = video("https://files.pm3k.org/uploads/u/two.mp4", "second words");
    assert_int_equal(begin(h, &p, T0 + 2 * 86400, 0, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_VIDEO_DUPLICATE);
    /* a URL with no upload record is only its URL */
    p = video("https://files.pm3k.org/uploads/u/three.mp4", "third words");
    assert_true(begin(h, &p, T0 + 2 * 86400, 0, &check) > 0);
    pm3k_history_close(h);

    /* An empty caption never counts. */
    h = fresh(path, sizeof path);
    post_ok(h, "https://files.pm3k.org/uploads/u/e1.mp4", "", T0);
    p = video("https://files.pm3k.org/uploads/u/e2.mp4", "");
    assert_true(begin(h, &p, T0 + 3603, 0, &check) > 0);
    pm3k_history_close(h);
}

static void unknown_outcomes_are_never_resent_blindly(void **state)
{
    (void)state;
    char path[256];
    pm3k_history_check check;
    pm3k_history *h = fresh(path, sizeof path);
    pm3k_post_record p = video("https://files.pm3k.org/uploads/u/u.mp4", "caption u");
    int64_t attempt = begin(h, &p, T0, 0, NULL);
    finish(h, attempt, PM3K_POST_UNKNOWN, T0 + 30);
    /* a day later, long past any interval: still refused, with the time */
    assert_int_equal(begin(h, &p, T0 + 86400, 0, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_UNKNOWN_OUTCOME);
    assert_int_equal(check.other_time, T0);
    assert_string_equal(pm3k_history_block_code(check.block), "outcome_unknown");
    /* the same caption on another URL is the same post too */
    pm3k_post_record same_caption = video("https://files.pm3k.org/uploads/u/u2.mp4", "caption u");
    assert_int_equal(begin(h, &same_caption, T0 + 86400, 0, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_UNKNOWN_OUTCOME);
    /* --ignore-history is not enough; --resend is */
    assert_int_equal(begin(h, &p, T0 + 86400, PM3K_HISTORY_IGNORE, &check), 0);
    assert_true(begin(h, &p, T0 + 86400, PM3K_HISTORY_RESEND, &check) > 0);
    pm3k_history_close(h);

    /* A run that died while sending leaves an unknown outcome. */
    h = fresh(path, sizeof path);
    p = video("https://files.pm3k.org/uploads/u/s.mp4", NULL);
    assert_true(begin(h, &p, T0, 0, NULL) > 0);
    assert_int_equal(begin(h, &p, T0 + 3 * 3600, 0, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_UNKNOWN_OUTCOME);
    pm3k_history_close(h);
}

static void cooldowns_from_pm3k(void **state)
{
    (void)state;
    char path[256];
    pm3k_error err = {0};
    pm3k_history_check check;
    pm3k_history *h = fresh(path, sizeof path);
    pm3k_post_record p = video("https://files.pm3k.org/uploads/u/c.mp4", NULL);
    assert_int_equal(pm3k_history_set_cooldown(h, "acct1", PM3K_COOLDOWN_POST, T0 + 10800,
                                               "tiktok_rate_limit", T0, &err),
                     PM3K_OK);
    /* an earlier deadline never shortens a later one */
    assert_int_equal(pm3k_history_set_cooldown(h, "acct1", PM3K_COOLDOWN_POST, T0 + 60,
                                               "tiktok_cooldown", T0, &err),
                     PM3K_OK);
    assert_int_equal(begin(h, &p, T0 + 100, 0, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_COOLDOWN);
    assert_int_equal(check.allowed_at, T0 + 10800);
    assert_string_equal(check.source, "pm3k");
    assert_true(begin(h, &p, T0 + 10800, 0, &check) > 0);
    pm3k_history_close(h);
}

static int64_t status_call(pm3k_history *h, int64_t now, pm3k_history_check *check)
{
    int64_t call = -1;
    pm3k_error err = {0};
    if (pm3k_history_begin_status(h, "acct1", "7153", now, &call, check, &err) != PM3K_OK)
        fail_msg("begin_status: %s", err.message);
    pm3k_status_answer answer = {.http_status = 200, .state = "pending"};
    if (call > 0)
        assert_int_equal(pm3k_history_finish_status(h, call, &answer, now, &err), PM3K_OK);
    return call;
}

static void status_budget_per_minute_hour_and_cooldown(void **state)
{
    (void)state;
    char path[256];
    pm3k_error err = {0};
    pm3k_history_check check;
    pm3k_history *h = fresh(path, sizeof path);
    int minute = -1, hour = -1;
    for (int i = 0; i < 20; i++)
        assert_true(status_call(h, T0 + i, &check) > 0);
    /* A call kept as T0 may have reached PM3K at T0 + 0.9: it counts until
     * T0 + 61. */
    assert_int_equal(status_call(h, T0 + 20, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_STATUS_MINUTE);
    assert_int_equal(check.allowed_at, T0 + 61);
    assert_int_equal(status_call(h, T0 + 60, &check), 0);
    assert_int_equal(pm3k_history_status_usage(h, "acct1", T0 + 30, &minute, &hour, &err), PM3K_OK);
    assert_int_equal(minute, 20);
    assert_int_equal(hour, 20);
    /* 20 more, one every 3 s after the first minute: 40 in the hour */
    for (int i = 0; i < 20; i++)
        assert_true(status_call(h, T0 + 61 + 3 * i, &check) > 0);
    assert_int_equal(status_call(h, T0 + 200, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_STATUS_HOUR);
    assert_int_equal(check.allowed_at, T0 + 3601);
    assert_int_equal(check.count, 40);
    /* next_status tells the same without spending a call */
    assert_int_equal(pm3k_history_next_status(h, "acct1", T0 + 200, &check, &err), PM3K_OK);
    assert_int_equal(check.block, PM3K_BLOCK_STATUS_HOUR);
    assert_int_equal(check.allowed_at, T0 + 3601);
    assert_int_equal(pm3k_history_status_usage(h, "acct1", T0 + 200, &minute, &hour, &err),
                     PM3K_OK);
    assert_int_equal(minute, 0);
    assert_int_equal(hour, 40);
    pm3k_history_close(h);

    /* status_cooldown is PM3K's; a successful post ends it early. */
    h = fresh(path, sizeof path);
    assert_int_equal(pm3k_history_set_cooldown(h, "acct1", PM3K_COOLDOWN_STATUS, T0 + 3600,
                                               "status_cooldown", T0, &err),
                     PM3K_OK);
    assert_int_equal(status_call(h, T0 + 10, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_STATUS_COOLDOWN);
    assert_int_equal(check.allowed_at, T0 + 3600);
    post_ok(h, "https://files.pm3k.org/uploads/u/x.mp4", NULL, T0 + 20);
    assert_true(status_call(h, T0 + 30, &check) > 0);
    pm3k_history_close(h);

    /* Calls that never reached PM3K (no connection) spend nothing. */
    h = fresh(path, sizeof path);
    pm3k_status_answer unsent = {.unsent = true};
    for (int i = 0; i < 25; i++) {
        int64_t call = 0;
        assert_int_equal(pm3k_history_begin_status(h, "acct1", "7153", T0 + i, &call, &check, &err),
                         PM3K_OK);
        assert_true(call > 0);
        assert_int_equal(pm3k_history_finish_status(h, call, &unsent, T0 + i, &err), PM3K_OK);
    }
    assert_int_equal(pm3k_history_status_usage(h, "acct1", T0 + 30, &minute, &hour, &err), PM3K_OK);
    assert_int_equal(minute, 0);
    assert_true(status_call(h, T0 + 30, &check) > 0);
    pm3k_history_close(h);
}

/* Two processes at the same instant: exactly one spends the post. */
static void racing_processes_spend_one_post(void **state)
{
    (void)state;
    char path[256];
    int go[2], results[2];
    pm3k_history *h = fresh(path, sizeof path);
    pm3k_history_close(h);
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(results), 0);
    for (int child = 0; child < 2; child++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid > 0)
            continue;
        pm3k_history *mine = NULL;
        pm3k_error err = {0};
        char byte;
        close(go[1]);
        close(results[0]);
        int64_t attempt = 0;
        pm3k_history_check check;
        char url[64];
        snprintf(url, sizeof url, "https://files.pm3k.org/uploads/u/race%d.mp4", child);
        pm3k_post_record p = video(url, NULL);
        if (pm3k_history_open(path, &mine, &err) != PM3K_OK) {
            fprintf(stderr, "child open: %s\n", err.message);
            _exit(3);
        }
        if (read(go[0], &byte, 1) != 1)
            _exit(4);
        if (pm3k_history_begin_post(mine, &p, T0, 0, &attempt, &check, &err) != PM3K_OK) {
            fprintf(stderr, "child begin: %s\n", err.message);
            _exit(5);
        }
        byte = attempt > 0 ? 'P' : check.block == PM3K_BLOCK_INTERVAL ? 'I' : '?';
        if (write(results[1], &byte, 1) != 1)
            _exit(6);
        pm3k_history_close(mine);
        _exit(0);
    }
    /* Only the children keep these ends: a child that dies ends the read. */
    close(go[0]);
    close(results[1]);
    assert_int_equal(write(go[1], "gg", 2), 2);
    close(go[1]);
    char got[3] = "";
    ssize_t n = 0, r;
    while (n < 2 && (r = read(results[0], got + n, (size_t)(2 - n))) > 0)
        n += r;
    close(results[0]);
    for (int i = 0; i < 2; i++) {
        int status = 0;
        assert_true(wait(&status) > 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("a racing child failed (exit %d)", WEXITSTATUS(status));
    }
    assert_int_equal(n, 2);
    if (strcmp(got, "PI") != 0 && strcmp(got, "IP") != 0)
        fail_msg("racing posts: %s (want one P and one I)", got);
}

static pm3k_code collect(void *userdata, const pm3k_history_entry *e)
{
    char *buf = userdata;
    size_t used = strlen(buf);
    snprintf(buf + used, 1024 - used, "%s %s %s|", e->what, e->outcome, e->url ? e->url : "-");
    return PM3K_OK;
}

static bool file_contains(const char *path, const char *needle)
{
    char *buf = NULL;
    size_t len = 0;
    pm3k_error err = {0};
    bool found = false;
    if (pm3k_file_read(path, 64 * 1024 * 1024, &buf, &len, &err) != PM3K_OK)
        return false;
    for (size_t i = 0; !found && i + strlen(needle) <= len; i++)
        found = memcmp(buf + i, needle, strlen(needle)) == 0;
    free(buf);
    return found;
}

static void lists_newest_first_and_keeps_no_secret(void **state)
{
    (void)state;
    char path[256], listed[1024] = "", wal[300];
    pm3k_error err = {0};
    pm3k_history *h = fresh(path, sizeof path);
    post_ok(h, "https://user:hunter2secret@media.example.com/a.mp4?X-Amz-Signature=s3cr3tsig", NULL,
            T0);
    pm3k_upload_record up = {.file_sha256 = "bb22",
                             .size = 42,
                             .target = "pm3k",
                             .url = "https://files.pm3k.org/uploads/u/2027-01-15/b.mp4"};
    assert_int_equal(pm3k_history_record_upload(h, &up, T0 + 5, &err), PM3K_OK);
    assert_int_equal(pm3k_history_list(h, NULL, 0, collect, listed, &err), PM3K_OK);
    assert_string_equal(
        listed, "upload uploaded https://files.pm3k.org/uploads/u/2027-01-15/b.mp4|"
                "post ok https://REDACTED@media.example.com/a.mp4?X-Amz-Signature=REDACTED|");
    char url[256];
    bool found = false;
    assert_int_equal(pm3k_history_find_upload(h, "bb22", 42, "pm3k", url, sizeof url, &found, &err),
                     PM3K_OK);
    assert_true(found);
    assert_string_equal(url, up.url);
    assert_int_equal(pm3k_history_find_upload(h, "bb22", 43, "pm3k", url, sizeof url, &found, &err),
                     PM3K_OK);
    assert_false(found);
    pm3k_history_close(h);
    snprintf(wal, sizeof wal, "%s-wal", path);
    assert_false(file_contains(path, "hunter2secret"));
    assert_false(file_contains(path, "s3cr3tsig"));
    assert_false(file_contains(wal, "hunter2secret"));
}

static void account_fingerprint_hides_the_key(void **state)
{
    (void)state;
    char a[PM3K_ACCOUNT_LEN + 1], b[PM3K_ACCOUNT_LEN + 1], c[PM3K_ACCOUNT_LEN + 1];
    pm3k_error err = {0};
    assert_int_equal(pm3k_account_fingerprint("pm3k_live_key_one", a, &err), PM3K_OK);
    assert_int_equal(pm3k_account_fingerprint("pm3k_live_key_one", b, &err), PM3K_OK);
    assert_int_equal(pm3k_account_fingerprint("pm3k_live_key_two", c, &err), PM3K_OK);
    assert_int_equal(strlen(a), PM3K_ACCOUNT_LEN);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(strspn(a, "0123456789abcdef"), PM3K_ACCOUNT_LEN);
}

/* --resend settles the earlier unknown attempts: after it, they no longer
 * block the post (they still count for the budget). An attempt still in
 * flight in another process is told apart from one that got no answer. */
static void resend_settles_unknown_attempts(void **state)
{
    (void)state;
    char path[256];
    pm3k_history_check check;
    pm3k_history *h = fresh(path, sizeof path);
    pm3k_post_record p = video("https://files.pm3k.org/uploads/u/f.mp4", "caption f");
    int64_t first = begin(h, &p, T0, 0, NULL);
    assert_true(first > 0);
    assert_int_equal(begin(h, &p, T0 + 5, 0, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_UNKNOWN_OUTCOME);
    assert_int_equal(check.other_outcome, PM3K_POST_SENDING);
    assert_int_equal(check.other_id, first);
    finish(h, first, PM3K_POST_UNKNOWN, T0 + 20);
    assert_int_equal(begin(h, &p, T0 + 7200, 0, &check), 0);
    assert_int_equal(check.other_outcome, PM3K_POST_UNKNOWN);
    /* Another post within the hour of the unknown attempt: a resend that
     * the interval blocks settles nothing. */
    post_ok(h, "https://files.pm3k.org/uploads/u/g.mp4", NULL, T0 + 7000);
    assert_int_equal(begin(h, &p, T0 + 7200, PM3K_HISTORY_RESEND, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_INTERVAL);
    assert_int_equal(begin(h, &p, T0 + 11000, 0, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_UNKNOWN_OUTCOME);
    int64_t resent = begin(h, &p, T0 + 11000, PM3K_HISTORY_RESEND, &check);
    assert_true(resent > 0);
    finish(h, resent, PM3K_POST_REJECTED, T0 + 11001);
    /* the same caption on another video: the old attempt no longer blocks */
    pm3k_post_record again = video("https://files.pm3k.org/uploads/u/f2.mp4", "caption f");
    assert_true(begin(h, &again, T0 + 11100, 0, &check) > 0);
    pm3k_history_close(h);

    /* The user checked and resends at once: the unknown attempt no longer
     * holds the hour either (PM3K's own interval refuses a real repeat). */
    h = fresh(path, sizeof path);
    first = begin(h, &p, T0, 0, NULL);
    finish(h, first, PM3K_POST_UNKNOWN, T0 + 20);
    assert_true(begin(h, &p, T0 + 60, PM3K_HISTORY_RESEND, &check) > 0);
    pm3k_history_close(h);
}

static pm3k_code collect_states(void *userdata, const pm3k_history_entry *e)
{
    char *buf = userdata;
    size_t used = strlen(buf);
    snprintf(buf + used, 512 - used, "%s/%s/%s|", e->publish_id ? e->publish_id : "-",
             e->publish_state ? e->publish_state : "-", e->fail_reason ? e->fail_reason : "-");
    return PM3K_OK;
}

static void status_answers_reach_the_post(void **state)
{
    (void)state;
    char path[256], listed[512] = "";
    pm3k_error err = {0};
    pm3k_history_check check;
    int64_t call = 0;
    pm3k_history *h = fresh(path, sizeof path);
    post_ok(h, "https://files.pm3k.org/uploads/u/s1.mp4", NULL, T0);
    assert_int_equal(
        pm3k_history_begin_status(h, "acct1", "7153000000000000001", T0 + 9, &call, &check, &err),
        PM3K_OK);
    assert_true(call > 0);
    pm3k_status_answer a = {
        .http_status = 200, .state = "failed", .fail_reason = "picture_size_check_failed"};
    assert_int_equal(pm3k_history_finish_status(h, call, &a, T0 + 10, &err), PM3K_OK);
    /* another account's call for the same id changes nothing of acct1's */
    assert_int_equal(
        pm3k_history_begin_status(h, "acct2", "7153000000000000001", T0 + 11, &call, &check, &err),
        PM3K_OK);
    pm3k_status_answer done = {.http_status = 200, .state = "done"};
    assert_int_equal(pm3k_history_finish_status(h, call, &done, T0 + 12, &err), PM3K_OK);
    assert_int_equal(pm3k_history_list(h, "acct1", 0, collect_states, listed, &err), PM3K_OK);
    assert_string_equal(listed, "7153000000000000001/failed/picture_size_check_failed|");
    pm3k_history_close(h);
}

static pm3k_code collect_accounts(void *userdata, const char *account)
{
    char *buf = userdata;
    size_t used = strlen(buf);
    snprintf(buf + used, 256 - used, "%s|", account);
    return PM3K_OK;
}

static void lists_accounts_newest_first(void **state)
{
    (void)state;
    char path[256], listed[256] = "";
    pm3k_error err = {0};
    pm3k_history *h = fresh(path, sizeof path);
    post_ok(h, "https://files.pm3k.org/uploads/u/n1.mp4", NULL, T0);
    pm3k_upload_record up = {.account = "acct9",
                             .file_sha256 = "cc33",
                             .size = 1,
                             .target = "pm3k",
                             .url = "https://files.pm3k.org/uploads/z/1.mp4"};
    assert_int_equal(pm3k_history_record_upload(h, &up, T0 + 50, &err), PM3K_OK);
    up.account = NULL; /* S3 uploads belong to no account */
    assert_int_equal(pm3k_history_record_upload(h, &up, T0 + 60, &err), PM3K_OK);
    assert_int_equal(pm3k_history_accounts(h, collect_accounts, listed, &err), PM3K_OK);
    assert_string_equal(listed, "acct9|acct1|");
    pm3k_history_close(h);
}

/* A history written by the first schema is brought up to date and keeps
 * its rows. The first schema is pinned here as it shipped. */
static void migrates_a_version_1_history(void **state)
{
    (void)state;
    char path[256], listed[1024] = "";
    sqlite3 *db = NULL;
    pm3k_history *h = NULL;
    pm3k_error err = {0};
    pm3k_history_check check;
    snprintf(path, sizeof path, "%s/v1.db", dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(
            db,
            "PRAGMA application_id = 1347236680;"
            "CREATE TABLE posts (id INTEGER PRIMARY KEY, account TEXT NOT NULL, created_at "
            "INTEGER NOT NULL, media TEXT NOT NULL CHECK (media IN ('video', 'photo')), url TEXT, "
            "url_sha256 TEXT, photo_count INTEGER NOT NULL DEFAULT 0, file_sha256 TEXT, "
            "caption_sha256 TEXT, outcome TEXT NOT NULL CHECK (outcome IN ('sending', 'ok', "
            "'rejected', 'unknown')), publish_id TEXT, code TEXT, http_status INTEGER, "
            "finished_at INTEGER);"
            "CREATE TABLE status_calls (id INTEGER PRIMARY KEY, account TEXT NOT NULL, "
            "created_at INTEGER NOT NULL, publish_id TEXT, http_status INTEGER, state TEXT, code "
            "TEXT);"
            "CREATE TABLE cooldowns (account TEXT NOT NULL, kind TEXT NOT NULL, until INTEGER "
            "NOT NULL, code TEXT, set_at INTEGER NOT NULL, PRIMARY KEY (account, kind));"
            "CREATE TABLE uploads (id INTEGER PRIMARY KEY, account TEXT, created_at INTEGER NOT "
            "NULL, file_sha256 TEXT NOT NULL, size INTEGER NOT NULL, target TEXT NOT NULL, url "
            "TEXT NOT NULL, album_id TEXT);"
            "INSERT INTO posts (account, created_at, media, url, outcome, publish_id, "
            "finished_at) VALUES ('acct1', 1800000000, 'video', 'https://files.pm3k.org/old.mp4', "
            "'ok', '7153', 1800000001);"
            "PRAGMA user_version = 1;",
            NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(pm3k_history_open(path, &h, &err), PM3K_OK);
    assert_int_equal(pm3k_history_list(h, NULL, 0, collect, listed, &err), PM3K_OK);
    assert_string_equal(listed, "post ok https://files.pm3k.org/old.mp4|");
    assert_int_equal(pm3k_history_next_post(h, "acct1", T0 + 10, &check, &err), PM3K_OK);
    assert_int_equal(check.block, PM3K_BLOCK_INTERVAL);
    assert_int_equal(check.allowed_at, T0 + 1 + 1 + 3600);
    pm3k_history_close(h);
}

/* A run killed while its post was in flight: the next run on this host
 * knows at once that the outcome is unknown (its sender is gone), rather
 * than taking it for another process still sending. */
static void dead_sender_is_an_unknown_outcome(void **state)
{
    (void)state;
    char path[256];
    pm3k_history_check check;
    pm3k_history *h = fresh(path, sizeof path);
    pm3k_history_close(h);
    pm3k_post_record p = video("https://files.pm3k.org/uploads/u/dead.mp4", "caption dead");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pm3k_history *child = NULL;
        pm3k_error err = {0};
        int64_t attempt = 0;
        pm3k_history_check c;
        bool sent = pm3k_history_open(path, &child, &err) == PM3K_OK &&
                    pm3k_history_begin_post(child, &p, T0, 0, &attempt, &c, &err) == PM3K_OK &&
                    attempt > 0;
        _exit(sent ? 0 : 1); /* killed mid-send: never finished, never closed */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    pm3k_error err = {0};
    assert_int_equal(pm3k_history_open(path, &h, &err), PM3K_OK);
    assert_int_equal(begin(h, &p, T0 + 5, 0, &check), 0);
    assert_int_equal(check.block, PM3K_BLOCK_UNKNOWN_OUTCOME);
    assert_int_equal(check.other_outcome, PM3K_POST_UNKNOWN);
    /* a post of this (live) process stays "sending" */
    pm3k_post_record q = video("https://files.pm3k.org/uploads/u/live.mp4", "caption live");
    assert_true(begin(h, &q, T0 + 7200, PM3K_HISTORY_IGNORE, NULL) > 0);
    assert_int_equal(begin(h, &q, T0 + 7205, PM3K_HISTORY_IGNORE, &check), 0);
    assert_int_equal(check.other_outcome, PM3K_POST_SENDING);
    pm3k_history_close(h);
}

/* Processes that all open a history file that does not exist yet (the
 * first runs of a pipeline, side by side): every one of them gets it. */
static void first_opens_side_by_side(void **state)
{
    (void)state;
    enum { N = 8 };
    char path[256];
    int go[2];
    pid_t pids[N];
    snprintf(path, sizeof path, "%s/first%d/history.db", dir, ++serial);
    assert_int_equal(pipe(go), 0);
    for (int i = 0; i < N; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            char c;
            close(go[1]);
            (void)!read(go[0], &c, 1); /* all start at once */
            pm3k_history *h = NULL;
            pm3k_error err = {0};
            pm3k_code rc = pm3k_history_open(path, &h, &err);
            if (rc != PM3K_OK)
                fprintf(stderr, "child %d: %s\n", i, err.message);
            pm3k_history_close(h);
            _exit(rc == PM3K_OK ? 0 : 1);
        }
    }
    close(go[0]);
    close(go[1]);
    for (int i = 0; i < N; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(opens_private_file_in_new_folders),
        cmocka_unit_test(refuses_foreign_and_newer_files),
        cmocka_unit_test(interval_then_daily),
        cmocka_unit_test(rejected_posts_do_not_count),
        cmocka_unit_test(duplicates_of_url_file_and_caption),
        cmocka_unit_test(unknown_outcomes_are_never_resent_blindly),
        cmocka_unit_test(cooldowns_from_pm3k),
        cmocka_unit_test(status_budget_per_minute_hour_and_cooldown),
        cmocka_unit_test(racing_processes_spend_one_post),
        cmocka_unit_test(lists_newest_first_and_keeps_no_secret),
        cmocka_unit_test(account_fingerprint_hides_the_key),
        cmocka_unit_test(resend_settles_unknown_attempts),
        cmocka_unit_test(status_answers_reach_the_post),
        cmocka_unit_test(lists_accounts_newest_first),
        cmocka_unit_test(migrates_a_version_1_history),
        cmocka_unit_test(dead_sender_is_an_unknown_outcome),
        cmocka_unit_test(first_opens_side_by_side),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
