/* passthrough-milter - a libmilter milter that accepts every message
 * unchanged: the least any milter costs Postfix (the floor bench/milter
 * compares mugai-milter with).
 *
 *   passthrough-milter [--no-reply] SPEC   SPEC: unix:/abs/path or inet:PORT@127.0.0.1
 *
 * It sees every step a content milter sees (connect, helo, envfrom, envrcpt,
 * header, eoh, body, eom) and says "continue" to each, then "accept". Two
 * latency traps are avoided (shared/notes/postfix-lab.md): envrcpt and data
 * have trivial callbacks, so Postfix waits for a reply instead of pipelining
 * macros into the next packet; and on an inet socket TCP_NODELAY is set on
 * the listening socket (Linux copies it to accepted sockets), so the
 * end-of-message reply is not held back by Nagle against delayed ACK.
 * With --no-reply it negotiates "no reply" (SMFIP_NR_*) for every step up to
 * the end of the message, so Postfix streams headers and body without waiting
 * for an answer to each: what a milter that only reads until end of message
 * could save (libmilter otherwise answers every header separately).
 * A unix socket is made accessible to every user (Postfix's smtpd runs as
 * postfix). Runs in the foreground until SIGTERM/SIGINT. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

/* The no-reply steps asked for with --no-reply. */
#define PT_NR_STEPS                                                                                \
  (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN   \
   | SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NR_HDR)

static bool pt_no_reply; /* --no-reply given */
static int pt_marker;    /* smfi_setpriv value: this connection replies to nothing */

/* pt_next - the answer to a step before the end of the message */
static sfsistat
pt_next(SMFICTX *ctx)
{
  return smfi_getpriv(ctx) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* pt_continue_connect - accept the connection's first step */
static sfsistat
pt_continue_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
  (void)host;
  (void)addr;
  return pt_next(ctx);
}

/* pt_continue_argv - a step with an argument vector (helo is one string) */
static sfsistat
pt_continue_argv(SMFICTX *ctx, char **argv)
{
  (void)argv;
  return pt_next(ctx);
}

/* pt_helo - helo/ehlo */
static sfsistat
pt_helo(SMFICTX *ctx, char *name)
{
  (void)name;
  return pt_next(ctx);
}

/* pt_header - one header */
static sfsistat
pt_header(SMFICTX *ctx, char *name, char *value)
{
  (void)name;
  (void)value;
  return pt_next(ctx);
}

/* pt_continue - a step with no argument (eoh, data) */
static sfsistat
pt_continue(SMFICTX *ctx)
{
  return pt_next(ctx);
}

/* pt_body - one chunk of the body */
static sfsistat
pt_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
  (void)chunk;
  (void)len;
  return pt_next(ctx);
}

/* pt_eom - the end of the message: accept it unchanged */
static sfsistat
pt_eom(SMFICTX *ctx)
{
  (void)ctx;
  return SMFIS_ACCEPT;
}

/* pt_negotiate - ask for no replies when --no-reply is given and Postfix
 * offers them all; no modifications are ever made */
static sfsistat
pt_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
             unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
  (void)f0;
  (void)f2;
  (void)f3;
  *pf0 = 0;
  *pf1 = 0;
  *pf2 = 0;
  *pf3 = 0;
  if (pt_no_reply && (f1 & PT_NR_STEPS) == PT_NR_STEPS) {
    *pf1 = PT_NR_STEPS;
    smfi_setpriv(ctx, &pt_marker);
  } else {
    smfi_setpriv(ctx, NULL);
  }
  return SMFIS_CONTINUE;
}

/* pt_abort - the message is given up: nothing to clean */
static sfsistat
pt_abort(SMFICTX *ctx)
{
  (void)ctx;
  return SMFIS_CONTINUE;
}

/* pt_close - the connection ends */
static sfsistat
pt_close(SMFICTX *ctx)
{
  (void)ctx;
  return SMFIS_CONTINUE;
}

static struct smfiDesc pt_desc = {
  .xxfi_name = "passthrough",
  .xxfi_version = SMFI_VERSION,
  .xxfi_flags = 0,
  .xxfi_connect = pt_continue_connect,
  .xxfi_helo = pt_helo,
  .xxfi_envfrom = pt_continue_argv,
  .xxfi_envrcpt = pt_continue_argv,
  .xxfi_header = pt_header,
  .xxfi_eoh = pt_continue,
  .xxfi_body = pt_body,
  .xxfi_eom = pt_eom,
  .xxfi_abort = pt_abort,
  .xxfi_close = pt_close,
  .xxfi_unknown = NULL,
  .xxfi_data = pt_continue,
  .xxfi_negotiate = pt_negotiate,
};

/* pt_nodelay_listeners - set TCP_NODELAY on every listening TCP socket this
 * process holds: libmilter does not hand out its listening descriptor */
static int
pt_nodelay_listeners(void)
{
  int found = 0;
  long max = sysconf(_SC_OPEN_MAX);

  if (max < 0 || max > 65536)
    max = 65536;
  for (int fd = 0; fd < max; fd++) {
    int on = 0;
    socklen_t len = sizeof on;
    int domain = 0;
    socklen_t dlen = sizeof domain;

    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) != 0 || !on)
      continue;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) != 0
        || (domain != AF_INET && domain != AF_INET6))
      continue;
    on = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) {
      fprintf(stderr, "passthrough-milter: TCP_NODELAY on fd %d: %s\n", fd, strerror(errno));
      return -1;
    }
    found++;
  }
  return found;
}

int
main(int argc, char **argv)
{
  const char *spec;

  if (argc == 3 && strcmp(argv[1], "--no-reply") == 0) {
    pt_no_reply = true;
    argv++;
    argc--;
  }
  if (argc != 2 || argv[1][0] == '-') {
    fprintf(
        stderr,
        "usage: passthrough-milter [--no-reply] SPEC   (unix:/abs/path or inet:PORT@127.0.0.1)\n");
    return 2;
  }
  spec = argv[1];
  if (smfi_setconn((char *)spec) != MI_SUCCESS) {
    fprintf(stderr, "passthrough-milter: bad socket %s\n", spec);
    return 1;
  }
  if (smfi_register(pt_desc) != MI_SUCCESS) {
    fprintf(stderr, "passthrough-milter: smfi_register failed\n");
    return 1;
  }
  /* A stale unix socket from a killed run is removed (rmsocket = true). */
  if (smfi_opensocket(true) != MI_SUCCESS) {
    fprintf(stderr, "passthrough-milter: cannot listen on %s\n", spec);
    return 1;
  }
  if (strncmp(spec, "inet", 4) == 0) {
    if (pt_nodelay_listeners() <= 0) {
      fprintf(stderr, "passthrough-milter: no listening TCP socket found for TCP_NODELAY\n");
      return 1;
    }
  } else {
    const char *path = strchr(spec, ':') ? strchr(spec, ':') + 1 : spec;

    if (chmod(path, 0666) != 0) {
      fprintf(stderr, "passthrough-milter: chmod %s: %s\n", path, strerror(errno));
      return 1;
    }
  }
  fprintf(stderr, "passthrough-milter: ready on %s%s\n", spec, pt_no_reply ? " (no-reply)" : "");
  return smfi_main() == MI_SUCCESS ? 0 : 1;
}
