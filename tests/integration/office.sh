#!/bin/sh
# office.sh - office documents through `mugai sanitize`, end to end (issue 4):
# every format (doc docx docm xls xlsx xlsm ppt pptx pptm odt ods odp rtf)
# converted by sandboxed LibreOffice and re-drawn as an image-only PDF that
# looks like LibreOffice's own rendering, its Japanese text beside it; macros
# never run; an encrypted document held and opened with --password; a
# corrupt one removed; converters reused, recycled, killed at their
# deadline, confined (no network, no writes outside their directory); no
# LibreOffice process or file left behind. Fixtures: tests/fixtures/office
# (scripts/gen-office-fixtures.py); checkers: check-pdf.py and
# office-control.py beside this script.
#
# Env: MUGAI (the mugai binary), SRCDIR (repository root); PYTHON (default
# /usr/bin/python3: needs python3-uno). Needs LibreOffice (Writer, Calc,
# Impress), qpdf, poppler-utils and the IPA fonts (scripts/debian-packages.txt).
# Prints "ok N - what" / "not ok N - what"; exits 1 if any check failed.
set -eu
: "${MUGAI:?}" "${SRCDIR:?}"
PY=${PYTHON:-/usr/bin/python3}
fx="$SRCDIR/tests/fixtures/office"
it="$SRCDIR/tests/integration"
work=$(mktemp -d)
# Converters' private directories go under the test's own TMPDIR, so that
# "nothing left behind" can be checked without seeing anyone else's.
export TMPDIR="$work/tmp"
mkdir "$TMPDIR"
trap 'rm -rf "$work"; rm -f /tmp/mugai-macro-canary-odt /tmp/mugai-macro-canary-docm /tmp/mugai-macro-canary-xlsm' EXIT
cd "$work"
mkdir in out ref
touch start.stamp

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# t WHAT CMD...: one check; a failing command's output is shown as a comment.
t() {
  what=$1
  shift
  if "$@" >t.out 2>&1; then
    ok "$what"
  else
    notok "$what"
    sed 's/^/#   /' t.out | head -5
  fi
}
# js REPORT EXPR: a Python expression over the report `d` and its first item `it`.
js() {
  "$PY" -c 'import json,sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
it = (d.get("items") or [{}])[0]
print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null || echo "<no report>"
}
is() {
  v=$(js "$1" "$2")
  [ "$v" = "$3" ] || { echo "got: $v; want: $3"; return 1; }
}
# san NAME IN OUT [ARGS...]: sanitize into OUT with report NAME.json; sets rc.
san() {
  name=$1 src=$2 dst=$3
  shift 3
  rc=0
  "$MUGAI" sanitize "$@" "$src" -o "$dst" --report "$name.json" >"$name.stdout" 2>"$name.err" || rc=$?
}
exit0() { [ "$rc" -eq 0 ]; }
pdfok() { "$PY" "$it/check-pdf.py" "$@"; }
utf8_has() {   # FILE STRING...: valid UTF-8, every STRING present
  "$PY" -c 'import sys
t = open(sys.argv[1], "rb").read().decode("utf-8")
missing = [s for s in sys.argv[2:] if s not in t]
sys.exit("missing %r" % missing if missing else 0)' "$@"
}
lacks() {      # FILE STRING: STRING not in FILE (a missing file lacks it too)
  [ ! -e "$1" ] || ! grep -q -- "$2" "$1"
}
canaries() {   # none of the macro canaries exists
  for c in odt docm xlsm; do
    if [ -e "/tmp/mugai-macro-canary-$c" ]; then
      echo "/tmp/mugai-macro-canary-$c exists"
      return 1
    fi
  done
}
# procs REGEX: the live processes whose command line matches (from /proc;
# procps may not be installed), one per line.
procs() {
  "$PY" -c 'import os, re, sys
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        with open("/proc/%s/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        continue
    if cmd and state != "Z" and re.search(sys.argv[1], cmd) and pid != str(os.getpid()):
        print(pid, cmd)' "$1"
}
# our_office: LibreOffice processes of the converters this test's mugai
# started (their UNO pipe is named mugai_<pid>_..., their profile is under
# this test's TMPDIR); other tests running at the same time (hostile,
# watch) start converters of their own, which are not ours to count.
our_office() { procs "soffice.*UserInstallation=file://$TMPDIR/.*pipe,name=mugai_[0-9]"; }
no_office() { [ "$(our_office | wc -l)" -le "$before" ] || { our_office; return 1; }; }

# 0. Tools.
for tool in soffice qpdf pdfinfo pdffonts pdftocairo pdftotext; do
  t "tool $tool installed" command -v "$tool"
done
t "python3-uno importable ($PY)" "$PY" -c 'import uno'
before=$(our_office | wc -l)

# The documents: every format (docm and xlsm are the macro fixtures).
convertible="ja-report.odt ja-report.docx ja-report.doc ja-report.rtf ja-budget.ods
  ja-budget.xlsx ja-budget.xls ja-slides.odp ja-slides.pptx ja-slides.pptm ja-slides.ppt
  macro-onload.odt macro-autoopen.docm macro-workbook.xlsm"
for f in $convertible encrypted.docx corrupt.docx parts-late.docx parts-unnamed.docx; do
  cp "$fx/$f" in/
done
# Japanese each family's text layer must carry.
want() {
  case $1 in
    ja-report.*) echo "見積書 髙橋 ① ㈱山田製作所 道路補修工事" ;;
    ja-budget.* | macro-workbook.*) echo "款 土木費 合計 10590000" ;;
    ja-slides.*) echo "無害化の仕組み 添付ファイルは画像に変換されます 説明資料" ;;
    macro-onload.*) echo "マクロ付き文書 舗装工事 交通誘導員" ;;
    macro-autoopen.*) echo "マクロ付き文書 AutoOpen 舗装工事" ;;
  esac
}

# 1. LibreOffice's own rendering of each source, the reference for --like:
# the plain `soffice --convert-to pdf`, in a profile of its own, one run for
# all (copies named STEM-EXT.EXT, so that ja-report.doc and ja-report.docx
# do not both become ja-report.pdf).
mkdir refin
for f in $convertible; do cp "in/$f" "refin/${f%.*}-${f##*.}.${f##*.}"; done
(cd refin && soffice -env:UserInstallation="file://$work/ref-profile" --headless \
  --convert-to pdf --outdir ../ref ./* >../ref.log 2>&1) || :
refpdf() { echo "ref/${1%.*}-${1##*.}.pdf"; }
t "soffice --convert-to pdf rendered the 14 references" \
  sh -c '[ "$(ls ref/*.pdf 2>/dev/null | wc -l)" -eq 14 ]'

# 2. The whole set in one batch: one mugai process, converters reused.
rm -f /tmp/mugai-macro-canary-odt /tmp/mugai-macro-canary-docm /tmp/mugai-macro-canary-xlsm
t0=$(date +%s.%N)
rc=0
"$MUGAI" sanitize --batch -o out in/* >batch.out 2>batch.err || rc=$?
t1=$(date +%s.%N)
t "--batch of 18 office documents: exit 0" exit0
for f in $convertible; do
  rep="out/$f.report.json"
  t "$f: converted" is "$rep" 'd["verdict"] + " " + it["action"] + " " + it["reason_code"]' \
    "delivered converted rendered"
  t "$f: image-only, same pages and looks as soffice's PDF (check-pdf --like)" \
    pdfok "out/$f.pdf" --like "$(refpdf "$f")"
  # shellcheck disable=SC2046 # one argument per word
  t "$f: Japanese text layer ($(want "$f"))" utf8_has "out/$f.txt" $(want "$f")
done
# OOXML that libmagic calls a plain ZIP, or "Microsoft OOXML": still the
# office filter's (not expanded as an archive, not refused).
for f in parts-late.docx:application/zip parts-unnamed.docx:application/octet-stream; do
  type=${f#*:}
  f=${f%%:*}
  t "$f (sniffed as $type): converted by LibreOffice" is "out/$f.report.json" \
    'it["detected_type"] + " " + it["action"] + " " + str("LibreOffice" in it["reason"])' \
    "$type converted True"
  t "$f: the report's pages (check-pdf --like)" pdfok "out/$f.pdf" --like ref/ja-report-docx.pdf
done
t "after the batch, mugai has exited and left no LibreOffice running" no_office
t "batch: the reports name the converter and its document number" \
  sh -c 'grep -h -o "converter [0-9]*, [a-z ]*[0-9]*" out/*.report.json | sort -u >conv.txt && [ -s conv.txt ]'
# The failures (corrupt, encrypted) end their converter; the 14 others share
# at most two, so one of them did at least 7 documents without a restart.
t "batch: converters reused (some converter did 7 or more documents)" \
  "$PY" -c 'import json,glob,re,sys
docs = {}
for p in glob.glob("out/*.report.json"):
    r = json.load(open(p))["items"][0]["reason"]
    m = re.search(r"converter (\d+), (?:its document (\d+)|started)", r)
    if m:
        docs.setdefault(m.group(1), []).append(int(m.group(2) or 1))
print(docs)
sys.exit(0 if max(len(v) for v in docs.values()) >= 7 and max(max(v) for v in docs.values()) >= 7 else 1)'
echo "# batch of 18: $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s wall; $(tr '\n' ';' <conv.txt 2>/dev/null)"

# 3. Macros never run: no canary file, no MACRO-RAN text, pixels only.
t "macro documents: no canary file written (/tmp/mugai-macro-canary-*)" canaries
for f in macro-onload.odt macro-autoopen.docm macro-workbook.xlsm; do
  t "$f: no MACRO-RAN in its text layer" lacks "out/$f.txt" MACRO-RAN
done
# The control: LibreOffice does find the macros in them, and runs the ODT's
# when macros are allowed -- so their absence above is mugai's doing.
"$PY" "$it/office-control.py" modules in/macro-onload.odt in/macro-autoopen.docm \
  in/macro-workbook.xlsm >modules.txt 2>&1 || :
t "control: LibreOffice imports Sub OnOpen from macro-onload.odt" \
  grep -q 'macro-onload.odt: Standard.Module1: Sub OnOpen' modules.txt
t "control: LibreOffice imports VBA Sub AutoOpen from macro-autoopen.docm" \
  grep -q 'macro-autoopen.docm: .*Module1: Sub AutoOpen' modules.txt
t "control: LibreOffice imports VBA Sub Workbook_Open from macro-workbook.xlsm" \
  grep -q 'macro-workbook.xlsm: .*ThisWorkbook: Sub Workbook_Open' modules.txt
"$PY" "$it/office-control.py" run in/macro-onload.odt >control-run.txt 2>&1 || :
t "control: with macros allowed, LibreOffice runs it (MACRO-RAN-ODT in its text)" \
  grep -q MACRO-RAN-ODT control-run.txt
t "control: ... and its canary file is written" test -e /tmp/mugai-macro-canary-odt
rm -f /tmp/mugai-macro-canary-odt

# 4. Encrypted: held, nothing written but the notice; --password opens it.
rep=out/encrypted.docx.report.json
t "encrypted.docx: held, reason encrypted, password required" is "$rep" \
  'd["verdict"] + " " + it["action"] + " " + it["reason_code"] + " " + str("password required" in it["reason"])' \
  "held held encrypted True"
t "encrypted.docx: no PDF; the notice (無害化通知) at encrypted.docx.txt" \
  sh -c '[ ! -e out/encrypted.docx.pdf ] && grep -q 無害化通知 out/encrypted.docx.txt' 
san encpw in/encrypted.docx out/enc-pw.pdf --password Kagi-2026
t "encrypted.docx --password Kagi-2026: converted" is encpw.json 'it["action"]' converted
t "encrypted.docx --password: the report's pages (check-pdf --like soffice's ja-report.pdf)" \
  pdfok out/enc-pw.pdf --like ref/ja-report-docx.pdf
t "encrypted.docx --password: its text (見積書, 髙橋)" utf8_has out/enc-pw.txt 見積書 髙橋
san encbad in/encrypted.docx out/enc-bad.pdf --password wrong
t "encrypted.docx --password wrong: held, encrypted, says the password does not open it" \
  is encbad.json 'it["action"] + " " + it["reason_code"] + " " + str("does not open" in it["reason"])' \
  "held encrypted True"
printf '[office]\non_encrypted = remove\n' >rmenc.ini
san encrm in/encrypted.docx out/enc-rm.pdf -c rmenc.ini
t "[office] on_encrypted = remove: removed, reason encrypted" is encrm.json \
  'it["action"] + " " + it["reason_code"]' "removed encrypted"

# 5. Corrupt: removed as malformed (or held with on_failure = hold).
t "corrupt.docx: removed, reason malformed" is out/corrupt.docx.report.json \
  'it["action"] + " " + it["reason_code"]' "removed malformed"
t "corrupt.docx: nothing under its name but the notice" test ! -e out/corrupt.docx.pdf
printf '[office]\non_failure = hold\n' >hold.ini
san corhold in/corrupt.docx out/cor-hold.pdf -c hold.ini
t "[office] on_failure = hold: corrupt.docx held, reason malformed" is corhold.json \
  'it["action"] + " " + it["reason_code"]' "held malformed"

# 6. In a mail: the document becomes <stem>.pdf and <stem>.txt.
"$PY" - in/ja-report.docx in/ja-budget.xlsx <<'PYEOF'
import sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "業者 <vendor@example.jp>"
m["To"] = "road@city.example.lg.jp"
m["Subject"] = "見積書の送付"
m.set_content("見積書と予算表を送ります。")
m.add_attachment(open(sys.argv[1], "rb").read(), maintype="application",
                 subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                 filename="見積書.docx")
m.add_attachment(open(sys.argv[2], "rb").read(), maintype="application",
                 subtype="octet-stream", filename="予算.xlsx")
open("mail.eml", "wb").write(m.as_bytes())
PYEOF
san mail mail.eml out/mail.eml
t "mail with a .docx and an .xlsx: exit 0" exit0
"$PY" - out/mail.eml <<'PYEOF' >mailparts.txt 2>&1 || :
import email, email.policy, os, sys
msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
os.makedirs("mailparts", exist_ok=True)
for part in msg.walk():
    if part.get_filename():
        open(os.path.join("mailparts", part.get_filename()), "wb").write(part.get_payload(decode=True))
        print(part.get_filename(), part.get_content_type())
PYEOF
t "mail: 見積書.pdf and 見積書.txt attached, no .docx" \
  sh -c 'grep -q "^見積書.pdf application/pdf" mailparts.txt && grep -q "^見積書.txt" mailparts.txt && ! grep -q "docx" mailparts.txt'
t "mail: 見積書.pdf is the report, image-only" pdfok mailparts/見積書.pdf --like ref/ja-report-docx.pdf
t "mail: 予算.pdf is the budget, image-only" pdfok mailparts/予算.pdf --like ref/ja-budget-xlsx.pdf

# 7. Recycling: [office] recycle_after = 2 restarts the converter every two
# documents (converter 1: documents 1, 2; converter 2: 1, 2; converter 3: 1).
mkdir rec
printf '[office]\nrecycle_after = 2\n' >recycle.ini
rc=0
"$MUGAI" sanitize --batch -c recycle.ini -o rec in/ja-report.odt in/ja-report.docx \
  in/ja-budget.xlsx in/ja-slides.pptx in/ja-report.rtf >rec.out 2>rec.err || rc=$?
t "recycle_after = 2, five documents: exit 0, all converted" sh -c \
  '[ $0 -eq 0 ] && [ $(grep -l "\"action\" : \"converted\"" rec/*.report.json | wc -l) -eq 5 ]' "$rc"
t "recycle_after = 2: converters 1,1,2,2,3 with documents 1,2,1,2,1" "$PY" -c 'import json,re,sys
seen = []
for f in ["ja-report.odt", "ja-report.docx", "ja-budget.xlsx", "ja-slides.pptx", "ja-report.rtf"]:
    r = json.load(open("rec/%s.report.json" % f))["items"][0]["reason"]
    m = re.search(r"converter (\d+), (?:its document (\d+)|started)", r)
    seen.append((int(m.group(1)), int(m.group(2) or 1)))
base = seen[0][0]
got = [(c - base + 1, d) for c, d in seen]
print(got)
sys.exit(0 if got == [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1)] else 1)'

# 8. The box, probed from inside: an agent (MUGAI_OFFICE_AGENT) that tries
# what LibreOffice must not be able to do and reports it as its error.
mkdir secret
echo "not for the converter" >secret/file
cat >probe-agent.py <<'PYEOF'
import ctypes, errno, os, socket, struct, subprocess, sys
READY = (lambda c: b"MGO1R\0\0\0" + struct.pack("<IQ", 0, len(c)) + c)(("fake;" + next(
    (a.split("=", 1)[1] for a in sys.argv if a.startswith("--confinement=")), "?")).encode())
opts = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
out = sys.stdout.buffer
out.write(READY)
out.flush()
libc = ctypes.CDLL(None, use_errno=True)
def p(name, fn):
    try:
        r = fn()
        if isinstance(r, int) and r < 0:
            return "%s=%s" % (name, errno.errorcode.get(ctypes.get_errno(), "?"))
        return name + "=ok"
    except OSError as e:
        return "%s=%s" % (name, errno.errorcode.get(e.errno, str(e.errno)))
def mksock():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = "/tmp/mugai-probe-%d" % os.getpid()
    s.bind(path)
    return 0
r = [opts.get("confinement", "?").split("-v")[-1] if "landlock" in opts.get("confinement", "") else "ll=none",
     p("inet", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM)),
     p("inet6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)),
     p("netlink", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)),
     p("unix", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)),
     p("write-own", lambda: open(opts["dir"] + "/probe", "w").write("x")),
     p("write-tmp", lambda: open("/tmp/mugai-probe-file-%d" % os.getpid(), "w")),
     p("sock-tmp", mksock),
     p("read-outside", lambda: open(os.path.realpath(opts["dir"] + "/../../secret/file")).read()),
     p("exec", lambda: subprocess.run(["/bin/true"], check=True)),
     p("setsid", os.setsid),
     p("setpgid", lambda: os.setpgid(0, 0)),
     p("ptrace", lambda: libc.ptrace(0, 0, 0, 0)),
     p("unshare", lambda: libc.unshare(0x10000000)),
     p("kill-mugai", lambda: os.kill(os.getppid(), 0)),
     "caps=" + ("none" if [l for l in open("/proc/self/status") if l.startswith("CapEff:")][0].split()[1].strip("0") == "" else "some")]
msg = ("probe " + " ".join(r)).encode()[:256]
sys.stdin.buffer.read(16)
out.write(b"E\0\0\0" + struct.pack("<IQ", 0, 4 + len(msg)) + struct.pack("<I", 1) + msg)
out.flush()
sys.stdin.buffer.read()
PYEOF
MUGAI_OFFICE_AGENT="$work/probe-agent.py" san probe in/ja-report.docx out/probe.pdf
probe=$(js probe.json 'it.get("reason", "")')
echo "# $probe"
has() { case " $probe " in *" $1 "* | *" $1)"*) return 0 ;; esac; echo "probe said: $probe"; return 1; }
t "probe ran in the converter's box" has unix=ok
t "box: no AF_INET socket (EACCES)" has inet=EACCES
t "box: no AF_INET6 socket (EACCES)" has inet6=EACCES
t "box: no AF_NETLINK socket (EACCES)" has netlink=EACCES
t "box: AF_UNIX sockets allowed (LibreOffice's UNO pipe)" has unix=ok
t "box: may write in its private directory" has write-own=ok
t "box: may exec (LibreOffice starts soffice.bin)" has exec=ok
t "box: setsid denied (EPERM: it cannot leave its process group)" has setsid=EPERM
t "box: setpgid denied (EPERM)" has setpgid=EPERM
t "box: ptrace denied (EPERM)" has ptrace=EPERM
t "box: no capabilities, even when mugai runs as root" has caps=none
t "box: unshare(CLONE_NEWUSER) denied (EPERM)" has unshare=EPERM
case $probe in
  *ll=none*)
    for w in "no regular file in /tmp" "a socket node in /tmp" "no read outside" "no signal to mugai"; do
      skip "box (Landlock): $w" "no Landlock in this kernel"
    done ;;
  *)
    t "box (Landlock): no regular file in /tmp (EACCES)" has write-tmp=EACCES
    t "box (Landlock): a socket node in /tmp is allowed (LibreOffice's pipe)" has sock-tmp=ok
    t "box (Landlock): nothing read outside its paths (EACCES on the test's directory)" \
      has read-outside=EACCES
    case $probe in
      *kill-mugai=EPERM*) ok "box (Landlock ABI 6): no signal to a process outside the box" ;;
      *) skip "box (Landlock ABI 6): no signal to a process outside the box" "Landlock ABI < 6 here" ;;
    esac ;;
esac
rm -f /tmp/mugai-probe-*

# 9. A deadline overrun kills the converter's whole process group, however
# deep: the agent starts a child that starts another, and hangs.
cat >hang-agent.py <<'PYEOF'
import struct, subprocess, sys, time
READY = (lambda c: b"MGO1R\0\0\0" + struct.pack("<IQ", 0, len(c)) + c)(("fake;" + next(
    (a.split("=", 1)[1] for a in sys.argv if a.startswith("--confinement=")), "?")).encode())
out = sys.stdout.buffer
out.write(READY)
out.flush()
sys.stdin.buffer.read(16)
subprocess.Popen(["/bin/sh", "-c", "sleep 9871 & sleep 9872; wait"])
time.sleep(600)
PYEOF
printf '[office]\ntimeout = 2\n' >timeout.ini
t0=$(date +%s)
MUGAI_OFFICE_AGENT="$work/hang-agent.py" san hang in/ja-report.docx out/hang.pdf -c timeout.ini
t1=$(date +%s)
t "a converter past [office] timeout = 2: removed, reason timeout" is hang.json \
  'it["action"] + " " + it["reason_code"]' "removed timeout"
t "... within seconds ($((t1 - t0)) s)" test $((t1 - t0)) -lt 30
no_sleepers() { [ -z "$(procs '^sleep 987[12]')" ]; }
t "... and its grandchildren are gone (no sleep 9871/9872)" no_sleepers
# An agent that dies: worker-failed, and the next document gets a new one.
cat >die-agent.py <<'PYEOF'
import struct, sys
READY = (lambda c: b"MGO1R\0\0\0" + struct.pack("<IQ", 0, len(c)) + c)(("fake;" + next(
    (a.split("=", 1)[1] for a in sys.argv if a.startswith("--confinement=")), "?")).encode())
sys.stdout.buffer.write(READY)
sys.stdout.buffer.flush()
sys.stdin.buffer.read(16)
sys.exit(3)
PYEOF
MUGAI_OFFICE_AGENT="$work/die-agent.py" san die in/ja-report.docx out/die.pdf
t "a converter that dies mid-document: removed, reason worker-failed" is die.json \
  'it["action"] + " " + it["reason_code"]' "removed worker-failed"

# 10. Nothing left behind.
t "no LibreOffice of mugai's still running" no_office
t "no private directory left in TMPDIR" sh -c '[ -z "$(ls -A "$TMPDIR")" ]'
t "no LibreOffice socket left in /tmp (OSL_PIPE_*)" \
  sh -c '[ -z "$(find /tmp -maxdepth 1 -name "OSL_PIPE_*" -newer start.stamp 2>/dev/null)" ]'
t "no macro canary anywhere" canaries
# shellcheck disable=SC2016
t "no sanitizer or runtime error report from mugai or its workers" \
  sh -c '! grep -l -E "Sanitizer|runtime error:" ./*.err'

echo "1..$n"
echo "# $((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
