/* pm3k — the one way to open a SQLite database (internal): the posting
 * history (core/history.c) and the result cache (probe/cache.c) both open
 * theirs here, so WAL, the busy timeout, file modes, the schema version and
 * the refusal of foreign or newer files are decided once.
 *
 * Several pm3k processes may share one file: WAL lets readers run beside one
 * writer, and every write transaction starts with BEGIN IMMEDIATE, so two
 * processes that check a budget and then spend it cannot both pass. */
#ifndef PM3K_CORE_DB_H
#define PM3K_CORE_DB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "pm3k/error.h"

/* How long a process waits for another one's write transaction. */
#define PM3K__DB_BUSY_TIMEOUT_MS 10000

typedef struct pm3k__db_schema {
    const char *name;       /* "history", "cache": for messages */
    int32_t application_id; /* PRAGMA application_id: tells our files from others' */
    /* migrations[i] takes the schema from version i to i + 1; the current
     * version is migration_count. Each runs in the opening transaction. */
    const char *const *migrations;
    size_t migration_count;
} pm3k__db_schema;

/* Open path (its folder is made, mode 0700; the file is 0600), in WAL mode
 * with the busy timeout, and bring its schema up to date. Errors:
 * PM3K_ERR_PARSE for a file that is not a SQLite database or is one of
 * another program's (tables but not our application id), PM3K_ERR_UNSUPPORTED
 * for a schema newer than this pm3k knows, PM3K_ERR_IO otherwise; the message
 * names the file. */
pm3k_code pm3k__db_open(const char *path, const pm3k__db_schema *schema, sqlite3 **out,
                        pm3k_error *err);
void pm3k__db_close(sqlite3 *db);

/* Run SQL without results. */
pm3k_code pm3k__db_exec(sqlite3 *db, const char *sql, pm3k_error *err);
/* BEGIN IMMEDIATE (takes the write lock now, waiting up to the busy timeout),
 * COMMIT, ROLLBACK. */
pm3k_code pm3k__db_begin(sqlite3 *db, pm3k_error *err);
pm3k_code pm3k__db_commit(sqlite3 *db, pm3k_error *err);
void pm3k__db_rollback(sqlite3 *db);

/* Prepare a statement; on failure err says why. */
pm3k_code pm3k__db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out, pm3k_error *err);
/* Set err from the database's last error: "cannot WHAT '<file>': <sqlite message>". */
pm3k_code pm3k__db_error(sqlite3 *db, const char *what, pm3k_error *err);

/* Bind a string, or NULL when text is NULL. */
int pm3k__db_bind_text(sqlite3_stmt *st, int index, const char *text);

#endif
