/*
 * config.h - the one configuration file shared by every entry point.
 */
#ifndef MUGAI_CORE_CONFIG_H
#define MUGAI_CORE_CONFIG_H

#include <glib.h>

#include <mugai/filter.h>

G_BEGIN_DECLS

typedef enum {
  MUGAI_OUTPUT_UTF8 = 0,
  MUGAI_OUTPUT_ISO2022JP,
} MugaiOutputCharset;

/* [sandbox]: the workers that parse attacker-written formats. */
typedef struct {
  char *worker;              /* worker program, or NULL: beside the binary, then libexec */
  guint pool_size;           /* workers at once in this process; 0 = number of cores */
  guint timeout_ms;          /* deadline of a worker before it reports its page count */
  guint timeout_per_page_ms; /* added per page the worker renders */
  guint64 memory_limit;      /* address space a worker may add to what it starts with */
  guint max_pages;           /* pages of one document */
  guint dpi;                 /* render resolution, lowered to fit max_page_pixels */
  guint64 max_page_pixels;   /* pixels of one page or image */
  guint64 max_total_pixels;  /* pixels of one document, all pages */
  gboolean hold_on_failure;  /* on_failure = hold: a failed item is held, not removed */
  gboolean remove_encrypted; /* on_encrypted = remove: not held */
} MugaiSandboxConfig;

/* [archive]: what an archive may expand to, enforced while reading. */
typedef struct {
  guint max_members;         /* entries of one archive */
  guint64 max_total_bytes;   /* expanded bytes of one archive */
  guint64 max_member_bytes;  /* expanded bytes of one member */
  guint max_ratio;           /* expanded / compressed bytes of one member */
  gboolean remove_encrypted; /* on_encrypted = remove: not held */
} MugaiArchiveConfig;

/* [office]: LibreOffice converters (office documents become PDF first). */
typedef struct {
  guint converters;          /* LibreOffice instances at once */
  guint recycle_after;       /* documents before a converter is restarted */
  guint timeout_ms;          /* one document's conversion */
  guint64 memory_limit;      /* address space of a converter */
  gboolean hold_on_failure;  /* on_failure = hold */
  gboolean remove_encrypted; /* on_encrypted = remove */
} MugaiOfficeConfig;

/* [quarantine] and [audit]: the store of originals and the audit log. */
typedef struct {
  guint retention_days;   /* [quarantine] retention: days an original is kept */
  char *audit_log;        /* [audit] log, or NULL: <state_dir>/audit.log */
  gboolean allow_release; /* [quarantine] allow_release: mugai release may deliver originals */
  char *delivery_mail;    /* [delivery] mail: smtp://HOST:PORT or sendmail:PATH, or NULL */
} MugaiQuarantineConfig;

/* What a front end does with a message it could not sanitise. */
typedef enum {
  MUGAI_POLICY_TEMPFAIL = 0, /* 4xx: the sender keeps it and retries */
  MUGAI_POLICY_REJECT,       /* 5xx: the sender gets it back */
  MUGAI_POLICY_HOLD,         /* stored for an operator; a notice is delivered */
} MugaiFailurePolicy;

const char *mugai_failure_policy_name(MugaiFailurePolicy policy);

typedef struct {
  char *socket;      /* libmilter spec: unix:/path or inet:port@host */
  guint socket_mode; /* permissions of a unix socket */
  char *user;        /* drop to this user after opening the socket, or NULL */
  guint timeout_ms;  /* sanitising one message, end of data to reply */
  MugaiFailurePolicy on_internal_error;
  MugaiFailurePolicy on_timeout;
  MugaiFailurePolicy on_oversize; /* larger than [limits] max_message_size */
} MugaiMilterConfig;

/* [watch]: mugai-watch's drop folder. */
typedef struct {
  char *drop_dir;    /* where files arrive (internet side), or NULL: not configured */
  char *out_dir;     /* where sanitised files go (LGWAN side), or NULL */
  char *work_dir;    /* claimed files and job records, or NULL: <drop_dir>/.mugai-work */
  gboolean per_user; /* drop/<user>/... -> out/<user>/... */
  guint settle_ms;   /* a file unchanged this long, with no writer, is taken */
  guint jobs;        /* files sanitised at once; 0 = four per core */
  guint max_depth;   /* folder levels watched below a user folder */
  guint rescan_s;    /* full rescan every this many seconds; 0 = never */
} MugaiWatchConfig;

typedef struct {
  MugaiLimits limits;
  MugaiSandboxConfig sandbox;
  MugaiArchiveConfig archive;
  MugaiOfficeConfig office;
  MugaiQuarantineConfig quarantine;
  MugaiMilterConfig milter;
  MugaiWatchConfig watch;
  gboolean prefer_html;           /* [mail] alternative = html | text */
  MugaiOutputCharset out_charset; /* [mail] output_charset */
  char *state_dir;                /* [paths] state_dir, or NULL for the default */
  char *source;                   /* file it was read from, or NULL for defaults */
  char *password; /* not from the file: mugai sanitize --password, for encrypted inputs */
  /* Not from the file: a front end's per-message copy sets the monotonic
   * time (microseconds) by which it needs the result, or 0. Waits for a
   * worker or a converter end there, and so do their deadlines. */
  gint64 deadline;
  /* Not from the file: a front end's per-input copy may fix the run id (a
   * ULID) the result gets: mugai-watch resuming a file it claimed before a
   * crash reuses the id it chose then. NULL: a new id. */
  char *run_id;
} MugaiConfig;

/* mugai_config_new_default - built-in defaults. (transfer full) */
MugaiConfig *mugai_config_new_default(void);

/* mugai_config_load - defaults overlaid with PATH; unknown groups or keys and
 * malformed values are errors naming the key. (transfer full) */
MugaiConfig *mugai_config_load(const char *path, GError **error);

MugaiConfig *mugai_config_free(MugaiConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MugaiConfig, mugai_config_free)

/* The configuration in force in a long-running front end, shared by the
 * work that started under it: SIGHUP puts a new one in force while a
 * message or a file already being sanitised keeps its own. */
typedef struct {
  gint ref;
  MugaiConfig *config;
} MugaiSharedConfig;

/* mugai_config_in_force - the one in force, referenced; NULL before
 * mugai_config_put_in_force. */
MugaiSharedConfig *mugai_config_in_force(void);
/* mugai_config_put_in_force - CONFIG (transfer full; NULL: none) in force
 * from now on; the one before is released when its last user is done. */
void mugai_config_put_in_force(MugaiConfig *config);
void mugai_shared_config_unref(MugaiSharedConfig *shared);

/* mugai_config_state_dir - MUGAI_STATE_DIR, else [paths] state_dir, else
 * /var/lib/mugai when writable, else $XDG_STATE_HOME/mugai. (transfer full) */
char *mugai_config_state_dir(const MugaiConfig *config);

/* mugai_parse_size - "64M", "512k", "1G", "1000": bytes, or FALSE. */
gboolean mugai_parse_size(const char *text, guint64 *out);

G_END_DECLS

#endif /* MUGAI_CORE_CONFIG_H */
