#!/bin/sh
# hostile.sh - the hostile-input corpus (issue 8) through `mugai sanitize`.
# Every case of tests/fixtures/hostile/manifest.tsv (written by
# scripts/gen-hostile; nothing is regenerated here, but `gen-hostile --check`
# must reproduce the committed files) is sanitised in a temporary directory
# of its own; the test checks
#   - mugai exits 0 and prints no sanitizer report (ASan/UBSan in CI);
#   - the report's verdict and the multiset of action:reason_code of its
#     items match the manifest (check-hostile.py summary);
#   - the invariants on every output (check-hostile.py outputs): a mail holds
#     only text/plain, image-only PDFs (check-pdf.py), re-encoded images
#     (check-image.py) and rebuilt ZIPs (zipcheck.py); no header outside the
#     allowlist; no marker of an original's bytes, no executable header, no
#     <script.
#
# Env: MUGAI (the mugai binary), SRCDIR (repository root), MUGAI_STATE_DIR;
# PYTHON (default /usr/bin/python3, with Pillow); HOSTILE_ONLY: a grep -E
# pattern to run only some cases. Prints "ok N - what" / "not ok N - what";
# exits 1 if any check failed.
set -u
: "${MUGAI:?}" "${SRCDIR:?}"
PY=${PYTHON:-/usr/bin/python3}
it="$SRCDIR/tests/integration"
fx="$SRCDIR/tests/fixtures/hostile"
. "$it/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
MUGAI_STATE_DIR=${MUGAI_STATE_DIR:-$work/state}
export MUGAI_STATE_DIR
start=$(date +%s)

if "$PY" "$SRCDIR/scripts/gen-hostile" --check >"$work/gen.out" 2>&1; then
  ok "scripts/gen-hostile --check: the committed corpus is what the script writes"
else
  bad "scripts/gen-hostile --check: the committed corpus is what the script writes"
  show "$work/gen.out"
fi

cases=$(grep -v '^#' "$fx/manifest.tsv" | cut -f1)
[ -n "${HOSTILE_ONLY:-}" ] && cases=$(printf '%s\n' "$cases" | grep -E "$HOSTILE_ONLY")
total=$(printf '%s\n' "$cases" | grep -c .)
[ -n "${HOSTILE_ONLY:-}" ] || check "the manifest lists at least 60 cases ($total)" "[ $total -ge 60 ]"

for c in $cases; do
  line=$(grep -F "$(printf '%s\t' "$c")" "$fx/manifest.tsv" | head -n 1)
  want=$(printf '%s\n' "$line" | cut -f2,3)
  d="$work/$c.d"
  mkdir -p "$d/out"
  cp "$fx/$c" "$d/"
  (cd "$d" && "$MUGAI" sanitize "$c" -o "out/$c" --report report.json >stdout 2>stderr)
  rc=$?
  if [ $rc -ne 0 ]; then
    bad "$c: mugai sanitize exits $rc"
    show "$d/stderr" 8
    continue
  fi
  if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$d/stderr"; then
    bad "$c: sanitizer report"
    show "$d/stderr" 20
    continue
  fi
  got=$("$PY" "$it/check-hostile.py" summary "$d/report.json" 2>&1)
  if [ "$got" = "$want" ]; then
    ok "$c: $(printf '%s' "$got" | tr '\t' ' ')"
  else
    bad "$c: verdict and actions"
    echo "#   want: $(printf '%s' "$want" | tr '\t' ' ')"
    echo "#   got:  $(printf '%s' "$got" | tr '\t' ' ')"
  fi
  kind=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["input"]["kind"])' "$d/report.json")
  if "$PY" "$it/check-hostile.py" outputs "$d/out" "$kind" >"$d/inv" 2>&1; then
    ok "$c: invariants on the output ($kind)"
  else
    bad "$c: invariants on the output ($kind)"
    show "$d/inv" 8
  fi
done

echo "# $total cases in $(($(date +%s) - start)) s"
echo "1..$n"
[ $fails -eq 0 ]
