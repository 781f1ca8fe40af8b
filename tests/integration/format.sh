#!/bin/sh
# format.sh - the tree is clang-formatted (.clang-format at the top).
set -eu
cd "$SRCDIR"
bad=0
for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find src include filters tests bench -name '*.[ch]'); do
  case "$f" in src/text/charset-tables.h) continue ;; esac
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f"
    bad=1
  fi
done
exit $bad
