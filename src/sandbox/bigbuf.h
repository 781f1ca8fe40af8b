/*
 * bigbuf.h - page-sized pixel buffers on huge pages.
 *
 * A rendered page is megabytes; touching fresh memory costs one fault per
 * 4 KiB, and on virtual machines with shadow page tables each fault is
 * dear (a 101-page PDF took 20,000 of them). Buffers of a megabyte or more
 * are mapped 2 MiB-aligned with MADV_HUGEPAGE, so a page of pixels costs a
 * handful of faults. Used by the worker and the parent alike; plain mmap,
 * so it needs nothing the worker's sandbox forbids.
 */
#ifndef MUGAI_SANDBOX_BIGBUF_H
#define MUGAI_SANDBOX_BIGBUF_H

#include <stdint.h>
#include <sys/mman.h>

#include <glib.h>

#define MUGAI_BIGBUF_ALIGN ((gsize)2 << 20)

/* mugai_bigbuf_size - what mugai_bigbuf_alloc (SIZE) really maps */
static inline gsize
mugai_bigbuf_size(gsize size)
{
  return (size + MUGAI_BIGBUF_ALIGN - 1) & ~(MUGAI_BIGBUF_ALIGN - 1);
}

#if defined(__SANITIZE_ADDRESS__)
/* Under AddressSanitizer the heap is used, so that overflows are caught. */
static inline void *
mugai_bigbuf_alloc(gsize size)
{
  return size ? g_try_malloc0(size) : NULL;
}

static inline void
mugai_bigbuf_free(void *p, gsize size)
{
  g_free(p);
}
#else
/* mugai_bigbuf_alloc - SIZE bytes of zeroed memory, or NULL */
static inline void *
mugai_bigbuf_alloc(gsize size)
{
  gsize len = mugai_bigbuf_size(size);
  guint8 *p, *a;

  if (size == 0 || len < size || len + MUGAI_BIGBUF_ALIGN < len)
    return NULL;
  p = mmap(NULL, len + MUGAI_BIGBUF_ALIGN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
           0);
  if (p == MAP_FAILED)
    return NULL;
  a = (guint8 *)(((uintptr_t)p + MUGAI_BIGBUF_ALIGN - 1) & ~(uintptr_t)(MUGAI_BIGBUF_ALIGN - 1));
  if (a > p)
    munmap(p, (gsize)(a - p));
  if (p + len + MUGAI_BIGBUF_ALIGN > a + len)
    munmap(a + len, (gsize)(p + len + MUGAI_BIGBUF_ALIGN - (a + len)));
  madvise(a, len, MADV_HUGEPAGE);
  return a;
}

/* mugai_bigbuf_free - give back what mugai_bigbuf_alloc (SIZE) returned */
static inline void
mugai_bigbuf_free(void *p, gsize size)
{
  if (p)
    munmap(p, mugai_bigbuf_size(size));
}
#endif

#endif /* MUGAI_SANDBOX_BIGBUF_H */
