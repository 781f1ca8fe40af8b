/*
 * office-wire.h - what mugai and a LibreOffice converter say to each other.
 *
 * Between mugai (src/sandbox/office.c) and an agent
 * (src/worker/office-agent.py), on the agent's standard input and output:
 * the agent greets with MUGAI_OFFICE_MAGIC and a READY frame (payload: the
 * LibreOffice version, then ';' and how it is confined); each CONVERT frame
 * (payload: u32 n, n bytes of format hint, u32 m, m bytes of password, the
 * document) is answered by one PDF frame (the PDF bytes) or one ERROR frame
 * (u32 MugaiWireError, up to 256 bytes of ASCII). A frame is a 16-byte
 * header - type byte, three zero bytes, u32 zero, u64 payload length, all
 * little-endian - and its payload. The PDF is untrusted: the caller passes
 * it to the PDF filter, which renders it again in its own workers.
 */
#ifndef MUGAI_SANDBOX_OFFICE_WIRE_H
#define MUGAI_SANDBOX_OFFICE_WIRE_H

#include <glib.h>

#include "sandbox/wire.h"

#define MUGAI_OFFICE_MAGIC "MGO1"

typedef enum {
  MUGAI_OFFICE_READY = 'R',
  MUGAI_OFFICE_CONVERT = 'C',
  MUGAI_OFFICE_PDF = 'P',
  MUGAI_OFFICE_ERROR = 'E',
} MugaiOfficeFrame;

/* Largest PDF a converter may return, and largest file it may write. */
#define MUGAI_OFFICE_PDF_MAX  (G_GUINT64_CONSTANT(512) << 20)
#define MUGAI_OFFICE_FILE_MAX (G_GUINT64_CONSTANT(1) << 30)
#define MUGAI_OFFICE_HINT_MAX 16
#define MUGAI_OFFICE_NOFILE   4096
#define MUGAI_OFFICE_SOFFICE  "/usr/lib/libreoffice/program/soffice.bin"
#define MUGAI_OFFICE_PYTHON   "/usr/bin/python3"
#define MUGAI_OFFICE_AGENT    "office-agent.py"

#endif /* MUGAI_SANDBOX_OFFICE_WIRE_H */
