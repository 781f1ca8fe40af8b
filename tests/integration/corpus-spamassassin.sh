#!/bin/sh
# corpus-spamassassin.sh - all 6,046 messages of the public SpamAssassin
# corpus through `mugai sanitize --batch` (built with ASan+UBSan by the test
# command, so any sanitizer report aborts the batch and fails this test);
# every message must yield a result holding only text/plain parts.
set -u
: "${MUGAI:?}" "${SRCDIR:?}"
data=$(sh "$SRCDIR/scripts/fetch-corpus" spamassassin) || exit 77
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
find "$data" -name '*.txt' | sort > "$work/list"
echo "corpus: $(wc -l < "$work/list") messages from $data"
# Batches of 1000 keep each command line well under ARG_MAX.
if ! xargs -n 1000 "$MUGAI" sanitize --batch -o "$work/out" < "$work/list" 2> "$work/err"; then
  echo "FAIL: mugai sanitize --batch failed"
  head -50 "$work/err"
  exit 1
fi
if [ -s "$work/err" ]; then
  echo "FAIL: mugai printed errors"
  head -50 "$work/err"
  exit 1
fi
python3 "$SRCDIR/tests/integration/check-text-only.py" "$work/out" "$work/list"
