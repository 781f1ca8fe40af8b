/*
 * milter.h - mugai-milter: state shared by the process (main.c) and the
 * libmilter callbacks (session.c).
 *
 * The process owns one reference-counted configuration at a time; each
 * message takes a reference when it starts (MAIL FROM) and keeps it to the
 * end, so SIGHUP swaps the configuration without touching a message in
 * flight.
 */
#ifndef MUGAI_MILTER_H
#define MUGAI_MILTER_H

#include <glib.h>
#include <libmilter/mfapi.h>

#include "core/config.h"
#include "quarantine/committer.h"
#include "quarantine/store.h"

G_BEGIN_DECLS

/* Faults injected by tests (MUGAI_MILTER_FAULT), honoured only in builds
 * with tests. */
typedef enum {
  MILTER_FAULT_NONE = 0,
  MILTER_FAULT_PIPELINE, /* every sanitise fails: an internal error */
  MILTER_FAULT_STORE,    /* the quarantine refuses every original */
  MILTER_FAULT_SLOW,     /* every sanitise starts [milter] timeout + 2 s late */
} MilterFault;

typedef struct {
  MugaiStore *store;
  MugaiCommitter *committer;
  char *spool_dir;      /* where messages are spooled as they arrive */
  gboolean unix_socket; /* listening on a unix socket, not TCP */
  MilterFault fault;
  /* messages between MAIL FROM and their end; stopping refuses new ones */
  GMutex lock;
  GCond idle;
  guint in_flight;
  gboolean stopping;
} MilterState;

extern MilterState milter_state;

/* milter_log - one line to syslog (facility mail; copied to stderr with
 * --log-stderr). */
void milter_log(int priority, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* milter_callbacks - the libmilter description of mugai-milter. */
struct smfiDesc *milter_callbacks(void);

G_END_DECLS

#endif /* MUGAI_MILTER_H */
