/* pm3k — rules internals (not public): hints that depend on the cause. */
#ifndef PM3K_CORE_RULES_INT_H
#define PM3K_CORE_RULES_INT_H

#include "pm3k/report.h"
#include "pm3k/rules.h"

/* A rule whose fix depends on why it fired has "{fix}" as its hint; the
 * check picks one of these templates (core/rules.c), fills it like a hint
 * ("{host}" from its values, then the item's facts) and passes it as fix. */
typedef enum pm3k__fix {
    /* verify_file_missing */
    PM3K__FIX_VERIFY_NOT_200,        /* any answer but 200 that has no better fix */
    PM3K__FIX_VERIFY_TRAILING_SLASH, /* a redirect to the same URL with a '/' */
    PM3K__FIX_VERIFY_TO_HTTP,        /* a redirect to http:// */
    PM3K__FIX_VERIFY_REDIRECT,       /* any other redirect */
    PM3K__FIX_VERIFY_CERTIFICATE,    /* the certificate was refused */
    PM3K__FIX_VERIFY_NOT_FOUND,      /* 404 */
    PM3K__FIX_VERIFY_FORBIDDEN,      /* 401, 403 */
    /* fetch_error (definite) */
    PM3K__FIX_FETCH_DEFINITE,   /* 4xx, a refused certificate, a broken answer */
    PM3K__FIX_TLS_NOT_TLS,      /* the port answers without TLS (plain HTTP) */
    PM3K__FIX_TLS_OLD_PROTOCOL, /* only TLS 1.0/1.1 or legacy signatures */
    PM3K__FIX_TLS_NO_CIPHER,    /* no cipher in common, a key too weak */
    PM3K__FIX_TLS_HOST_NAME,    /* no TLS setup for the host name (SNI) */
    /* unreadable_media (video) */
    PM3K__FIX_MEDIA_BROKEN,    /* a known container that cannot be read: cut off, unfinished */
    PM3K__FIX_MEDIA_NOT_MEDIA, /* the content is no video or image at all (text, a document) */
    PM3K__FIX_MEDIA_EMPTY,     /* zero bytes */
    PM3K__FIX_MEDIA_CORRUPT,   /* tables that declare more than the file holds, or contradict it */
    PM3K__FIX_MEDIA_ENCRYPTED, /* encrypted media (CENC, DRM) */
    /* unsupported_container */
    PM3K__FIX_CONTAINER_REMUX,    /* H.264/H.265 inside: the streams can be copied */
    PM3K__FIX_CONTAINER_REENCODE, /* another codec (VP9 WebM): MP4 needs a re-encode */
    PM3K__FIX_CONTAINER_UNKNOWN,  /* the codec is not known */
    /* too_large (video) */
    PM3K__FIX_TOO_LARGE_BITRATE, /* the duration is known: a bitrate that fits the limit */
    PM3K__FIX_TOO_LARGE_TRIM,    /* it is not */
    /* unsupported_image_type */
    PM3K__FIX_IMAGE_CONVERT,  /* an image of a refused type */
    PM3K__FIX_IMAGE_IS_VIDEO, /* a video given as a photo slide */
    PM3K__FIX_IMAGE_UNKNOWN,  /* content of no known type */
    /* input_unreadable */
    PM3K__FIX_INPUT_PERMISSIONS, /* EACCES, EPERM */
    PM3K__FIX_INPUT_NAME_TOO_LONG,
    PM3K__FIX_INPUT_LOOP, /* symlinks that lead to each other, a folder too deep */
    PM3K__FIX_INPUT_CHANGED,
    PM3K__FIX_INPUT_OTHER, /* a special file, an I/O error */
    PM3K__FIX__COUNT
} pm3k__fix;

/* The template of a fix (never NULL for a valid fix). */
const char *pm3k__rule_fix(pm3k__fix fix);

/* The version of the rules table: a manual number for changes of the checks
 * themselves, and a digest of every row and fix ("1-0123456789abcdef"). The
 * result cache (probe/cache.c) serves a verdict only to the same version. */
#define PM3K__RULES_VERSION_LEN 32
void pm3k__rules_version(char out[PM3K__RULES_VERSION_LEN + 1]);
/* pm3k_item_add for a rule whose hint is "{fix}": the fix's template is
 * filled from the same (name, value) pairs, the limits and the facts, and
 * becomes the hint (core/report.c). */
pm3k_code pm3k__item_add_fix(pm3k_item *item, pm3k_rule_id rule, pm3k__fix fix, ...)
    __attribute__((sentinel));

/* The input_unreadable fix for why a file could not be opened (an errno). */
pm3k__fix pm3k__input_fix(int errnum);

#endif
