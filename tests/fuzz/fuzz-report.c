/*
 * fuzz-report - the report writer: sanitise the input (sniffed: a mail or a
 * file), then write the JSON report (which must parse back), the notice,
 * the action summary and the files a front end would write.
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GBytes *input;
  MugaiResult *r;
  GError *error = NULL;
  gboolean pretty = FALSE;
  char *json, *notice, *summary;
  GPtrArray *files;
  JsonParser *parser;
  char name[64];

  if (size < 1)
    return 0;
  /* the first byte: pretty or not, and the input's name (untrusted too) */
  pretty = data[0] & 1;
  snprintf(name, sizeof name, "%s",
           (const char *[]){ "input.bin", "報告.pdf", "a.txt", "x.zip", "../../etc/passwd",
                             "\xe2\x80\xaegpj.exe", "mail.eml", "" }[(data[0] >> 1) & 7]);
  input = g_bytes_new(data + 1, size - 1);
  r = mugai_sanitize_bytes(fuzz_config(), input, name, MUGAI_INPUT_AUTO, &error);
  if (!r)
    abort();

  json = mugai_result_report_json(r, pretty);
  fuzz_check_utf8("report", json, -1);
  parser = json_parser_new();
  if (!json_parser_load_from_data(parser, json, -1, &error)) {
    fprintf(stderr, "fuzz: the report does not parse: %s\n", error->message);
    abort();
  }
  g_object_unref(parser);
  notice = mugai_result_notice(r);
  fuzz_check_utf8("notice", notice, -1);
  summary = mugai_result_action_summary(r);
  fuzz_check_utf8("summary", summary, -1);
  files = mugai_result_files(r, "出力.txt");
  for (guint i = 0; i < files->len; i++) {
    const MugaiOutputFile *f = g_ptr_array_index(files, i);
    fuzz_check_utf8("file name", f->name, -1);
    if (!f->name[0] || strchr(f->name, '/'))
      abort();
  }
  g_ptr_array_unref(files);
  g_free(json);
  g_free(notice);
  g_free(summary);
  mugai_result_free(r);
  g_bytes_unref(input);
  g_clear_error(&error);
  return 0;
}
