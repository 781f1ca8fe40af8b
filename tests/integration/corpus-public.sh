#!/bin/sh
# corpus-public.sh - the public malformed and hostile samples named in the
# corpora notes through `mugai sanitize --batch` (ASan+UBSan in the test
# command: any sanitizer report aborts a batch and fails this test):
#   - Python's email test messages (test_email/data, libpython3.11-testsuite):
#     unusual and broken MIME; every one must give a result holding only
#     text/plain parts (check-text-only.py);
#   - ClamAV's harmless test files (clamav-testfiles): executables under many
#     packers, archives of many kinds with clam.exe inside, OLE, RTF, TNEF,
#     PDF, mbox encodings of clam.exe. Every one must give a result; every
#     bare executable is rejected; and no output, nor any member of an output
#     ZIP, contains a run of clam.exe's bytes.
# Exits 77 (skip) when the Debian packages cannot be downloaded.
set -u
: "${MUGAI:?}" "${SRCDIR:?}"
mail=$(sh "$SRCDIR/scripts/fetch-corpus" python-email) || exit 77
clam=$(sh "$SRCDIR/scripts/fetch-corpus" clamav) || exit 77
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

find "$mail" -maxdepth 1 -name 'msg_*.txt' | sort >"$work/mail.list"
echo "# python-email: $(wc -l <"$work/mail.list") messages from $mail"
if ! xargs "$MUGAI" sanitize --batch --as mail -o "$work/mail" <"$work/mail.list" 2>"$work/mail.err" ||
  [ -s "$work/mail.err" ]; then
  echo "not ok - python-email: mugai sanitize --batch failed or printed errors"
  head -40 "$work/mail.err"
  fail=1
else
  echo "ok - python-email: every message gave a result, no error"
  if python3 "$SRCDIR/tests/integration/check-text-only.py" "$work/mail" "$work/mail.list"; then
    echo "ok - python-email: every result holds only text/plain parts"
  else
    echo "not ok - python-email: a result holds something other than text/plain"
    fail=1
  fi
fi

find "$clam" -maxdepth 1 -type f | sort >"$work/clam.list"
echo "# clamav: $(wc -l <"$work/clam.list") files from $clam"
if ! xargs "$MUGAI" sanitize --batch -o "$work/clam" <"$work/clam.list" 2>"$work/clam.err" ||
  [ -s "$work/clam.err" ]; then
  echo "not ok - clamav: mugai sanitize --batch failed or printed errors"
  head -40 "$work/clam.err"
  fail=1
else
  echo "ok - clamav: every file gave a result, no error"
fi
python3 - "$clam" "$work/clam" <<'PYEOF' || fail=1
import io, json, os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
exe = open(os.path.join(src, "clam.exe"), "rb").read()
# runs of clam.exe's bytes: any 24 bytes from its body give it away
runs = [exe[i:i + 24] for i in range(64, len(exe) - 24, 24)]
bad = 0
def leaks(data):
    return any(r in data for r in runs)
def walk(name, data, depth=0):
    global bad
    if leaks(data):
        print("not ok - clamav: %s carries bytes of clam.exe" % name)
        bad += 1
    if depth < 3 and data[:4] == b"PK\x03\x04":
        try:
            z = zipfile.ZipFile(io.BytesIO(data))
            for m in z.infolist():
                walk(name + "!" + m.filename, z.read(m), depth + 1)
        except zipfile.BadZipFile:
            pass
inputs = sorted(os.listdir(src))
missing = [f for f in inputs if not os.path.exists(os.path.join(out, f + ".report.json"))]
if missing:
    print("not ok - clamav: no report for %s" % ", ".join(missing))
    bad += 1
else:
    print("ok - clamav: a report for each of the %d files" % len(inputs))
exes = [f for f in inputs if f.endswith(".exe")]
wrong = []
for f in exes:
    r = json.load(open(os.path.join(out, f + ".report.json")))
    if r.get("verdict") != "rejected":
        wrong.append("%s: %s" % (f, r.get("verdict")))
if wrong:
    print("not ok - clamav: executables not rejected: %s" % "; ".join(wrong))
    bad += 1
else:
    print("ok - clamav: all %d executables rejected" % len(exes))
n = 0
for f in sorted(os.listdir(out)):
    if f.endswith(".report.json"):
        continue
    n += 1
    walk(f, open(os.path.join(out, f), "rb").read())
if not bad:
    print("ok - clamav: no byte run of clam.exe in any of %d outputs or their ZIP members" % n)
sys.exit(1 if bad else 0)
PYEOF
exit $fail
