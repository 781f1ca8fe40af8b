/*
 * fuzz-names - archive member names on the trusted side: a stored name as
 * the worker sends it (bytes, any code page) decoded by
 * mugai_archive_decode_name, made a safe relative path by
 * mugai_run_add_member, made unique against the names before it
 * (mugai_archive_unique) and given an output name.
 *
 * The input is several stored names separated by NUL bytes (a NUL never
 * occurs in a name on the wire). Checked for each: valid UTF-8, relative,
 * no empty, "." or ".." component, no backslash, no control characters.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/item-private.h"
#include "core/run-private.h"
#include "fuzz-common.h"
#include "sandbox/archive.h"
#include "sandbox/wire.h"

static void
check_path(const char *what, const char *path)
{
  char **parts;

  fuzz_check_utf8(what, path, -1);
  if (!path || !*path || path[0] == '/' || strchr(path, '\\')) {
    fprintf(stderr, "fuzz: unsafe %s \"%s\"\n", what, path ? path : "(null)");
    abort();
  }
  for (const char *p = path; *p; p++)
    if ((guint8)*p < 0x20 || *p == 0x7f) {
      fprintf(stderr, "fuzz: %s with a control character\n", what);
      abort();
    }
  parts = g_strsplit(path, "/", -1);
  for (guint i = 0; parts[i]; i++)
    if (!*parts[i] || !strcmp(parts[i], ".") || !strcmp(parts[i], "..")) {
      fprintf(stderr, "fuzz: %s \"%s\" has a bad component\n", what, path);
      abort();
    }
  g_strfreev(parts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  MugaiRun run = { 0 };
  GHashTable *taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  const uint8_t *end = data + size;

  run.config = fuzz_config();
  run.id = (char *)"fuzz";
  run.root = mugai_item_new(NULL, "0");
  run.root->name = g_strdup("fuzz.zip");
  run.n_items = 1;

  while (data < end) {
    const uint8_t *nul = memchr(data, 0, (size_t)(end - data));
    gsize len = (gsize)((nul ? nul : end) - data);
    char *name = mugai_archive_decode_name(data, MIN(len, MUGAI_WIRE_NAME_MAX));
    MugaiItem *child;

    fuzz_check_utf8("decoded name", name, -1);
    child = mugai_run_add_member(&run, run.root, name, g_bytes_new_static("x", 1));
    if (child) {
      const char *safe = mugai_item_get_name(child);
      char *unique, *joined, *out;
      check_path("member path", safe);
      unique = mugai_archive_unique(taken, safe);
      check_path("unique path", unique);
      joined = mugai_archive_join("dir", unique);
      check_path("joined path", joined);
      out = mugai_item_output_name(child, ".txt");
      check_path("output name", out);
      g_free(unique);
      g_free(joined);
      g_free(out);
    }
    g_free(name);
    data += len + (nul ? 1 : 0);
  }
  g_hash_table_unref(taken);
  mugai_item_free(run.root);
  return 0;
}
