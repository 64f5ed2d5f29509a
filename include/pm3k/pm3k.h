/* pm3k — umbrella header. */
#ifndef PM3K_PM3K_H
#define PM3K_PM3K_H

#include "pm3k/api.h"
#include "pm3k/error.h"
#include "pm3k/exit.h"
#include "pm3k/file.h"
#include "pm3k/fix.h"
#include "pm3k/http.h"
#include "pm3k/payload.h"
#include "pm3k/probe.h"
#include "pm3k/report.h"
#include "pm3k/rules.h"
#include "pm3k/url.h"
#include "pm3k/history.h"
#include "pm3k/utf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One-time process setup (libcurl). Call once from main before any other pm3k call;
 * safe to call again. FFmpeg and libvips are loaded and set up (libvips
 * hardening, FFmpeg logging off) by the first media check, so runs that
 * check no media never load them. */
pm3k_code pm3k_global_init(pm3k_error *err);
void pm3k_global_cleanup(void);

/* "0.1.0" */
const char *pm3k_version(void);
/* Versions of the linked libraries, e.g. "libavformat 59.27.100, libvips 8.14.1, ..." */
const char *pm3k_library_versions(void);

#ifdef __cplusplus
}
#endif
#endif
