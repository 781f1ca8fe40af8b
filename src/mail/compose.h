/*
 * compose.h - the sanitised mail mugai writes.
 */
#ifndef MUGAI_MAIL_COMPOSE_H
#define MUGAI_MAIL_COMPOSE_H

#include <gmime/gmime.h>

#include "core/plan.h"

G_BEGIN_DECLS

/* mugai_compose_mail - a new message: allowlisted headers rebuilt from
 * ORIGINAL's decoded values (ORIGINAL may be NULL), X-Mugai-* headers, a
 * text/plain body opening with the notice, then the deliverables of PLAN as
 * attachments. (transfer full) */
GBytes *mugai_compose_mail(const MugaiRun *run, const MugaiPlan *plan, GMimeMessage *original,
                           const char *verdict_name);

/* mugai_compose_normalize_header - a raw structured header value with every
 * RFC 2047 encoded-word run and raw 8-bit run replaced by its UTF-8 decoding
 * (quoted where it stands as a phrase), so that GMime's address parser sees
 * only UTF-8. (transfer full) */
char *mugai_compose_normalize_header(const char *raw);

G_END_DECLS

#endif /* MUGAI_MAIL_COMPOSE_H */
