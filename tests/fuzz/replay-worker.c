/*
 * replay-worker - stands in for mugai-worker in fuzz-wire: reads the
 * password preamble the parent sends (so that the parent's send cannot
 * race its exit), then copies its input (fd 3, the fuzz input) to its
 * standard output as its frames, and exits 0.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

static int
read_all(int fd, unsigned char *buf, size_t len)
{
  while (len > 0) {
    ssize_t n = read(fd, buf, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

int
main(void)
{
  unsigned char buf[65536];
  uint32_t len;
  ssize_t n;

  if (read_all(0, buf, 4) != 0)
    return 2;
  len = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
  if (len > sizeof buf || read_all(0, buf, len) != 0)
    return 2;
  /* the parent wrote the memfd: its offset is at the end */
  if (lseek(3, 0, SEEK_SET) != 0)
    return 2;
  while ((n = read(3, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return 2;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(1, buf + off, (size_t)(n - off));
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return 0; /* the parent stopped reading: it refused a frame */
      off += w;
    }
  }
  return 0;
}
