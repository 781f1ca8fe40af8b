/*
 * office.h - the parent's side of the LibreOffice converters.
 *
 * A converter is one LibreOffice instance and the agent that drives it over
 * UNO (src/worker/office-agent.py), both confined by `mugai-worker
 * office-launch` (src/worker/office.c) in a process group of their own with
 * a private directory. Starting LibreOffice costs seconds and converting a
 * document tens of milliseconds, so converters are pooled: at most [office]
 * converters at once in this process, started when first needed, each
 * converting one document at a time and restarted after [office]
 * recycle_after documents or after any failure. A document that overruns
 * [office] timeout has its converter's whole process group killed.
 *
 * The protocol between mugai and a converter is in sandbox/office-wire.h.
 */
#ifndef MUGAI_SANDBOX_OFFICE_H
#define MUGAI_SANDBOX_OFFICE_H

#include <glib.h>

#include "core/config.h"
#include "sandbox/office-wire.h"

G_BEGIN_DECLS

/* What a conversion tells the report. */
typedef struct {
  guint converter;      /* which converter of this process (1, 2, ...) */
  guint document;       /* its how-manieth document this was (1 = just started) */
  guint64 start_ms;     /* time its start took, when started for this document; else 0 */
  guint64 convert_ms;   /* the conversion, start excluded */
  char version[32];     /* LibreOffice's version */
  char confinement[64]; /* how its box was built, e.g. seccomp+landlock-v7 */
} MugaiOfficeStats;

/* mugai_office_convert - DATA, an office document of FORMAT (a hint from
 * its content: "docx", "xls", "ole", ...), as a PDF from a pooled converter.
 * PASSWORD (may be NULL) opens an encrypted document. Returns the PDF
 * (untrusted; transfer full) or NULL with a MUGAI_SANDBOX_ERROR: ENCRYPTED
 * (a password is needed, or the one given is wrong), MALFORMED (LibreOffice
 * cannot open it as FORMAT), TIMEOUT, SPAWN, CRASHED, PROTOCOL or LIMIT.
 * STATS (may be NULL) is filled in either way. Blocks while every converter
 * is busy. */
GBytes *mugai_office_convert(const MugaiConfig *config, GBytes *data, const char *format,
                             const char *password, MugaiOfficeStats *stats, GError **error);

/* mugai_office_shutdown - end every idle converter and remove its files
 * (registered with atexit when the first converter starts). */
void mugai_office_shutdown(void);

G_END_DECLS

#endif /* MUGAI_SANDBOX_OFFICE_H */
