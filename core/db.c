/* pm3k — opening SQLite databases (see core/db.h for the decisions). */
#include <errno.h>
#include <time.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/db.h"

/* Make every missing folder of path's parent, private to the user. */
static pm3k_code make_parent(const char *path, pm3k_error *err)
{
    char *dir = strdup(path);
    pm3k_code rc = PM3K_OK;
    if (!dir)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        goto out;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            rc = pm3k_error_set(err, PM3K_ERR_IO, "cannot make the folder '%s': %s", dir,
                                strerror(errno));
            goto out;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
out:
    free(dir);
    return rc;
}

/* The file exists with mode 0600 before SQLite opens it: SQLite gives its
 * -wal and -shm files the same mode. */
static pm3k_code create_private(const char *path, pm3k_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0)
        return pm3k_error_set(err, PM3K_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    close(fd);
    return PM3K_OK;
}

pm3k_code pm3k__db_error(sqlite3 *db, const char *what, pm3k_error *err)
{
    const char *file = db ? sqlite3_db_filename(db, "main") : NULL;
    int code = db ? sqlite3_extended_errcode(db) & 0xff : SQLITE_NOMEM;
    const char *message = db ? sqlite3_errmsg(db) : "out of memory";
    file = file && *file ? file : "(database)";
    switch (code) {
    case SQLITE_NOTADB:
        return pm3k_error_set(err, PM3K_ERR_PARSE, "'%s' is not a SQLite database", file);
    case SQLITE_CORRUPT:
        return pm3k_error_set(err, PM3K_ERR_PARSE, "'%s' is damaged: %s", file, message);
    case SQLITE_NOMEM:
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return pm3k_error_set(err, PM3K_ERR_IO,
                              "cannot %s '%s': another pm3k process holds it longer than %d s",
                              what, file, PM3K__DB_BUSY_TIMEOUT_MS / 1000);
    default:
        return pm3k_error_set(err, PM3K_ERR_IO, "cannot %s '%s': %s", what, file, message);
    }
}

pm3k_code pm3k__db_exec(sqlite3 *db, const char *sql, pm3k_error *err)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return pm3k__db_error(db, "use", err);
    return PM3K_OK;
}

pm3k_code pm3k__db_begin(sqlite3 *db, pm3k_error *err)
{
    return pm3k__db_exec(db, "BEGIN IMMEDIATE", err);
}

pm3k_code pm3k__db_commit(sqlite3 *db, pm3k_error *err)
{
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        pm3k_code rc = pm3k__db_error(db, "write", err);
        pm3k__db_rollback(db);
        return rc;
    }
    return PM3K_OK;
}

void pm3k__db_rollback(sqlite3 *db)
{
    if (db && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

pm3k_code pm3k__db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out, pm3k_error *err)
{
    *out = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK)
        return pm3k__db_error(db, "read", err);
    return PM3K_OK;
}

int pm3k__db_bind_text(sqlite3_stmt *st, int index, const char *text)
{
    return text ? sqlite3_bind_text(st, index, text, -1, SQLITE_TRANSIENT)
                : sqlite3_bind_null(st, index);
}

/* One integer from a PRAGMA or a COUNT. */
static pm3k_code query_int(sqlite3 *db, const char *sql, int64_t *out, pm3k_error *err)
{
    sqlite3_stmt *st = NULL;
    pm3k_code rc = pm3k__db_prepare(db, sql, &st, err);
    if (rc != PM3K_OK)
        return rc;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = pm3k__db_error(db, "read", err);
    sqlite3_finalize(st);
    return rc;
}

/* Inside the opening transaction: is the file ours, and how old is it? */
static pm3k_code check_and_migrate(sqlite3 *db, const char *path, const pm3k__db_schema *schema,
                                   pm3k_error *err)
{
    int64_t app_id = 0, version = 0, objects = 0;
    pm3k_code rc;
    char sql[96];

    if ((rc = query_int(db, "PRAGMA application_id", &app_id, err)) != PM3K_OK ||
        (rc = query_int(db, "PRAGMA user_version", &version, err)) != PM3K_OK ||
        (rc = query_int(db, "SELECT count(*) FROM sqlite_master", &objects, err)) != PM3K_OK)
        return rc;
    if ((app_id != 0 && app_id != schema->application_id) || (app_id == 0 && objects > 0))
        return pm3k_error_set(err, PM3K_ERR_PARSE,
                              "'%s' is not a pm3k %s database (it belongs to another program)",
                              path, schema->name);
    if (version > (int64_t)schema->migration_count)
        return pm3k_error_set(err, PM3K_ERR_UNSUPPORTED,
                              "'%s' was written by a newer pm3k (%s schema %lld; this one knows "
                              "up to %zu): upgrade pm3k",
                              path, schema->name, (long long)version, schema->migration_count);
    for (size_t i = (size_t)version; i < schema->migration_count; i++)
        if ((rc = pm3k__db_exec(db, schema->migrations[i], err)) != PM3K_OK)
            return rc;
    if (version == (int64_t)schema->migration_count)
        return PM3K_OK;
    snprintf(sql, sizeof sql, "PRAGMA user_version = %zu", schema->migration_count);
    if ((rc = pm3k__db_exec(db, sql, err)) != PM3K_OK)
        return rc;
    snprintf(sql, sizeof sql, "PRAGMA application_id = %ld", (long)schema->application_id);
    return pm3k__db_exec(db, sql, err);
}

/* SQLite answers BUSY at once, without its busy handler, where waiting
 * could deadlock: two connections that both open a new file and switch it
 * to WAL, or a WAL being recovered. At open nothing is held yet, so wait
 * here instead, as long as the busy timeout. */
static pm3k_code exec_patient(sqlite3 *db, const char *sql, pm3k_error *err)
{
    const struct timespec pause = {0, 20 * 1000 * 1000};
    pm3k_code rc = PM3K_OK;
    for (int tries = 0; tries < PM3K__DB_BUSY_TIMEOUT_MS / 20; tries++) {
        if ((rc = pm3k__db_exec(db, sql, err)) == PM3K_OK ||
            (sqlite3_extended_errcode(db) & 0xff) != SQLITE_BUSY)
            return rc;
        nanosleep(&pause, NULL);
    }
    return rc;
}

pm3k_code pm3k__db_open(const char *path, const pm3k__db_schema *schema, sqlite3 **out,
                        pm3k_error *err)
{
    sqlite3 *db = NULL;
    pm3k_code rc;

    *out = NULL;
    if ((rc = make_parent(path, err)) != PM3K_OK || (rc = create_private(path, err)) != PM3K_OK)
        return rc;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rc = pm3k__db_error(db, "open", err);
        goto out;
    }
    sqlite3_busy_timeout(db, PM3K__DB_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db, 1);
    /* WAL first: it is what makes concurrent processes cheap and safe. A file
     * that is not a database fails here. */
    if ((rc = exec_patient(db, "PRAGMA journal_mode = WAL", err)) != PM3K_OK ||
        (rc = exec_patient(db, "PRAGMA synchronous = NORMAL", err)) != PM3K_OK ||
        (rc = exec_patient(db, "PRAGMA foreign_keys = ON", err)) != PM3K_OK)
        goto out;
    if ((rc = exec_patient(db, "BEGIN IMMEDIATE", err)) != PM3K_OK)
        goto out;
    if ((rc = check_and_migrate(db, path, schema, err)) != PM3K_OK) {
        pm3k__db_rollback(db);
        goto out;
    }
    rc = pm3k__db_commit(db, err);
out:
    if (rc != PM3K_OK) {
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return PM3K_OK;
}

void pm3k__db_close(sqlite3 *db)
{
    if (db)
        sqlite3_close(db);
}
