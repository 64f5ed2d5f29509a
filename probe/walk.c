/* pm3k — recursive folder walk in a deterministic order.
 *
 * Entries are sorted so that the whole walk comes out sorted by full path
 * (bytewise, like `LC_ALL=C sort`): a directory sorts as if its name ended in
 * '/'. Only one sorted listing per open directory level is kept in memory.
 * Dotfiles and AppleDouble "._*" files are skipped; symlinked directories are
 * not followed (no loops); symlinks to nothing are left out with a note;
 * files are taken by the extension list, by default every extension of the
 * format table (probe/formats.c). Each file left out is told to the
 * caller's skip hook, so a run can count what it did not check. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pm3k/probe.h"
#include "probe/formats.h"
#include "probe/walk.h"

const char *const *pm3k_walk_default_extensions(void)
{
    return pm3k__format_extensions();
}

/* Deeper folders are reported as unreadable (ELOOP). */
#define WALK_MAX_DEPTH 256

typedef struct entry {
    char *name;
    bool is_dir;
} entry;

typedef struct level {
    char *dir; /* path of this directory as it will be printed */
    entry *entries;
    size_t count, next;
} level;

struct pm3k__walk {
    const char *const *exts;
    size_t ext_count;
    pm3k__walk_skip_fn skip;
    void *skip_data;
    level *stack;
    size_t depth, cap;
    char *pending_error_path; /* a directory that could not be listed */
    int pending_errno;
};

/* The byte at i of an entry's sort key: its name, then '/' for a directory,
 * then end (-1). */
static int key_byte(const entry *e, size_t len, size_t i)
{
    if (i < len)
        return (unsigned char)e->name[i];
    if (i == len && e->is_dir)
        return '/';
    return -1;
}

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    size_t lx = strlen(x->name), ly = strlen(y->name);
    for (size_t i = 0;; i++) {
        int c1 = key_byte(x, lx, i), c2 = key_byte(y, ly, i);
        if (c1 != c2)
            return c1 < c2 ? -1 : 1;
        if (c1 < 0)
            return 0;
    }
}

static char *join(const char *dir, const char *name);

bool pm3k__walk_takes(const char *name, const char *const *exts, size_t ext_count)
{
    const char *dot = strrchr(name, '.');
    if (!exts) {
        exts = pm3k__format_extensions();
        for (ext_count = 0; exts[ext_count];)
            ext_count++;
    }
    if (!dot || dot == name)
        return false;
    for (size_t i = 0; i < ext_count; i++)
        if (strcasecmp(dot + 1, exts[i]) == 0)
            return true;
    return false;
}

const char *pm3k__walk_system_file(const char *name)
{
    if (strncmp(name, "._", 2) == 0)
        return "an AppleDouble file (Finder metadata)";
    if (strcmp(name, ".DS_Store") == 0)
        return "Finder metadata";
    if (strcasecmp(name, "Thumbs.db") == 0 || strcasecmp(name, "desktop.ini") == 0 ||
        strcasecmp(name, "ehthumbs.db") == 0)
        return "Explorer metadata";
    if (name[0] == '.')
        return "a hidden file";
    return NULL;
}

static bool wanted_extension(const pm3k__walk *w, const char *name)
{
    return pm3k__walk_takes(name, w->exts, w->ext_count);
}

/* Tell the caller about a file left out. */
static pm3k_code skipped(pm3k__walk *w, const char *dir, const char *name, const char *reason,
                         bool note)
{
    if (!w->skip)
        return PM3K_OK;
    char *full = join(dir, name);
    if (!full)
        return PM3K_ERR_NOMEM;
    w->skip(w->skip_data, full, reason, note);
    free(full);
    return PM3K_OK;
}

/* What a directory entry is: a folder to walk, a file to take or leave,
 * or a symlink whose target does not exist. */
typedef enum entry_type { ENTRY_FILE, ENTRY_DIR, ENTRY_LINKED_DIR, ENTRY_DANGLING } entry_type;

static entry_type entry_type_of(const char *dir, const struct dirent *de, pm3k_code *rc)
{
    if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
        return de->d_type == DT_DIR ? ENTRY_DIR : ENTRY_FILE;
    char *full = join(dir, de->d_name);
    struct stat st, lst;
    if (!full) {
        *rc = PM3K_ERR_NOMEM;
        return ENTRY_FILE;
    }
    /* a symlink to a file is taken; a symlink to a directory is not
     * followed; one to nothing is left out with a note. A loop (ELOOP)
     * stays a file, whose check says it cannot be read. */
    bool is_link = lstat(full, &lst) == 0 && S_ISLNK(lst.st_mode);
    int stat_rc = stat(full, &st), stat_errno = errno;
    free(full);
    if (stat_rc != 0)
        return is_link && stat_errno == ENOENT ? ENTRY_DANGLING : ENTRY_FILE;
    if (S_ISDIR(st.st_mode))
        return is_link ? ENTRY_LINKED_DIR : ENTRY_DIR;
    return ENTRY_FILE;
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    bool slash = dl > 0 && dir[dl - 1] == '/';
    char *out = malloc(dl + nl + 2);
    if (!out)
        return NULL;
    memcpy(out, dir, dl);
    if (!slash)
        out[dl++] = '/';
    memcpy(out + dl, name, nl + 1);
    return out;
}

static void free_level(level *lv)
{
    for (size_t i = 0; i < lv->count; i++)
        free(lv->entries[i].name);
    free(lv->entries);
    free(lv->dir);
    memset(lv, 0, sizeof *lv);
}

/* Read and sort one directory; on failure remember it as an error entry. */
static pm3k_code report_dir_error(pm3k__walk *w, const char *dir, int errnum)
{
    free(w->pending_error_path);
    w->pending_error_path = strdup(dir);
    w->pending_errno = errnum;
    return w->pending_error_path ? PM3K_OK : PM3K_ERR_NOMEM;
}

static pm3k_code push_dir(pm3k__walk *w, const char *dir)
{
    DIR *d;
    level lv = {0};
    size_t cap = 0;
    pm3k_code rc = PM3K_OK;
    /* A bind mount of a folder into itself has no symlink to spot: bound the
     * depth so such a loop ends as one unreadable folder, not in memory
     * exhaustion. */
    if (w->depth >= WALK_MAX_DEPTH)
        return report_dir_error(w, dir, ELOOP);
    d = opendir(dir);
    if (!d)
        return report_dir_error(w, dir, errno);
    lv.dir = strdup(dir);
    if (!lv.dir) {
        rc = PM3K_ERR_NOMEM;
        goto out;
    }
    struct dirent *de;
    for (;;) {
        errno = 0;
        if (!(de = readdir(d))) {
            /* A listing that failed half-way is reported, not taken as
             * complete. */
            if (errno)
                rc = report_dir_error(w, dir, errno);
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (de->d_name[0] == '.') { /* dotfiles, "._*", dot-folders */
            if (de->d_type != DT_DIR &&
                (rc = skipped(w, dir, de->d_name, pm3k__walk_system_file(de->d_name), false)))
                goto out;
            continue;
        }
        entry_type type = entry_type_of(dir, de, &rc);
        if (rc != PM3K_OK)
            goto out;
        if (type == ENTRY_LINKED_DIR)
            continue;
        if (type == ENTRY_DANGLING) {
            if ((rc = skipped(w, dir, de->d_name, "a symlink whose target does not exist", true)))
                goto out;
            continue;
        }
        bool is_dir = type == ENTRY_DIR;
        if (!is_dir && !wanted_extension(w, de->d_name)) {
            const char *why = pm3k__walk_system_file(de->d_name);
            if ((rc = skipped(w, dir, de->d_name, why ? why : "not a media file name", false)))
                goto out;
            continue;
        }
        if (lv.count == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            entry *grown = realloc(lv.entries, ncap * sizeof *grown);
            if (!grown) {
                rc = PM3K_ERR_NOMEM;
                goto out;
            }
            lv.entries = grown;
            cap = ncap;
        }
        lv.entries[lv.count].name = strdup(de->d_name);
        lv.entries[lv.count].is_dir = is_dir;
        if (!lv.entries[lv.count].name) {
            rc = PM3K_ERR_NOMEM;
            goto out;
        }
        lv.count++;
    }
    if (lv.count > 1)
        qsort(lv.entries, lv.count, sizeof *lv.entries, entry_cmp);
    if (w->depth == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 8;
        level *grown = realloc(w->stack, ncap * sizeof *grown);
        if (!grown) {
            rc = PM3K_ERR_NOMEM;
            goto out;
        }
        w->stack = grown;
        w->cap = ncap;
    }
    w->stack[w->depth++] = lv;
    memset(&lv, 0, sizeof lv);
out:
    closedir(d);
    free_level(&lv);
    return rc;
}

pm3k_code pm3k__walk_open(const char *root, const char *const *exts, size_t ext_count,
                          pm3k__walk **out)
{
    return pm3k__walk_open_skipping(root, exts, ext_count, NULL, NULL, out);
}

pm3k_code pm3k__walk_open_skipping(const char *root, const char *const *exts, size_t ext_count,
                                   pm3k__walk_skip_fn skip, void *userdata, pm3k__walk **out)
{
    pm3k__walk *w = calloc(1, sizeof *w);
    if (!w)
        return PM3K_ERR_NOMEM;
    w->skip = skip;
    w->skip_data = userdata;
    if (!exts) {
        exts = pm3k__format_extensions();
        ext_count = 0;
        while (exts[ext_count])
            ext_count++;
    }
    w->exts = exts;
    w->ext_count = ext_count;
    pm3k_code rc = push_dir(w, root);
    if (rc != PM3K_OK) {
        pm3k__walk_close(w);
        return rc;
    }
    *out = w;
    return PM3K_OK;
}

pm3k_code pm3k__walk_next(pm3k__walk *w, char **path, int *errnum)
{
    *path = NULL;
    *errnum = 0;
    for (;;) {
        if (w->pending_error_path) {
            *path = w->pending_error_path;
            *errnum = w->pending_errno;
            w->pending_error_path = NULL;
            return PM3K_OK;
        }
        if (w->depth == 0)
            return PM3K_OK;
        level *lv = &w->stack[w->depth - 1];
        if (lv->next == lv->count) {
            free_level(lv);
            w->depth--;
            continue;
        }
        entry *e = &lv->entries[lv->next++];
        char *full = join(lv->dir, e->name);
        if (!full)
            return PM3K_ERR_NOMEM;
        if (!e->is_dir) {
            *path = full;
            return PM3K_OK;
        }
        pm3k_code rc = push_dir(w, full);
        free(full);
        if (rc != PM3K_OK)
            return rc;
    }
}

void pm3k__walk_close(pm3k__walk *w)
{
    if (!w)
        return;
    while (w->depth > 0)
        free_level(&w->stack[--w->depth]);
    free(w->stack);
    free(w->pending_error_path);
    free(w);
}
