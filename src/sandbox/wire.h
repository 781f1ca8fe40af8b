/*
 * wire.h - the frames a worker sends its parent: the pixel boundary.
 *
 * A worker's only way to say anything is a sequence of frames on its
 * standard output. Every frame is a fixed 16-byte header (type, page index,
 * payload length; little-endian) and a payload of exactly that length:
 *
 *   DOC   payload: u32 page_count, u32 flags          (first frame, once)
 *   TEXT  payload: UTF-8 text of page INDEX           (optional, per page)
 *   PAGE  payload: MugaiWirePage, then width*height*channels bytes of
 *                  8-bit pixels, rows top to bottom, no padding
 *   ERROR payload: u32 code (MugaiWireError), then up to 256 bytes of ASCII
 *   END   payload: empty                              (last frame)
 *
 * An archive worker (mode "archive") sends no DOC, TEXT or PAGE; instead,
 * for each entry of the archive, in order, INDEX counting entries from 0:
 *
 *   MEMBER payload: u32 kind (MugaiWireMemberKind), u32 name_len, then
 *                   name_len bytes of the entry's path exactly as stored
 *                   (UTF-8 or a legacy code page; no NUL); name_len 0
 *                   means the input is one compressed file, not an archive
 *   DATA   payload: the next 1..MUGAI_WIRE_DATA_MAX bytes of the content
 *                   of MEMBER INDEX (a FILE only), in order
 *
 * Before anything, the worker reads from its standard input (the plan
 * socket) a password preamble: u32 length (at most MUGAI_WIRE_PASSWORD_MAX)
 * and that many bytes; length 0 means none.
 *
 * After DOC the parent answers on the worker's standard input with one
 * MugaiWirePlan: which pages this worker renders (offset, stride), so that
 * several workers can share one document.
 *
 * The parent trusts none of it: values read from a frame are untrusted_*
 * until checked against the limits (core/../sandbox/worker.c).
 */
#ifndef MUGAI_SANDBOX_WIRE_H
#define MUGAI_SANDBOX_WIRE_H

#include <stdint.h>

#define MUGAI_WIRE_MAGIC "MGW1" /* the first four bytes a worker writes */

typedef enum {
  MUGAI_WIRE_DOC = 'D',
  MUGAI_WIRE_TEXT = 'T',
  MUGAI_WIRE_PAGE = 'P',
  MUGAI_WIRE_ERROR = 'E',
  MUGAI_WIRE_END = 'Z',
  MUGAI_WIRE_MEMBER = 'M',
  MUGAI_WIRE_DATA = 'B',
} MugaiWireType;

/* What an archive entry is. Only a FILE has content; the others are
 * reported so that the notice can list them, and are never created. */
typedef enum {
  MUGAI_WIRE_MEMBER_FILE = 1,
  MUGAI_WIRE_MEMBER_DIR = 2,
  MUGAI_WIRE_MEMBER_SYMLINK = 3,
  MUGAI_WIRE_MEMBER_HARDLINK = 4,
  MUGAI_WIRE_MEMBER_SPECIAL = 5, /* device, FIFO, socket */
} MugaiWireMemberKind;

/* What a worker can report as the reason it produced no pages. */
typedef enum {
  MUGAI_WIRE_ERR_MALFORMED = 1, /* the parser rejected the input */
  MUGAI_WIRE_ERR_ENCRYPTED = 2, /* a password is needed to open it */
  MUGAI_WIRE_ERR_LIMIT = 3,     /* declared size over a limit (pixel bomb) */
  MUGAI_WIRE_ERR_UNSUPPORTED = 4,
  MUGAI_WIRE_ERR_INTERNAL = 5,
} MugaiWireError;

#define MUGAI_WIRE_HEADER_SIZE  16
#define MUGAI_WIRE_ERROR_MAX    256
#define MUGAI_WIRE_PAGE_SIZE    24
#define MUGAI_WIRE_PLAN_SIZE    8
#define MUGAI_WIRE_PASSWORD_MAX 1024
#define MUGAI_WIRE_TEXT_MAX     (4u << 20) /* one page's text; the parent keeps less if told to */
#define MUGAI_WIRE_MEMBER_SIZE  8          /* MEMBER payload before the name */
#define MUGAI_WIRE_NAME_MAX     4096       /* bytes of a stored member name */
#define MUGAI_WIRE_DATA_MAX     (1u << 20) /* one DATA frame */
#define MUGAI_WIRE_RATIO_GRACE  (1u << 20) /* bytes out before a ratio is judged */

/* PAGE payload header: pixel size, channels (1 grey, 3 RGB, 4 RGBA), page
 * size in 1/1000 pt (PDF) or 0 (images). */
typedef struct {
  uint32_t width;
  uint32_t height;
  uint32_t channels;
  uint32_t flags;
  uint32_t page_width_mpt;
  uint32_t page_height_mpt;
} MugaiWirePage;

/* DOC flags */
#define MUGAI_WIRE_DOC_PHOTO 1u /* the source was a photograph (JPEG) */

/* mugai_wire_put32/get32 - little-endian u32 */
static inline void
mugai_wire_put32(unsigned char *p, uint32_t v)
{
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

static inline uint32_t
mugai_wire_get32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void
mugai_wire_put64(unsigned char *p, uint64_t v)
{
  mugai_wire_put32(p, (uint32_t)v);
  mugai_wire_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint64_t
mugai_wire_get64(const unsigned char *p)
{
  return (uint64_t)mugai_wire_get32(p) | (uint64_t)mugai_wire_get32(p + 4) << 32;
}

#endif /* MUGAI_SANDBOX_WIRE_H */
