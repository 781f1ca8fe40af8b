/*
 * evil-worker.c - a worker that misbehaves on purpose, for test-sandbox.
 *
 * It is started by the real parent code in place of mugai-worker (the
 * [sandbox] worker key) and reads what to do from its input, a PDF whose
 * second line is "%mugai-evil:WHAT". It confines itself exactly as the real
 * worker does, then tries WHAT; where the sandbox should stop it, it sends
 * a valid page afterwards, so that a sandbox that failed to stop it makes
 * the item "converted" and the test fail.
 *
 * As an archive worker ("archive-WHAT", read from a stored member of a
 * ZIP), it breaks the member protocol or the [archive] limits, then sends
 * a valid member: a parent that let it through rebuilds the archive.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib.h>

#include "sandbox/wire.h"
#include "worker/confine.h"

static void
out(const void *p, size_t n)
{
  const char *c = p;
  while (n > 0) {
    ssize_t k = write(1, c, n);
    if (k <= 0)
      _exit(3);
    c += k;
    n -= (size_t)k;
  }
}

static void
frame(int type, uint32_t index, const void *a, size_t a_len, uint64_t declared)
{
  unsigned char h[MUGAI_WIRE_HEADER_SIZE] = { 0 };
  h[0] = (unsigned char)type;
  mugai_wire_put32(h + 4, index);
  mugai_wire_put64(h + 8, declared);
  out(h, sizeof h);
  if (a_len)
    out(a, a_len);
}

static void
doc(uint32_t pages)
{
  unsigned char p[8] = { 0 };
  mugai_wire_put32(p, pages);
  frame(MUGAI_WIRE_DOC, 0, p, 8, 8);
}

static void
plan(void)
{
  unsigned char b[8];
  size_t got = 0;
  while (got < 8) {
    ssize_t n = read(0, b + got, 8 - got);
    if (n <= 0)
      _exit(4);
    got += (size_t)n;
  }
}

/* page - a valid grey page of W x H on A4 */
static void
page(uint32_t index, uint32_t w, uint32_t h, uint64_t declared_extra)
{
  unsigned char ph[MUGAI_WIRE_PAGE_SIZE] = { 0 };
  size_t n = (size_t)w * h;
  unsigned char *px = g_malloc(n);
  memset(px, 0xff, n);
  memset(px, 0x00, n / 3);
  mugai_wire_put32(ph, w);
  mugai_wire_put32(ph + 4, h);
  mugai_wire_put32(ph + 8, 1);
  mugai_wire_put32(ph + 16, 595276);
  mugai_wire_put32(ph + 20, 841890);
  frame(MUGAI_WIRE_PAGE, index, ph, sizeof ph, sizeof ph + n + declared_extra);
  out(px, n);
  g_free(px);
}

static void
error_frame(const char *msg)
{
  unsigned char c[4];
  mugai_wire_put32(c, MUGAI_WIRE_ERR_INTERNAL);
  frame(MUGAI_WIRE_ERROR, 0, c, 4, 4 + strlen(msg));
  out(msg, strlen(msg));
  _exit(0);
}

/* good - one valid page and END: what a sandbox that failed lets through */
static void
finish(void)
{
  page(0, 60, 80, 0);
  frame(MUGAI_WIRE_END, 0, NULL, 0, 0);
  _exit(0);
}

static void
good(void)
{
  doc(1);
  plan();
  finish();
}

/* error_code - an ERROR frame with CODE, then exit */
static void
error_code(uint32_t code, const char *msg)
{
  unsigned char c[4];
  mugai_wire_put32(c, code);
  frame(MUGAI_WIRE_ERROR, 0, c, 4, 4 + strlen(msg));
  out(msg, strlen(msg));
  _exit(0);
}

/* member - a MEMBER frame: KIND, a name of NAME_LEN bytes, DECLARED_LEN
 * written into the name length field */
static void
member(uint32_t index, uint32_t kind, const char *name, size_t name_len, uint32_t declared_len)
{
  unsigned char *p = g_malloc(MUGAI_WIRE_MEMBER_SIZE + name_len);
  mugai_wire_put32(p, kind);
  mugai_wire_put32(p + 4, declared_len);
  memcpy(p + MUGAI_WIRE_MEMBER_SIZE, name, name_len);
  frame(MUGAI_WIRE_MEMBER, index, p, MUGAI_WIRE_MEMBER_SIZE + name_len,
        MUGAI_WIRE_MEMBER_SIZE + name_len);
  g_free(p);
}

/* data - a DATA frame of LEN bytes of text */
static void
data(uint32_t index, size_t len)
{
  char *p = g_malloc(len);
  memset(p, 'x', len);
  frame(MUGAI_WIRE_DATA, index, p, len, len);
  g_free(p);
}

/* archive_good - one valid member and END: what a parent that failed to
 * stop the worker would turn into a rebuilt archive */
static void
archive_good(uint32_t index)
{
  member(index, MUGAI_WIRE_MEMBER_FILE, "ok.txt", 6, 6);
  frame(MUGAI_WIRE_DATA, index, "hello\n", 6, 6);
  frame(MUGAI_WIRE_END, 0, NULL, 0, 0);
  _exit(0);
}

/* archive - misbehave as an archive worker ("archive-WHAT") */
static void
archive(const char *what)
{
  if (!strcmp(what, "kind"))
    member(0, 9, "a.txt", 5, 5);
  else if (!strcmp(what, "name-length"))
    member(0, MUGAI_WIRE_MEMBER_FILE, "a.txt", 5, 10);
  else if (!strcmp(what, "name-nul"))
    member(0, MUGAI_WIRE_MEMBER_FILE, "a\0b.txt", 7, 7);
  else if (!strcmp(what, "name-long")) {
    char *name = g_malloc(5000);
    memset(name, 'n', 5000);
    member(0, MUGAI_WIRE_MEMBER_FILE, name, 5000, 5000);
  } else if (!strcmp(what, "index"))
    member(3, MUGAI_WIRE_MEMBER_FILE, "a.txt", 5, 5);
  else if (!strcmp(what, "data-first"))
    data(0, 10);
  else if (!strcmp(what, "data-dir")) {
    member(0, MUGAI_WIRE_MEMBER_DIR, "d/", 2, 2);
    data(0, 10);
  } else if (!strcmp(what, "data-index")) {
    member(0, MUGAI_WIRE_MEMBER_FILE, "a.txt", 5, 5);
    data(1, 10);
  } else if (!strcmp(what, "data-huge")) {
    member(0, MUGAI_WIRE_MEMBER_FILE, "a.txt", 5, 5);
    frame(MUGAI_WIRE_DATA, 0, "xxxx", 4, (2u << 20));
  } else if (!strcmp(what, "doc"))
    doc(1);
  else if (!strcmp(what, "member-bytes")) {
    /* the parent is told max_member_bytes = 4096: 6000 in one member */
    member(0, MUGAI_WIRE_MEMBER_FILE, "a.txt", 5, 5);
    data(0, 3000);
    data(0, 3000);
  } else if (!strcmp(what, "total")) {
    /* max_total_bytes = 8192: 3 x 3000 */
    for (uint32_t i = 0; i < 3; i++) {
      member(i, MUGAI_WIRE_MEMBER_FILE, "a.txt", 5, 5);
      data(i, 3000);
    }
  } else if (!strcmp(what, "members")) {
    /* max_members = 3: a fourth */
    for (uint32_t i = 0; i < 4; i++)
      member(i, MUGAI_WIRE_MEMBER_DIR, "d/", 2, 2);
  } else if (!strcmp(what, "ratio")) {
    /* 2 MiB from an input of a few hundred bytes: over 200 times */
    member(0, MUGAI_WIRE_MEMBER_FILE, "a.txt", 5, 5);
    data(0, MUGAI_WIRE_DATA_MAX);
    data(0, MUGAI_WIRE_DATA_MAX);
  } else if (!strcmp(what, "encrypted"))
    error_code(MUGAI_WIRE_ERR_ENCRYPTED, "a password-protected ZIP");
  else if (!strcmp(what, "bomb"))
    error_code(MUGAI_WIRE_ERR_LIMIT, "a member expands more than 200 times");
  else if (!strcmp(what, "short")) {
    member(0, MUGAI_WIRE_MEMBER_FILE, "a.txt", 5, 5);
    frame(MUGAI_WIRE_DATA, 0, "xx", 2, 100);
    _exit(0);
  }
  archive_good(0);
}

int
main(int argc, char **argv)
{
  MugaiConfineLimits lim = { 0 };
  char input[256] = { 0 };
  const char *what;
  ssize_t n;

  mugai_confine_parse_limits(argc, argv, &lim);
  {
    unsigned char h[4];
    if (read(0, h, 4) != 4 || mugai_wire_get32(h) != 0)
      return 7; /* the password preamble: none in these tests */
  }
  n = pread(3, input, sizeof input - 1, 0);
  /* memmem: a ZIP's headers before the instruction hold NUL bytes */
  what = n > 0 ? memmem(input, (size_t)n, "%mugai-evil:", 12) : NULL;
  if (!what)
    return 9;
  what += strlen("%mugai-evil:");
  *strchrnul(what, '\n') = 0;

  if (!strcmp(what, "fds")) {
    /* Nothing but 0-3 may be open on entry. */
    for (int fd = 4; fd < 1024; fd++)
      if (fcntl(fd, F_GETFD) != -1) {
        char msg[64];
        out(MUGAI_WIRE_MAGIC, 4);
        g_snprintf(msg, sizeof msg, "inherited descriptor %d", fd);
        error_frame(msg);
      }
  }
  if (!strcmp(what, "env") && (g_getenv("HOME") || g_getenv("PATH"))) {
    out(MUGAI_WIRE_MAGIC, 4);
    error_frame("inherited environment");
  }
  if (!strcmp(what, "bad-magic")) {
    out("MGW0", 4);
    good();
  }
  {
    GError *error = NULL;
    if (!mugai_confine_enter(&lim, &error))
      return 8;
  }
  out(MUGAI_WIRE_MAGIC, 4);

  if (!strncmp(what, "archive-", 8))
    archive(what + 8);
  if (!strcmp(what, "socket"))
    (void)socket(AF_INET, SOCK_STREAM, 0);
  else if (!strcmp(what, "exec")) {
    char *args[] = { (char *)"/bin/true", NULL };
    execve(args[0], args, args + 1);
  } else if (!strncmp(what, "write:", 6)) {
    int fd = open(what + 6, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
      error_frame("write denied");
  } else if (!strncmp(what, "read:", 5)) {
    int fd = open(what + 5, O_RDONLY);
    if (fd < 0)
      error_frame("read denied");
  } else if (!strcmp(what, "signal")) {
    /* the parent, by thread-directed signal: as loud as kill() */
    (void)syscall(SYS_tgkill, getppid(), getppid(), SIGCONT);
  } else if (!strcmp(what, "fork")) {
    if (fork() == 0)
      _exit(0);
  } else if (!strcmp(what, "spin")) {
    for (volatile unsigned long i = 0;; i++)
      ;
  } else if (!strcmp(what, "hang")) {
    doc(1);
    plan();
    for (;;)
      g_usleep(G_USEC_PER_SEC);
  } else if (!strcmp(what, "memory")) {
    /* 64 MiB at a time, touched, until the address-space limit stops it:
     * then die like a parser whose allocation failed. */
    for (size_t total = 0; total < ((size_t)16 << 30); total += 64 << 20) {
      void *p = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED)
        abort();
      memset(p, 1, 64 << 20);
    }
  } else if (!strcmp(what, "big-dims")) {
    doc(1);
    plan();
    page(0, 20000, 1, 0);
  } else if (!strcmp(what, "bad-length")) {
    doc(1);
    plan();
    page(0, 60, 80, 7);
  } else if (!strcmp(what, "many-pages")) {
    doc(1000000);
    plan();
  } else if (!strcmp(what, "short")) {
    doc(1);
    plan();
    frame(MUGAI_WIRE_PAGE, 0, "\x3c\0\0\0", 4, 1000);
    _exit(0);
  } else if (!strcmp(what, "wrong-page")) {
    doc(2);
    plan();
    page(1, 60, 80, 0);
  } else if (!strcmp(what, "text")) {
    static const char text[] = "ok \xff\xfe bad\x01\x1b[31m \xe2\x80\xae"
                               "gnp.exe ルート①\r\n";
    doc(1);
    plan();
    frame(MUGAI_WIRE_TEXT, 0, text, sizeof text - 1, sizeof text - 1);
    finish();
  } else if (!strcmp(what, "pixels")) {
    /* 10000 x 10000 grey is 100 Mpx: over the default page budget */
    doc(1);
    plan();
    page(0, 10000, 10000, 0);
  }
  good();
}
