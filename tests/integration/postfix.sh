#!/bin/sh
# postfix.sh - mugai-milter behind a real Postfix on loopback (issue 6).
# Two throwaway instances (tests/postfix/lab): a receiving one on
# 127.0.0.1:$RX_PORT whose smtpd calls the milter on a unix socket
# (milter_default_action = tempfail) and delivers to a Maildir, and a
# sending one on 127.0.0.1:$TX_PORT that relays everything to it, so that a
# 4xx from the receiver keeps mail queued at the sender and retried.
#   1. Japanese mails (ISO-2022-JP with NEC chars, Shift_JIS/CP932, EUC-JP,
#      UTF-8), HTML, PDF, Office (docx), archive (zip) and hostile ones (an
#      executable disguised as a PDF, a right-to-left-override .exe, an
#      encrypted zip, a PDF with JavaScript) sent to the sender: each is
#      delivered once, sanitised (X-Mugai-* headers; only text/plain, PDFs
#      that check-pdf.py passes, rebuilt ZIPs, re-encoded images; none of the
#      original attachment bytes; the Japanese Subject decodes), and equal to
#      `mugai sanitize` of the original the quarantine holds (source milter,
#      the envelope sender and recipient, Postfix's Received header in it).
#   2. kill -9 of the milter while a stream of 30 mails flows: the receiver
#      answers 4xx, the sender defers; the milter restarted on the same
#      socket (its stale file left in place); every mail is delivered exactly
#      once, sanitised, none lost.
#   3. SIGHUP: [mail] output_charset changed while an SMTP session (and so
#      its milter connection) stays open: the next mail on that session is
#      accepted and rebuilt in ISO-2022-JP.
#   4. SIGTERM while a slow mail (Office document) is in flight: that mail is
#      still delivered, the milter exits 0 and logs "stopped"; then mail is
#      refused with 4xx until it is back.
# The milter's log (--log-stderr) must hold no sanitizer report, and one
# line per delivered mail.
#
# Env: MUGAI, MUGAI_MILTER, SRCDIR; PYTHON (default /usr/bin/python3);
# RX_PORT, TX_PORT (default: the first two free ports from 2641). Needs root, postfix, qpdf and
# poppler-utils (check-pdf.py), LibreOffice for the docx. Exit 77 (skip)
# without root or Postfix. Prints "ok N - what" / "not ok N - what"; exits 1
# if any check failed.
set -u
: "${MUGAI:?}" "${MUGAI_MILTER:?}" "${SRCDIR:?}"
PY=${PYTHON:-/usr/bin/python3}
# free_ports N: the first N ports of 2641-2699 nobody listens on
free_ports() {
  "$PY" - "$1" <<'PYEOF'
import socket, sys
want, got = int(sys.argv[1]), []
for p in range(2641, 2700):
    s = socket.socket()
    try:
        s.bind(('127.0.0.1', p))
        got.append(p)
    except OSError:
        pass
    finally:
        s.close()
    if len(got) == want:
        break
print(' '.join(map(str, got)))
PYEOF
}
if [ -z "${RX_PORT:-}" ] || [ -z "${TX_PORT:-}" ]; then
  # shellcheck disable=SC2046 # two port numbers
  set -- $(free_ports 2)
  RX_PORT=${RX_PORT:-$1}
  TX_PORT=${TX_PORT:-$2}
fi
lab="$SRCDIR/tests/postfix/lab"
PATH=$PATH:/usr/sbin:/sbin
export PATH

if [ "$(id -u)" != 0 ] || ! command -v postfix >/dev/null 2>&1; then
  echo "1..0 # SKIP needs root and Postfix"
  exit 77
fi

work=$(mktemp -d)
chmod 0755 "$work" # the postfix user reaches the socket and the queues
mpid=""
cleanup() {
  [ -n "$mpid" ] && kill -KILL "$mpid" 2>/dev/null
  sh "$lab" stop "$work/tx" >/dev/null 2>&1
  sh "$lab" stop "$work/rx" >/dev/null 2>&1
  if [ -n "${KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cd "$work" || exit 1
MUGAI_STATE_DIR="$work/state"
export MUGAI_STATE_DIR MUGAI SRCDIR
if [ -z "${MUGAI_WORKER:-}" ] && [ -x "$(dirname "$MUGAI")/mugai-worker" ]; then
  MUGAI_WORKER="$(dirname "$MUGAI")/mugai-worker"
  export MUGAI_WORKER
fi
SOCK="unix:$work/milter.sock"
mkdir "$work/tmp" # the milter's (and its converters') temporary files
FROM=sender@example.co.jp
RCPT=soumu@lgwan.example
maildir="$work/rx/Maildir"

. "$SRCDIR/tests/integration/lib.sh"
# pass FILE: "PASS what" / "FAIL what" lines of a checker as checks
pass() {
  while IFS= read -r _l; do
    case "$_l" in
    PASS\ *) ok "${_l#PASS }" ;;
    FAIL\ *) bad "${_l#FAIL }" ;;
    *) echo "$_l" ;;
    esac
  done <"$1"
}

# The milter's configuration: the socket open to smtpd (user postfix).
conf() {
  printf '%s\n' "[milter]" "socket_mode = 0666" "timeout = 240" "[mail]" "output_charset = $1" \
    >"$work/milter.ini"
}

# start_milter: mugai-milter on $SOCK, its stderr appended to milter.log
start_milter() {
  _from=$(grep -c 'ready on' milter.log 2>/dev/null || echo 0)
  TMPDIR="$work/tmp" "$MUGAI_MILTER" -c "$work/milter.ini" --socket "$SOCK" --log-stderr 2>>milter.log &
  mpid=$!
  _i=0
  while [ "$(grep -c 'ready on' milter.log)" -le "$_from" ]; do
    if ! kill -0 "$mpid" 2>/dev/null || [ $_i -ge 600 ]; then
      return 1
    fi
    sleep 0.2
    _i=$((_i + 1))
  done
}


# stop_milter SIGNAL: the status it exits with in $mrc
stop_milter() {
  kill "-$1" "$mpid"
  reap "$mpid" 300
  mrc=$rc
  mpid=""
}

# delivered: messages in the Maildir
delivered() { sh "$lab" count "$work/rx"; }

# --- Python helpers -------------------------------------------------------

# mkmails.py DIR: the test mails and DIR/manifest.json
cat >mkmails.py <<'PYEOF'
import json, os, shutil, sys
from email.message import EmailMessage
from email import policy
src = os.environ['SRCDIR'] + '/tests/fixtures'
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
man = []
def fixture(path, kind, actions=None):
    name = os.path.basename(path)
    shutil.copy(os.path.join(src, path), os.path.join(out, name))
    man.append({'file': name, 'kind': kind, 'actions': actions})
for f in ('iso2022jp-nec', 'sjis-cp932', 'eucjp', 'utf8-base64'):
    fixture('mail/%s.eml' % f, 'japanese')
fixture('mail/html-basic.eml', 'html')
fixture('mail/disguised-exe.eml', 'hostile', r'removed=[1-9]')
fixture('mail/bidi-filename.eml', 'hostile', r'removed=[1-9]')
fixture('docs/mail-attachments.eml', 'hostile', r'removed=[1-9].*held=[1-9]')
fixture('archives/ppap.eml', 'hostile', r'held=[1-9]')
def made(name, subject, text, attachments, kind, actions=None):
    m = EmailMessage(policy=policy.SMTP)
    m['From'] = '山田 太郎 <yamada@example.co.jp>'
    m['To'] = 'soumu@lgwan.example'
    m['Subject'] = subject
    m['Date'] = 'Thu, 26 Nov 2026 10:00:00 +0900'
    m['Message-ID'] = '<%s@postfix-test.mugai.example.jp>' % name
    m.set_content(text)
    for path, mime, fname in attachments:
        maintype, subtype = mime.split('/')
        m.add_attachment(open(os.path.join(src, path), 'rb').read(), maintype=maintype,
                         subtype=subtype, filename=fname)
    with open(os.path.join(out, name + '.eml'), 'wb') as f:
        f.write(m.as_bytes())
    man.append({'file': name + '.eml', 'kind': kind, 'subject': subject, 'actions': actions})
made('pdf', '見積書（PDF）の送付', '見積書をお送りします。\n',
     [('docs/ja-3pages.pdf', 'application/pdf', '見積書.pdf'),
      ('docs/active-content.pdf', 'application/pdf', '案内.pdf')], 'pdf')
made('office', '報告書（Word）の送付', '報告書をお送りします。\n',
     [('office/ja-report.docx',
       'application/vnd.openxmlformats-officedocument.wordprocessingml.document', '報告書.docx')],
     'office')
made('archive', '資料一式（ZIP）の送付', '資料一式をお送りします。\n',
     [('archives/ja-docs.zip', 'application/zip', '資料一式.zip')], 'archive')
made('encrypted-zip', '【暗号化】見積書の送付', 'パスワードは別送します。\n',
     [('archives/zipcrypto.zip', 'application/zip', '見積書.zip')], 'hostile', r'held=[1-9]')
json.dump(man, open(os.path.join(out, 'manifest.json'), 'w'), ensure_ascii=False, indent=1)
PYEOF

# send.py PORT DIR|FILE... [--gap S]: each mail in its own SMTP session
# (from $FROM to $RCPT); prints "sent FILE" or "refused FILE CODE TEXT"
cat >send.py <<'PYEOF'
import glob, json, os, smtplib, sys, time
port, args = int(sys.argv[1]), sys.argv[2:]
gap = 0.0
if '--gap' in args:
    i = args.index('--gap'); gap = float(args[i + 1]); del args[i:i + 2]
files = []
for a in args:
    if os.path.isdir(a):
        files += [os.path.join(a, e['file']) for e in json.load(open(os.path.join(a, 'manifest.json')))]
    else:
        files.append(a)
for f in files:
    data = open(f, 'rb').read()
    try:
        with smtplib.SMTP('127.0.0.1', port, timeout=600) as s:
            s.sendmail(os.environ['FROM'], [os.environ['RCPT']], data)
        print('sent', f)
    except smtplib.SMTPResponseException as e:
        print('refused', f, e.smtp_code, e.smtp_error.decode(errors='replace'))
    except smtplib.SMTPRecipientsRefused as e:
        code, text = list(e.recipients.values())[0]
        print('refused', f, code, text.decode(errors='replace'))
    sys.stdout.flush()
    time.sleep(gap)
PYEOF

# maildir.py MAILDIR: every delivered message as "MESSAGE-ID<TAB>PATH"
cat >maildir.py <<'PYEOF'
import email, glob, os, sys
from email import policy
for p in sorted(glob.glob(os.path.join(sys.argv[1], 'new', '*')) + glob.glob(os.path.join(sys.argv[1], 'cur', '*'))):
    m = email.message_from_binary_file(open(p, 'rb'), policy=policy.default)
    print('%s\t%s' % (str(m.get('Message-ID', '')).strip(), p))
PYEOF

# pfcheck.py MAILDIR DIR CONFIG FRESHSTATE: the checks of part 1 for every
# mail of DIR/manifest.json
cat >pfcheck.py <<'PYEOF'
import configparser, email, glob, io, json, os, re, subprocess, sys, zipfile
from email import policy
maildir, d, config, fresh = sys.argv[1:5]
MUGAI, SRC = os.environ['MUGAI'], os.environ['SRCDIR']
PY = os.environ.get('PY', '/usr/bin/python3')
exp = configparser.RawConfigParser(interpolation=None)
exp.read(SRC + '/tests/fixtures/mail/expected.ini', encoding='utf-8')
subjects = {exp.get(s, 'file'): exp.get(s, 'subject') for s in exp.sections() if exp.has_option(s, 'subject')}
# these two are plain ISO-2022-JP: Python's decoder is a fair reference
for f in ('docs/mail-attachments.eml', 'archives/ppap.eml'):
    subjects[os.path.basename(f)] = str(email.message_from_binary_file(
        open(SRC + '/tests/fixtures/' + f, 'rb'), policy=policy.default)['Subject'])
# what Postfix adds after the milter
TRACE = {'return-path', 'delivered-to', 'received', 'x-original-to'}

def say(ok, what):
    print(('PASS ' if ok else 'FAIL ') + what); sys.stdout.flush(); return ok

def parse(raw):
    return email.message_from_bytes(raw, policy=policy.default)

def unzip(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return ('zip', tuple((i.filename, z.read(i)) for i in z.infolist()))
    except zipfile.BadZipFile:
        return data

def norm(raw, mid):
    m = parse(raw)
    hdrs = [(k.lower(), re.sub(r'boundary="?[^";]*"?', 'boundary=B', str(v).replace(mid, 'ID')))
            for k, v in m.items() if k.lower() not in TRACE and k.lower() != 'x-mugai-id']
    parts = []
    for p in m.walk():
        if p.is_multipart():
            parts.append((p.get_content_type(),)); continue
        data = p.get_payload(decode=True) or b''
        if p.get_content_type() == 'application/zip':
            data = unzip(data)
        elif p.get_content_maintype() == 'text':
            data = data.replace(mid.encode(), b'ID').replace(b'\r\n', b'\n')
        parts.append((p.get_content_type(), p.get_filename(), data))
    return hdrs, parts

def body_of(raw):
    # line ends and trailing empty lines aside (Postfix gives the milter one
    # more CRLF at the end than the client sent)
    raw = raw.replace(b'\r\n', b'\n')
    return (raw.split(b'\n\n', 1)[1] if b'\n\n' in raw else b'').rstrip(b'\n')

found = {}
for p in glob.glob(os.path.join(maildir, 'new', '*')) + glob.glob(os.path.join(maildir, 'cur', '*')):
    m = parse(open(p, 'rb').read())
    found.setdefault(str(m.get('Message-ID', '')).strip(), []).append(p)
entries = {e['id']: e for e in json.loads(subprocess.run([MUGAI, 'list', '--json'], capture_output=True, check=True).stdout)}
for e in json.load(open(os.path.join(d, 'manifest.json'))):
    name, src = e['file'], os.path.join(d, e['file'])
    sraw = open(src, 'rb').read()
    orig = parse(sraw)
    mid = str(orig['Message-ID']).strip()
    paths = found.get(mid, [])
    if not say(len(paths) == 1, '%s: delivered exactly once (%d)' % (name, len(paths))):
        continue
    raw = open(paths[0], 'rb').read()
    m = parse(raw)
    xid = str(m.get('X-Mugai-Id', ''))
    say(str(m.get('X-Mugai-Verdict')) == 'delivered' and len(xid) == 26,
        '%s: X-Mugai-Verdict delivered, X-Mugai-Id %s' % (name, xid))
    if e.get('actions'):
        say(re.search(e['actions'], str(m.get('X-Mugai-Actions', ''))) is not None,
            '%s: X-Mugai-Actions matches %s (%s)' % (name, e['actions'], m.get('X-Mugai-Actions')))
    want = e.get('subject') or subjects.get(name)
    say(str(m['Subject']) == want, '%s: Subject decodes to %s (got %s)' % (name, want, m['Subject']))
    leaves = [p for p in m.walk() if not p.is_multipart()]
    types = sorted({p.get_content_type() for p in leaves})
    say(set(types) <= {'text/plain', 'application/pdf', 'application/zip', 'image/png', 'image/jpeg'},
        '%s: only sanitised types: %s' % (name, types))
    # nothing of the original binary attachments (text ones are flattened to their own text)
    blobs = [p.get_payload(decode=True) for p in orig.walk() if not p.is_multipart()
             and p.get_filename() and p.get_content_maintype() != 'text']
    got = raw + b''.join(p.get_payload(decode=True) or b'' for p in leaves)
    for p in leaves:
        if p.get_content_type() == 'application/zip':
            z = unzip(p.get_payload(decode=True))
            if isinstance(z, tuple):
                got += b''.join(x[1] for x in z[1])
    leaked = [len(b) for b in blobs if b and b[:48] in got]
    say(not leaked, '%s: no original attachment bytes (%d attachments checked)' % (name, len(blobs)))
    for k, p in enumerate(leaves):
        if p.get_content_type() == 'application/pdf':
            f = os.path.join(d, '%s.%d.pdf' % (name, k))
            open(f, 'wb').write(p.get_payload(decode=True))
            r = subprocess.run([PY, SRC + '/tests/integration/check-pdf.py', f], capture_output=True, text=True)
            say(r.returncode == 0, '%s: %s is an image-only PDF (check-pdf.py) %s' % (name, p.get_filename(), r.stdout.strip()))
        if p.get_content_type() == 'application/zip':
            z = unzip(p.get_payload(decode=True))
            say(isinstance(z, tuple) and z[1] and all(
                not n.startswith('/') and '..' not in n.split('/') for n, _ in z[1]),
                '%s: %s is a rebuilt ZIP: %s' % (name, p.get_filename(),
                                                   [n for n, _ in z[1]] if isinstance(z, tuple) else z[:20]))
    if e['kind'] == 'office':
        say('application/pdf' in types, '%s: the docx became a PDF' % name)
    if e['kind'] == 'pdf':
        say(types.count('application/pdf') == 1 and len([p for p in leaves if p.get_content_type() == 'application/pdf']) == 2,
            '%s: both PDFs re-drawn' % name)
    ent = entries.get(xid)
    if not say(ent is not None, '%s: its original is in the quarantine' % name):
        continue
    say(ent['source'] == 'milter' and ent['sender'] == os.environ['FROM']
        and ent['recipients'] == [os.environ['RCPT']],
        '%s: quarantine entry: source milter, envelope %s -> %s' % (name, ent['sender'], ent['recipients']))
    of = os.path.join(d, xid + '.orig')
    subprocess.run([MUGAI, 'export', xid, '-o', of], check=True)
    oraw = open(of, 'rb').read()
    say(body_of(oraw) == body_of(sraw), '%s: the stored original has the body as sent' % name)
    say(re.search(rb'(?m)^Received: from .*\r?\n\s+by lab\.localdomain', oraw) is not None
        and oraw.split(b'\r\n\r\n', 1)[0].endswith(sraw.replace(b'\r\n', b'\n').split(b'\n\n', 1)[0].replace(b'\n', b'\r\n')),
        '%s: the stored original has the headers as sent after Postfix\'s Received' % name)
    cf = os.path.join(d, xid + '.cli')
    subprocess.run([MUGAI, 'sanitize', '-c', config, of, '-o', cf], check=True,
                   env=dict(os.environ, MUGAI_STATE_DIR=fresh), capture_output=True)
    craw = open(cf, 'rb').read()
    a, b = norm(raw, xid), norm(craw, str(parse(craw).get('X-Mugai-Id', '')))
    if a != b:
        for x, y in zip(a[0], b[0]):
            if x != y:
                print('#   header: delivered %r != cli %r' % (x, y))
        for x, y in zip(a[1], b[1]):
            if x != y:
                print('#   part: delivered %r != cli %r' % (x[:2], y[:2]))
        print('#   %d/%d headers, %d/%d parts' % (len(a[0]), len(b[0]), len(a[1]), len(b[1])))
    say(a == b, '%s: delivered = mugai sanitize of the stored original (trace headers aside)' % name)
PYEOF

# tokens.py MAILDIR PREFIX N: each of PREFIX-00..N-1 delivered exactly once,
# every delivered message carries X-Mugai-Verdict
cat >tokens.py <<'PYEOF'
import email, glob, os, re, sys
from email import policy
maildir, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen, unsanitised = {}, []
for p in glob.glob(os.path.join(maildir, 'new', '*')) + glob.glob(os.path.join(maildir, 'cur', '*')):
    m = email.message_from_binary_file(open(p, 'rb'), policy=policy.default)
    if not m.get('X-Mugai-Verdict') or not m.get('X-Mugai-Id'):
        unsanitised.append(p)
    for t in set(re.findall(prefix + r'-\d\d', str(m.get('Subject', '')))):
        seen[t] = seen.get(t, 0) + 1
want = ['%s-%02d' % (prefix, i) for i in range(count)]
missing = [t for t in want if t not in seen]
dup = sorted(t for t, c in seen.items() if c > 1)
print('PASS' if not missing else 'FAIL', '%s: every mail delivered (%d of %d; missing %s)' % (prefix, count - len(missing), count, missing))
print('PASS' if not dup else 'FAIL', '%s: none delivered twice %s' % (prefix, dup))
print('PASS' if not unsanitised else 'FAIL', 'every message in the Maildir is sanitised (X-Mugai-Verdict, X-Mugai-Id) %s' % unsanitised[:3])
import json, subprocess
q = {e['id']: e for e in json.loads(subprocess.run([os.environ['MUGAI'], 'list', '--json'], capture_output=True, check=True).stdout)}
notq = []
for p in glob.glob(os.path.join(maildir, 'new', '*')) + glob.glob(os.path.join(maildir, 'cur', '*')):
    m = email.message_from_binary_file(open(p, 'rb'), policy=policy.default)
    e = q.get(str(m.get('X-Mugai-Id', '')))
    if not e or e['source'] != 'milter' or e['sender'] != os.environ['FROM'] or e['recipients'] != [os.environ['RCPT']]:
        notq.append(str(m.get('X-Mugai-Id', '')))
print('PASS' if not notq else 'FAIL', 'every delivered message has its original in the quarantine (source milter, envelope) %s' % notq[:3])
PYEOF

# stream.py DIR PREFIX N: N small Japanese mails with PREFIX-NN in the subject
cat >stream.py <<'PYEOF'
import json, os, sys
from email.message import EmailMessage
from email import policy
d, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(d, exist_ok=True)
man = []
for i in range(count):
    m = EmailMessage(policy=policy.SMTP)
    m['From'] = '鈴木 花子 <suzuki@example.co.jp>'
    m['To'] = 'soumu@lgwan.example'
    m['Subject'] = '定期連絡 %s-%02d' % (prefix, i)
    m['Message-ID'] = '<%s-%02d@postfix-test.mugai.example.jp>' % (prefix, i)
    m.set_content('定期連絡の本文です。番号 %s-%02d\n' % (prefix, i), charset='iso-2022-jp')
    with open(os.path.join(d, '%02d.eml' % i), 'wb') as f:
        f.write(m.as_bytes())
    man.append({'file': '%02d.eml' % i})
json.dump(man, open(os.path.join(d, 'manifest.json'), 'w'))
PYEOF

export FROM RCPT PY

# --- Start ----------------------------------------------------------------

conf utf-8
if start_milter; then ok "mugai-milter starts on $SOCK"; else
  bad "mugai-milter starts on $SOCK"; show milter.log; exit 1
fi
if sh "$lab" start "$work/rx" --port "$RX_PORT" --milter "$SOCK" >rx-start.log 2>&1; then
  ok "receiving Postfix on 127.0.0.1:$RX_PORT with smtpd_milters = $SOCK"
else
  bad "receiving Postfix starts"; show rx-start.log; exit 1
fi
if sh "$lab" start "$work/tx" --port "$TX_PORT" --deliver "relay:$RX_PORT" --retry-fast >tx-start.log 2>&1; then
  ok "sending Postfix on 127.0.0.1:$TX_PORT relaying to it"
else
  bad "sending Postfix starts"; show tx-start.log; exit 1
fi

# --- 1. Mails of every kind -------------------------------------------------

"$PY" mkmails.py mails
total=$("$PY" -c 'import json; print(len(json.load(open("mails/manifest.json"))))')
"$PY" send.py "$TX_PORT" mails >send1.out 2>&1
check "the sender takes all $total mails" "[ \$(grep -c '^sent ' send1.out) -eq $total ]"
if sh "$lab" wait "$work/rx" "$total" 900 >wait1.out 2>&1; then
  ok "all $total delivered to the Maildir"
else
  bad "all $total delivered to the Maildir"; show wait1.out; show "$work/rx/maillog" 20; show milter.log 20
fi
"$PY" pfcheck.py "$maildir" mails "$work/milter.ini" "$work/fresh" >check1.out 2>&1
pass check1.out
check "the sender's queue is empty" "[ \"\$(sh '$lab' queue '$work/tx')\" -eq 0 ]"

# --- 2. kill -9 under a stream of mail --------------------------------------

"$PY" stream.py kill K 30
base=$(delivered)
"$PY" send.py "$TX_PORT" kill --gap 0.3 >send2.out 2>&1 &
spid=$!
_i=0
while [ "$(delivered)" -lt $((base + 4)) ] && [ $_i -lt 600 ]; do sleep 0.1; _i=$((_i + 1)); done
kill -KILL "$mpid"
wait "$mpid" 2>/dev/null
mpid=""
at_kill=$(($(delivered) - base))
ok "milter killed with SIGKILL after $at_kill of 30 mails were delivered"
sleep 4
check "the receiver answers 4xx while the milter is down (451 4.7.1 in its log)" \
  "grep -q ' 451 4.7.1 ' '$work/rx/maillog'"
check "the sender defers those mails" "grep -q 'status=deferred' '$work/tx/maillog'"
check "the stale socket file is still there" "[ -S '$work/milter.sock' ]"
if start_milter; then
  ok "mugai-milter restarts on the same socket (stale file in place)"
else
  bad "mugai-milter restarts on the same socket (stale file in place)"
  show milter.log 5
  rm -f "$work/milter.sock"
  if start_milter; then ok "mugai-milter restarts once the stale socket is removed"; else
    bad "mugai-milter restarts once the stale socket is removed"; show milter.log; exit 1
  fi
fi
wait "$spid"
check "the sender took all 30 of the stream" "[ \$(grep -c '^sent ' send2.out) -eq 30 ]"
sh "$lab" wait "$work/rx" $((base + 30)) 600 >wait2.out 2>&1 || show wait2.out
_i=0
while [ "$(sh "$lab" queue "$work/tx")" -gt 0 ] && [ $_i -lt 600 ]; do sleep 0.2; _i=$((_i + 1)); done
sleep 2
check "the sender's queue drains" "[ \"\$(sh '$lab' queue '$work/tx')\" -eq 0 ]"
check "at the kill the stream was still flowing ($at_kill of 30 delivered)" "[ $at_kill -lt 30 ]"
"$PY" tokens.py "$maildir" K 30 >check2.out 2>&1
pass check2.out

# --- 3. SIGHUP on an open session --------------------------------------------

"$PY" stream.py hup H 2
"$PY" - "$RX_PORT" "$mpid" "$work" >hup.out 2>&1 <<'PYEOF'
import os, signal, smtplib, sys, time
port, pid, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
log = os.path.join(work, 'milter.log')
def reloads():
    return open(log, errors='replace').read().count('reloaded ')
s = smtplib.SMTP('127.0.0.1', port, timeout=600)
def send(f):
    try:
        s.sendmail(os.environ['FROM'], [os.environ['RCPT']], open(f, 'rb').read())
        print('sent', f)
    except smtplib.SMTPException as e:
        print('refused', f, e)
send(os.path.join(work, 'hup', '00.eml'))
before = reloads()
with open(os.path.join(work, 'milter.ini')) as f:
    conf = f.read()
with open(os.path.join(work, 'milter.ini'), 'w') as f:
    f.write(conf.replace('output_charset = utf-8', 'output_charset = iso-2022-jp'))
os.kill(pid, signal.SIGHUP)
for _ in range(600):
    if reloads() > before:
        print('reloaded')
        break
    time.sleep(0.1)
send(os.path.join(work, 'hup', '01.eml'))
s.quit()
PYEOF
check "SIGHUP: \"reloaded\" logged" "grep -q '^reloaded' hup.out"
check "SIGHUP: both mails of the open session accepted" "[ \$(grep -c '^sent ' hup.out) -eq 2 ]"
sh "$lab" wait "$work/rx" $((base + 32)) 300 >/dev/null 2>&1
"$PY" - "$maildir" >hup-check.out 2>&1 <<'PYEOF'
import email, glob, os, sys
from email import policy
cs = {}
for p in glob.glob(os.path.join(sys.argv[1], 'new', '*')) + glob.glob(os.path.join(sys.argv[1], 'cur', '*')):
    m = email.message_from_binary_file(open(p, 'rb'), policy=policy.default)
    s = str(m.get('Subject', ''))
    for t in ('H-00', 'H-01'):
        if t in s:
            body = next(x for x in m.walk() if x.get_content_type() == 'text/plain')
            cs[t] = (body.get_content_charset(), '定期連絡の本文です。' in body.get_content())
print('PASS' if cs.get('H-00') == ('utf-8', True) else 'FAIL', 'SIGHUP: the mail before the reload is rebuilt in UTF-8: %s' % (cs.get('H-00'),))
print('PASS' if cs.get('H-01') == ('iso-2022-jp', True) else 'FAIL', 'SIGHUP: the mail after it in ISO-2022-JP, text intact: %s' % (cs.get('H-01'),))
PYEOF
pass hup-check.out

# --- 4. SIGTERM with a mail in flight -----------------------------------------

before=$(delivered)
"$PY" send.py "$RX_PORT" mails/office.eml >term-send.out 2>&1 &
spid=$!
# the mail is at the milter once the receiver's cleanup has logged it (the
# end of message, and the conversion, come after)
seen=$(grep -c 'message-id=<office@postfix-test' "$work/rx/maillog")
_i=0
while [ "$(grep -c 'message-id=<office@postfix-test' "$work/rx/maillog")" -le "$seen" ] && [ $_i -lt 300 ]; do
  sleep 0.1
  _i=$((_i + 1))
done
sleep 0.5
stop_milter TERM
wait "$spid"
check "SIGTERM: the milter exits 0 (got $mrc)" "[ $mrc -eq 0 ]"
check "SIGTERM: \"stopped\" logged" "tail -n 5 milter.log | grep -q 'mugai-milter.*: stopped'"
if grep -q '^sent ' term-send.out; then
  if awk '/stopping \(signal 15\)/ { s = 1 } s && /verdict=/ { f = 1 } END { exit !f }' milter.log; then
    ok "SIGTERM: the mail in flight was finished after the signal and accepted"
  else
    skip "SIGTERM: the mail in flight was finished after the signal" "it was done before the signal came"
  fi
else
  bad "SIGTERM: the mail in flight is accepted"; show term-send.out
fi
"$PY" send.py "$RX_PORT" hup/00.eml >down.out 2>&1
check "with the milter stopped the receiver answers 4xx" "grep -q '^refused .* 4[0-9][0-9] ' down.out"
sh "$lab" wait "$work/rx" $((before + 1)) 120 >/dev/null 2>&1
check "the mail in flight at SIGTERM is delivered" "[ \$(delivered) -eq \$((before + 1)) ]"

sleep 2
check "no process of the milter left (converters, workers)" \
  "! ps -eo args | grep -v grep | grep -q -F '$work/tmp'"

# --- The log --------------------------------------------------------------------

if grep -q -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' milter.log; then
  bad "no sanitizer report in the milter's log"
  grep -E -A12 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' milter.log | head -40 | sed 's/^/#   /'
else
  ok "no sanitizer report in the milter's log"
fi
"$PY" - "$maildir" milter.log >log-check.out 2>&1 <<'PYEOF'
import email, glob, os, re, sys
from email import policy
log = open(sys.argv[2], errors='replace').read()
bad = []
ids = []
for p in glob.glob(os.path.join(sys.argv[1], 'new', '*')) + glob.glob(os.path.join(sys.argv[1], 'cur', '*')):
    m = email.message_from_binary_file(open(p, 'rb'), policy=policy.default)
    i = str(m.get('X-Mugai-Id', ''))
    ids.append(i)
    if len(re.findall(r' id=%s .*verdict=' % re.escape(i), log)) != 1:
        bad.append(i)
print('PASS' if ids and not bad else 'FAIL', 'each of the %d delivered mails has exactly one log line %s' % (len(ids), bad[:3]))
PYEOF
pass log-check.out

echo "1..$n"
[ "$fails" -eq 0 ]
