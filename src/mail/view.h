/*
 * view.h - a readable rendering of a mail mugai wrote, for operators and
 * golden tests.
 */
#ifndef MUGAI_MAIL_VIEW_H
#define MUGAI_MAIL_VIEW_H

#include <glib.h>

G_BEGIN_DECLS

/* mugai_view_mail - decoded headers, then each part: its name, type and (for
 * text) its decoded content. With STRICT, a part that mugai would never
 * write (anything but text/plain, except listed TYPES of its filters' outputs,
 * or text that is not valid UTF-8 / ISO-2022-JP) is an error. (transfer full) */
char *mugai_view_mail(GBytes *mail, gboolean strict, GError **error);

G_END_DECLS

#endif /* MUGAI_MAIL_VIEW_H */
