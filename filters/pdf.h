/*
 * pdf.h - the PDF filter's conversion, for filters whose input becomes a
 * PDF first (office documents converted by LibreOffice).
 */
#ifndef MUGAI_FILTERS_PDF_H
#define MUGAI_FILTERS_PDF_H

#include <mugai/filter.h>

G_BEGIN_DECLS

/* mugai_filter_pdf_convert - render the (untrusted) PDF DATA in sandboxed
 * workers and record on ITEM what the pdf filter records: converted, with
 * an image-only PDF named after ITEM and its text layer as .txt; or held /
 * removed with the reason. */
MugaiFilterResult mugai_filter_pdf_convert(MugaiItem *item, MugaiRun *run, GBytes *data,
                                           GError **error);

G_END_DECLS

#endif /* MUGAI_FILTERS_PDF_H */
