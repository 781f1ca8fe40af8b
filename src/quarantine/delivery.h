/*
 * delivery.h - handing a mail on after the quarantine: to the LGWAN-side
 * relay over SMTP, or to a sendmail-compatible command.
 */
#ifndef MUGAI_QUARANTINE_DELIVERY_H
#define MUGAI_QUARANTINE_DELIVERY_H

#include <glib.h>

G_BEGIN_DECLS

/* mugai_delivery_check - TARGET is "smtp://HOST[:PORT]" or "sendmail:/ABS/PATH". */
gboolean mugai_delivery_check(const char *target, GError **error);

/* mugai_delivery_send_mail - MESSAGE from SENDER ("" for the null reverse
 * path) to every address of RECIPIENTS (NULL terminated, at least one) by
 * TARGET: an SMTP transaction, or "PATH -i -f SENDER -- RCPT..." with the
 * message on standard input, started directly (never through a shell).
 * Addresses holding spaces, controls or angle brackets are refused. */
gboolean mugai_delivery_send_mail(const char *target, const char *sender,
                                  const char *const *recipients, GBytes *message, GError **error);

G_END_DECLS

#endif /* MUGAI_QUARANTINE_DELIVERY_H */
