/*
 * worker.h - the parent's side of a sandboxed worker.
 *
 * mugai_worker_spawn starts the worker program on one input with the
 * limits of the configuration; mugai_worker_next returns its frames one at
 * a time, each checked against those limits, and fails on anything else:
 * a malformed or oversized frame, a deadline passed (the worker is killed),
 * a worker that died. Concurrency is bounded by a process-wide pool.
 */
#ifndef MUGAI_SANDBOX_WORKER_H
#define MUGAI_SANDBOX_WORKER_H

#include <glib.h>

#include <mugai/item.h>

#include "core/config.h"
#include "sandbox/wire.h"

G_BEGIN_DECLS

#define MUGAI_SANDBOX_ERROR (mugai_sandbox_error_quark())
GQuark mugai_sandbox_error_quark(void);

typedef enum {
  MUGAI_SANDBOX_ERROR_SPAWN,       /* the worker could not be started */
  MUGAI_SANDBOX_ERROR_TIMEOUT,     /* deadline passed; killed */
  MUGAI_SANDBOX_ERROR_CRASHED,     /* died: signal, forbidden call, limit */
  MUGAI_SANDBOX_ERROR_PROTOCOL,    /* a frame that breaks the wire format */
  MUGAI_SANDBOX_ERROR_LIMIT,       /* a frame over a limit; or the worker said so */
  MUGAI_SANDBOX_ERROR_ENCRYPTED,   /* the worker needs a password */
  MUGAI_SANDBOX_ERROR_MALFORMED,   /* the worker's parser rejected the input */
  MUGAI_SANDBOX_ERROR_UNSUPPORTED, /* the worker cannot handle it */
} MugaiSandboxError;

typedef struct _MugaiWorker MugaiWorker;

/* One checked frame. PIXELS, TEXT and BYTES belong to the worker and are
 * valid until the next call. An "archive" worker's frames are MEMBER, DATA
 * and END (checked for form and order here; sizes against [archive] by the
 * caller); every other mode's are DOC, TEXT, PAGE and END. */
typedef struct {
  MugaiWireType type;
  guint32 index;
  guint32 page_count; /* DOC: 1..max_pages */
  guint32 flags;      /* DOC */
  guint width, height, channels;
  double page_width_pt, page_height_pt; /* PAGE of a PDF, else 0 */
  const guint8 *pixels;                 /* PAGE: width*height*channels bytes */
  const char *text;                     /* TEXT: NUL-terminated, NOT yet validated UTF-8 */
  gsize text_len;
  guint32 kind;        /* MEMBER: a MugaiWireMemberKind */
  const guint8 *bytes; /* MEMBER: the stored name (no NUL, NOT decoded); DATA: content */
  gsize bytes_len;
} MugaiFrame;

/* mugai_worker_spawn - run the worker in MODE ("pdf", "image", "archive")
 * on DATA; EXTRA is more arguments (e.g. "--format=png"), NULL-terminated
 * or NULL. PASSWORD (may be NULL) reaches the worker on its plan socket,
 * never on its command line. The pool slot must have been acquired by the
 * caller. (transfer full) */
MugaiWorker *mugai_worker_spawn(const MugaiConfig *config, const char *mode, GBytes *data,
                                const char *const *extra, const char *password, GError **error);

/* mugai_worker_next - the next frame, or FALSE with an error. A worker's
 * ERROR frame becomes an error with the matching code. */
gboolean mugai_worker_next(MugaiWorker *worker, MugaiFrame *frame, GError **error);

/* mugai_worker_set_pixel_sink - PAGE pixels are read straight into the
 * buffer SINK returns for their length (instead of the worker's own), so
 * that a caller handing pages to other threads does not copy them. */
typedef guint8 *(*MugaiPixelSink)(gpointer user_data, gsize len);
void mugai_worker_set_pixel_sink(MugaiWorker *worker, MugaiPixelSink sink, gpointer user_data);

/* mugai_worker_send_plan - tell a PDF worker which pages are its own. */
gboolean mugai_worker_send_plan(MugaiWorker *worker, guint32 offset, guint32 stride,
                                GError **error);

/* mugai_worker_set_deadline - MS from now, replacing the current one;
 * never later than the configuration's deadline. */
void mugai_worker_set_deadline(MugaiWorker *worker, guint64 ms);

/* mugai_worker_close - wait for a worker that sent END (status must be 0),
 * or kill it (KILL) first. Returns FALSE with an error when it did not end
 * cleanly. Frees WORKER. */
gboolean mugai_worker_close(MugaiWorker *worker, gboolean kill, GError **error);

/* The pool: at most [sandbox] pool_size workers at once in this process. */
/* mugai_sandbox_acquire - a slot of the pool, waiting for one; FALSE with
 * a timeout error when CONFIG's deadline passes first. */
gboolean mugai_sandbox_acquire(const MugaiConfig *config, GError **error);
gboolean mugai_sandbox_try_acquire(const MugaiConfig *config);
void mugai_sandbox_release(void);
guint mugai_sandbox_pool_size(const MugaiConfig *config);

/* mugai_sandbox_record_failure - the outcome of an item whose worker
 * failed with ERROR (a MUGAI_SANDBOX_ERROR): held when it needs a password
 * (unless [sandbox] on_encrypted = remove) or when [sandbox] on_failure =
 * hold, removed otherwise; never converted. */
/* mugai_sandbox_drain_diag - read what a child wrote on its diagnostics
 * pipe *FD, keeping the first MUGAI_SANDBOX_DIAG_KEEP bytes in KEEP;
 * closes *FD (and sets it to -1) at its end. */
#define MUGAI_SANDBOX_DIAG_KEEP 4096
void mugai_sandbox_drain_diag(int *fd, GString *keep);

/* mugai_sandbox_error_reason - the reason code for a MUGAI_SANDBOX_ERROR
 * (worker-failed for anything else). */
MugaiReason mugai_sandbox_error_reason(const GError *error);
void mugai_sandbox_record_failure(MugaiItem *item, const MugaiConfig *config, const GError *error);

/* mugai_sandbox_worker_path - the worker program in use. (transfer full) */
char *mugai_sandbox_worker_path(const MugaiConfig *config);

G_END_DECLS

#endif /* MUGAI_SANDBOX_WORKER_H */
