#!/bin/sh
# watch.sh - mugai-watch, the drop-folder watcher, end to end against its
# spec: every daemon is started here with its own configuration, drop and
# out folders and quarantine (MUGAI_STATE_DIR), fed files with cp, mkdir,
# mkfifo, ... and stopped with SIGTERM (exit 0, "stopped") or SIGKILL.
# Sections (each check is one "ok N" / "not ok N" line):
#   1. config: --check of a good configuration (a missing out_dir is an
#      error: mugai-watch never makes it); a missing drop_dir, a
#      relative out_dir, an unknown key, a bad value, a missing file, no -c,
#      a bad option: exit 1 (2 for usage errors) with one "mugai-watch:" line.
#   2. bulk: two users (tanaka before the start, sato and a nested
#      案件/2026 folder after it), PDFs, a docx, PNG/JPEG, a ZIP, an ELF, an
#      exe disguised as .pdf, a .lnk, encrypted ZIPs (held), ISO-2022-JP /
#      CP932 / EUC-JP / UTF-8 mails, HTML, text, a file written slowly in
#      five pieces (longer than settle); hidden, ~$ and top-level files left
#      alone; a second daemon refused by the lock. Then: exactly one report
#      per input with a quarantine id `mugai show` accepts, one list entry
#      each (source watch, sender = user, the input's sha256), delivered
#      outputs checked (check-pdf.py, check-image.py, zipcheck.py, mails
#      decoded), no byte of a refused file in out, one log line per file,
#      nothing left in the drop folders, the work dir or the staging dir;
#      jobs defaults to four per core; out/sato gets drop/sato's owner.
#   3. isolation: the same names dropped by both users land in their own
#      out folders only (sets of names and contents compared).
#   4. collisions: x.pdf dropped again -> "x (2).pdf", "x (3).pdf"; an
#      existing y.txt makes y.pdf's outputs "y (2)..."; earlier outputs
#      unchanged; SIGHUP with a changed out_dir logs "restart needed";
#      SIGHUP applies [limits] to the next file; a broken configuration on
#      SIGHUP is logged and the one in force kept.
#  4b. moves: a file, a folder tree and a whole user folder moved in by
#      rename; watched folders renamed, deleted and made again (files
#      dropped there later land under the new names, within 60 s, not at
#      the 300 s rescan); an upper-case .EML sanitised as a mail. pairs: pK.pdf and
#      pK.txt dropped together (both write pK.txt): one gets " (2)"; q.docx
#      dropped again while the first is converted: "q (2).docx.pdf".
#  4c. odd names (quote, newline, tab, invalid UTF-8, 247 bytes, empty).
#   5. special files: a symlink to /etc/passwd, a symlink to a folder, a
#      FIFO, a socket, a char device: removed, never opened or followed, a
#      report each, no quarantine entry, the daemon does not hang. A file
#      the daemon cannot read (mode 000; as root the daemon runs as nobody
#      for this): a report saying why, the file kept in work_dir/failed.
#   6. restarts: files dropped while the daemon is down are taken at the
#      next start; --once takes everything (a file still being written too)
#      and exits 0, with nothing to do too; --once beside a running daemon
#      is refused by the lock (section 2).
#   7. restart safety: (a) MUGAI_WATCH_CRASH=claim|store|journal|rename|
#      logged (exit 137), then a normal start (after "logged" the file is
#      logged twice, the second time resumed=outputs-placed); (b) six random kill -9 of a daemon
#      working through 40 files, then a final run. Every input exactly one
#      report and one quarantine entry, never a partial file under a final
#      name, no temporary names, the work dir empty but its lock.
#   8. SIGTERM while a docx is being sanitised: exit 0, the docx done or
#      still waiting, done exactly once after a restart; kill -9 0.2 to
#      1.5 s after a pptx is claimed: no LibreOffice left running, every
#      file done once at the next start.
#   9. log: every run's log has one line per file with id= and verdict=,
#      "stopped" at exit, and no sanitizer report.
#  10. per_user = false: drop/... -> out/..., no sender; SIGINT stops it
#      like SIGTERM.
# Under AddressSanitizer everything is slow: timeouts are generous and no
# check is about time.
#
# Env: MUGAI (the mugai CLI), MUGAI_WATCH (mugai-watch), SRCDIR (the
# repository root); PYTHON (default /usr/bin/python3, with Pillow).
# Prints "ok N - what" / "not ok N - what"; exits 1 if any check failed.
set -u
: "${MUGAI:?}" "${MUGAI_WATCH:?}" "${SRCDIR:?}"
PY=${PYTHON:-/usr/bin/python3}
it="$SRCDIR/tests/integration"
fx="$SRCDIR/tests/fixtures"
work=$(mktemp -d)
wpid=""
writer=""
# strays: SIGKILL, by pid, the processes our daemons started that outlived
# them (their command lines name this test's directory)
strays() {
  for _p in $(ps -eo pid,args | W="$work/" awk 'index($0, ENVIRON["W"]) { print $1 }'); do
    kill -KILL "$_p" 2>/dev/null
  done
}
cleanup() {
  for _p in $wpid $writer; do kill -KILL "$_p" 2>/dev/null; done
  strays
  chmod -R u+rwX "$work" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
# Converters' private directories under the test's own TMPDIR.
export TMPDIR="$work/tmp"
mkdir "$TMPDIR"
export MUGAI SRCDIR
if [ -z "${MUGAI_WORKER:-}" ] && [ -x "$(dirname "$MUGAI")/mugai-worker" ]; then
  MUGAI_WORKER="$(dirname "$MUGAI")/mugai-worker"
  export MUGAI_WORKER
fi

. "$SRCDIR/tests/integration/lib.sh"

# ---------------------------------------------------------------------------
# wcheck.py: the checks that are easier in Python; prints "PASS what" /
# "FAIL what" lines that pass() turns into ok / not ok.
cat >wcheck.py <<'PYEOF'
"""wcheck.py - checks of a mugai-watch run.

  wcheck.py outcomes DIR INPUTS [--flat]
      DIR holds drop/ (work dir drop/.mugai-work) and out/; INPUTS has one
      line per input "REL<TAB>VERDICT<TAB>SHA256" (REL = user/sub/name, or
      sub/name with --flat; VERDICT delivered|held|rejected, or refused for
      entries that get a report but no quarantine entry; SHA256 or -).
  wcheck.py log LOG... -- INPUTS [--exact] [--flat] [--out OUT]
      one line per input (at least one over several logs unless --exact);
      with --out, each line's outputs="..." exist in OUT.
  wcheck.py complete OUT     every file under a final name in OUT is whole
  wcheck.py nobytes OUT FILE...   no 16-byte window of FILE in any file of OUT
  wcheck.py eml OUT.eml FIXTURE   Subject and body decode as expected.ini says
  wcheck.py gen DIR SPEC...   SPEC = user:kind:count, kinds txt png pdf zip eml
"""
import configparser
import email
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from email import policy

MUGAI = os.environ.get('MUGAI', 'mugai')
HERE = os.path.join(os.environ.get('SRCDIR', '.'), 'tests', 'integration')
PY = sys.executable
ULID = re.compile(r'(?<![0-9A-Z])[0-9A-HJKMNP-TV-Z]{26}(?![0-9A-Z])')
fails = 0


def say(ok, what):
    global fails
    print(('PASS ' if ok else 'FAIL ') + what)
    sys.stdout.flush()
    if not ok:
        fails += 1
    return ok


def read_inputs(path):
    out = []
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line:
            rel, verdict, sha = line.split('\t')
            out.append((rel, verdict, sha))
    return out


def listing():
    r = subprocess.run([MUGAI, 'list', '--json'], capture_output=True)
    if r.returncode != 0:
        say(False, 'mugai list --json works (exit %d: %s)' % (r.returncode, r.stderr.decode(errors='replace').strip()))
        return []
    return json.loads(r.stdout or b'[]')


def walk(top, skip_top=()):
    """(path relative to top, lstat) of everything under top but directories"""
    res = []
    for dirpath, dirs, files in os.walk(top):
        rel = os.path.relpath(dirpath, top)
        if rel == '.':
            dirs[:] = [d for d in dirs if d not in skip_top]
        for f in files + [d for d in dirs if os.path.islink(os.path.join(dirpath, d))]:
            p = os.path.normpath(os.path.join(rel, f))
            if rel == '.' and f in skip_top:
                continue
            res.append((p, os.lstat(os.path.join(dirpath, f))))
    return res


def outcomes(d, inputs, flat):
    drop, out = os.path.join(d, 'drop'), os.path.join(d, 'out')
    work = os.path.join(drop, '.mugai-work')
    entries = {e['id']: e for e in listing()}
    ids = {}
    for rel, verdict, sha in inputs:
        sub, base = os.path.split(rel)
        stem, ext = os.path.splitext(base)
        rep = os.path.join(out, rel + '.mugai.txt')
        odir = os.path.join(out, sub)
        dup = re.compile(re.escape(stem) + r' \(\d+\)' + re.escape(ext) + r'\.mugai\.txt$')
        dups = [f for f in (os.listdir(odir) if os.path.isdir(odir) else []) if dup.match(f)]
        if not say(os.path.isfile(rep) and not dups, '%s: exactly one report %s.mugai.txt%s'
                   % (rel, base, ' (also %s)' % dups if dups else '' if os.path.isfile(rep) else ' (none)')):
            continue
        try:
            text = open(rep, encoding='utf-8').read()
        except UnicodeDecodeError as e:
            say(False, '%s: the report is UTF-8 (%s)' % (rel, e))
            continue
        found = ULID.findall(text)
        user = None if flat else rel.split('/')[0]
        if verdict == 'refused':
            say(not (set(found) & set(entries)) and len(text.strip()) > 0,
                '%s: a report without a quarantine entry' % rel)
            continue
        qid = found[0] if found else ''
        ids[rel] = qid
        problems = []
        if '隔離ID' not in text:
            problems.append('no 隔離ID')
        if 'quarantine id' not in text.lower():
            problems.append('no "quarantine id"')
        if not qid or len(set(found)) != 1:
            problems.append('ULIDs %s' % sorted(set(found)))
        r = subprocess.run([MUGAI, 'show', qid or 'none'], capture_output=True)
        if r.returncode != 0:
            problems.append('mugai show %s: exit %d %s' % (qid, r.returncode, r.stderr.decode(errors='replace').strip()))
        e = entries.get(qid)
        if e is None:
            problems.append('not in mugai list')
        else:
            if e.get('source') != 'watch':
                problems.append('source %r' % e.get('source'))
            if flat and e.get('sender') not in (None, ''):
                problems.append('sender %r, want none' % e.get('sender'))
            if not flat and e.get('sender') != user:
                problems.append('sender %r, want %r' % (e.get('sender'), user))
            if e.get('name') != base:
                problems.append('name %r' % e.get('name'))
            if sha != '-' and e.get('sha256') != sha:
                problems.append('sha256 %s, want %s (the whole input)' % (e.get('sha256'), sha))
            if e.get('verdict') != verdict:
                problems.append('verdict %r, want %r' % (e.get('verdict'), verdict))
        say(not problems, '%s: report names quarantine id %s (隔離ID, quarantine id), mugai show accepts it, '
            'entry source watch, sender, name, sha256, verdict %s%s'
            % (rel, qid or '?', verdict, ': ' + '; '.join(problems) if problems else ''))
    q = [i for i in inputs if i[1] != 'refused']
    say(len(set(ids.values())) == len(ids), 'quarantine ids of the reports are distinct')
    say(len(entries) == len(q), 'mugai list: %d entries for %d quarantined inputs' % (len(entries), len(q)))
    extra = set(entries) - set(ids.values())
    say(not extra, 'every list entry is named by a report%s'
        % (' (not: %s)' % ', '.join('%s %s' % (i, entries[i].get('name')) for i in sorted(extra)) if extra else ''))
    shas = [e.get('sha256') for e in entries.values()]
    want = [i[2] for i in q if i[2] != '-']
    say(len(want) != len(set(want)) or len(shas) == len(set(shas)),
        'no input stored twice (distinct sha256 per entry)')
    # the reports in out are exactly the expected ones
    allfiles = walk(out, skip_top=('.mugai-staging',)) if os.path.isdir(out) else []
    reps = {p for p, _ in allfiles if p.endswith('.mugai.txt')}
    want_reps = {rel + '.mugai.txt' for rel, _, _ in inputs}
    say(reps <= want_reps, 'no other report in out%s' % (' (extra: %s)' % sorted(reps - want_reps) if reps - want_reps else ''))
    # nothing temporary or hidden under out, staging empty
    bad = [p for p, _ in allfiles if any(c.startswith('.') for c in p.split('/')) or p.endswith('.tmp')]
    staging = os.path.join(out, '.mugai-staging')
    left = [p for p, _ in walk(staging)] if os.path.isdir(staging) else []
    say(not bad and not left, 'no temporary or hidden name in out, .mugai-staging empty%s'
        % (' (%s)' % (bad + ['.mugai-staging/' + x for x in left]) if bad or left else ''))
    # nothing but directories, ignored names and top-level files left in drop
    left = []
    for p, st in walk(drop, skip_top=('.mugai-work',)):
        parts = p.split('/')
        if any(c.startswith('.') or c.startswith('~$') for c in parts):
            continue
        if not flat and len(parts) == 1:
            continue
        left.append(p)
    say(not left, 'no file left in the drop folders%s' % (' (%s)' % left if left else ''))
    left = [p for p, st in walk(work) if p != 'lock'] if os.path.isdir(work) else []
    say(not left, 'nothing left in the work dir but lock%s' % (' (%s)' % left if left else ''))


def logcheck(logs, inputs, exact, flat, out):
    lines = []
    for lg in logs:
        lines += open(lg, encoding='utf-8', errors='replace').read().splitlines()
    filelines = [l for l in lines if ' file="' in l]
    problems = []
    for rel, verdict, sha in inputs:
        parts = rel.split('/')
        user, sub = (None, rel) if flat else (parts[0], '/'.join(parts[1:]))
        mine = [l for l in filelines if ('file="%s"' % sub) in l and (flat or (' user=%s ' % user) in l
                                                                         or l.startswith('user=%s ' % user))]
        if not mine or (exact and len(mine) != 1):
            problems.append('%s: %d lines' % (rel, len(mine)))
            continue
        for l in mine:
            m = re.search(r'(?:^|\s)id=(\S+)', l)
            v = re.search(r'(?:^|\s)verdict=(\S+)', l)
            if not m or not v:
                problems.append('%s: no id= or verdict= in %r' % (rel, l))
            elif verdict == 'refused' and (m.group(1) != '-' or v.group(1) != 'rejected' or 'reason=' not in l):
                problems.append('%s: want id=- verdict=rejected reason=: %r' % (rel, l))
            elif verdict != 'refused' and (not ULID.fullmatch(m.group(1)) or v.group(1) != verdict):
                problems.append('%s: want id=ULID verdict=%s: %r' % (rel, verdict, l))
            o = re.search(r' outputs="([^"]*)"', l)
            if out and verdict != 'refused':
                odir = os.path.join(out, os.path.dirname(rel))
                names = o.group(1).split(',') if o else []
                missing = [x for x in names if not os.path.isfile(os.path.join(odir, x))]
                if not o or missing or not any(x.endswith('.mugai.txt') for x in names):
                    problems.append('%s: outputs="..." should list the files written (with the report): %r%s'
                                    % (rel, o.group(1) if o else None, ' missing %s' % missing if missing else ''))
    if exact:
        say(len(filelines) == len(inputs) and not problems,
            'log: exactly one line per file (%d lines for %d inputs) with id= and verdict=%s'
            % (len(filelines), len(inputs), ': ' + '; '.join(problems) if problems else ''))
    else:
        say(not problems, 'logs: every file logged with id= and verdict=%s'
            % (': ' + '; '.join(problems) if problems else ''))


def run_checker(args):
    r = subprocess.run([PY] + args, capture_output=True)
    return r.returncode == 0, (r.stdout + r.stderr).decode(errors='replace').strip()


def complete(out):
    problems = []
    if not os.path.isdir(out):
        say(True, 'no file under a final name in out yet')
        return
    for p, st in walk(out, skip_top=('.mugai-staging',)):
        f = os.path.join(out, p)
        base = os.path.basename(p)
        if base.startswith('.') or base.endswith('.tmp'):
            problems.append('%s: temporary name' % p)
        elif p.endswith('.mugai.txt'):
            try:
                t = open(f, encoding='utf-8').read()
                if '隔離ID' not in t or 'quarantine id' not in t.lower():
                    problems.append('%s: report without both blocks' % p)
            except UnicodeDecodeError:
                problems.append('%s: report not UTF-8' % p)
        elif p.endswith('.pdf'):
            ok, why = run_checker([os.path.join(HERE, 'check-pdf.py'), f])
            ok or problems.append(why)
        elif p.endswith(('.png', '.jpg')):
            ok, why = run_checker([os.path.join(HERE, 'check-image.py'), f])
            ok or problems.append(why)
        elif p.endswith('.zip'):
            ok, why = run_checker([os.path.join(HERE, 'zipcheck.py'), 'clean', f])
            ok or problems.append(why)
        elif p.endswith('.eml'):
            m = email.message_from_bytes(open(f, 'rb').read(), policy=policy.default)
            if not m.get('X-Mugai-Id') or not any(x.get_content_type() == 'text/plain' for x in m.walk()):
                problems.append('%s: not a whole sanitised mail' % p)
        elif p.endswith('.txt'):
            try:
                open(f, encoding='utf-8').read()
            except UnicodeDecodeError:
                problems.append('%s: not UTF-8' % p)
    say(not problems, 'every file under a final name in out is whole%s' % (': ' + '; '.join(problems) if problems else ''))


def nobytes(out, files):
    hits = []
    for fn in files:
        data = open(fn, 'rb').read()
        wins = []
        step = max(1, len(data) // 12)
        for off in range(0, max(1, len(data) - 16), step):
            w = data[off:off + 16]
            if len(w) == 16 and len(set(w)) >= 8:
                wins.append(w)
        if not wins:
            wins = [data]
        for p, st in walk(out):
            c = open(os.path.join(out, p), 'rb').read()
            if c == data or any(w in c for w in wins):
                hits.append('%s in %s' % (os.path.basename(fn), p))
    say(not hits, 'no byte of %s in out%s' % (', '.join(os.path.basename(f) for f in files),
                                               ' (%s)' % hits if hits else ''))


def eml(path, fixture):
    ex = configparser.RawConfigParser(interpolation=None)
    ex.read(os.path.join(os.environ['SRCDIR'], 'tests/fixtures/mail/expected.ini'), encoding='utf-8')
    sec = [s for s in ex.sections() if ex.get(s, 'file') == fixture][0]
    subject = ex.get(sec, 'subject')
    phrases = [p for p in ex.get(sec, 'contains', fallback='').split(';') if p][:3]
    try:
        m = email.message_from_bytes(open(path, 'rb').read(), policy=policy.default)
        body = ''.join(x.get_content() for x in m.walk() if x.get_content_type() == 'text/plain')
        got = str(m['Subject'])
    except Exception as e:  # noqa: BLE001 - any failure to read is the finding
        say(False, '%s: a mail that decodes (%s)' % (os.path.basename(path), e))
        return
    missing = [p for p in phrases if p not in body]
    say(got == subject and not missing and '\ufffd' not in body + got,
        '%s: Subject %s and body (%s) decode without mojibake%s'
        % (os.path.basename(path), subject, ', '.join(phrases),
           '' if got == subject else ' (Subject %r)' % got) + (' (missing %s)' % missing if missing else ''))


def gen(d, specs):
    from PIL import Image
    for spec in specs:
        user, kind, count = spec.split(':')
        os.makedirs(os.path.join(d, user), exist_ok=True)
        for k in range(int(count)):
            tag = '%s-%s-%d' % (user, kind, k)
            col = (sum(tag.encode()) & 0xff, (k * 37) & 0xff, (k * 91 + len(user) * 13) & 0xff)
            f = os.path.join(d, user, '%s-%02d.%s' % (kind, k, kind))
            if kind == 'txt':
                open(f, 'w', encoding='utf-8').write('市役所のメモ %s\n第%d号\n' % (tag, k) * 3)
            elif kind == 'png':
                Image.new('RGB', (40 + k, 30), col).save(f)
            elif kind == 'pdf':
                Image.new('RGB', (200, 280 + k), col).save(f, 'PDF', resolution=72)
            elif kind == 'zip':
                with zipfile.ZipFile(f, 'w') as z:
                    z.writestr('メモ.txt', ('書類 %s\n' % tag).encode())
                    b = io.BytesIO()
                    Image.new('RGB', (20, 20 + k), col).save(b, 'PNG')
                    z.writestr('図.png', b.getvalue())
            elif kind == 'eml':
                import base64
                subj = base64.b64encode(('会議資料 第%d回' % k).encode('iso-2022-jp')).decode()
                body = ('%s\r\n打合せの資料をお送りします。\r\n' % tag).encode('iso-2022-jp')
                open(f, 'wb').write(b'From: sender@example.co.jp\r\nTo: soumu@city.example.lg.jp\r\n'
                                    b'Subject: =?ISO-2022-JP?B?' + subj.encode() + b'?=\r\n'
                                    b'Message-ID: <' + tag.encode() + b'@example.co.jp>\r\n'
                                    b'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n'
                                    b'Content-Transfer-Encoding: 7bit\r\n\r\n' + body)


def main(a):
    if a[0] == 'outcomes':
        outcomes(a[1], read_inputs(a[2]), '--flat' in a)
    elif a[0] == 'log':
        i = a.index('--')
        out = a[a.index('--out') + 1] if '--out' in a else None
        logcheck(a[1:i], read_inputs(a[i + 1]), '--exact' in a, '--flat' in a, out)
    elif a[0] == 'complete':
        complete(a[1])
    elif a[0] == 'nobytes':
        nobytes(a[1], a[2:])
    elif a[0] == 'eml':
        eml(a[1], a[2])
    elif a[0] == 'gen':
        gen(a[1], a[2:])
    return 1 if fails else 0


sys.exit(main(sys.argv[1:]))
PYEOF

# ---------------------------------------------------------------------------
# Helpers. A section works in $S ($S/drop, $S/out, $S/state) with $conf;
# $sec prefixes its check names; $S/inputs lists what it dropped.

# pass CMD...: run wcheck.py, its PASS/FAIL lines as checks
pass() {
  "$PY" "$work/wcheck.py" "$@" >pass.out 2>&1
  _rc=$?
  while IFS= read -r _l; do
    case "$_l" in
    PASS\ *) ok "$sec: ${_l#PASS }" ;;
    FAIL\ *) bad "$sec: ${_l#FAIL }" ;;
    *) echo "# $_l" ;;
    esac
  done <pass.out
  [ $_rc -le 1 ] || bad "$sec: wcheck.py $1 ran (exit $_rc)"
}

# section NAME [INI LINES...]: a fresh directory, quarantine and configuration
section() {
  sec=$1
  shift
  S="$work/$sec"
  # (out_dir made here too: mugai-watch does not create it, see section 1)
  mkdir -p "$S/drop" "$S/src" "$S/out"
  : >"$S/inputs"
  MUGAI_STATE_DIR="$S/state"
  export MUGAI_STATE_DIR
  conf="$S/watch.ini"
  printf '%s\n' "[watch]" "drop_dir = $S/drop" "out_dir = $S/out" "settle = 300" "$@" >"$conf"
  runs=0
  echo "# --- $sec"
}

alive() { [ -d "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# launch [ENV=VALUE...]: start a daemon on $conf in the background; its log
# is $log (run-K.log, one per run)
launch() {
  runs=$((runs + 1))
  log="$S/run-$runs.log"
  env "$@" "$MUGAI_WATCH" -c "$conf" --log-stderr 2>"$log" &
  wpid=$!
}

# start [ENV=VALUE...]: launch and wait for "ready: watching"
start() {
  launch "$@"
  _i=0
  while ! grep -q 'ready: watching' "$log" 2>/dev/null; do
    if ! alive "$wpid" || [ $_i -ge 600 ]; then
      bad "$sec: mugai-watch starts and says \"ready: watching\" (run $runs)"
      show "$log"
      return 1
    fi
    sleep 0.2
    _i=$((_i + 1))
  done
  ok "$sec: mugai-watch starts and says \"ready: watching\" (run $runs)"
}

# sancheck LOG: no AddressSanitizer / UBSan report in LOG
sancheck() {
  if grep -q -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1"; then
    bad "$sec: no sanitizer report in $(basename "$1")"
    grep -E -A30 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1" | head -60 | sed 's/^/#   /'
  else
    ok "$sec: no sanitizer report in $(basename "$1")"
  fi
}

# stop [SIGNAL]: SIGTERM (or SIGNAL), exit 0, "stopped" in the log, no
# sanitizer report
stop() {
  _sig=${1:-TERM}
  kill -"$_sig" "$wpid" 2>/dev/null
  reap "$wpid" 600
  _rc=$rc
  wpid=""
  check "$sec: SIG$_sig: exit status 0 (got $_rc, run $runs)" "[ $_rc -eq 0 ]"
  check "$sec: the log says \"stopping\" then \"stopped\" (run $runs)" \
    "grep -q -E '(^|: )stopping' '$log' && grep -q -E '(^|: )stopped\$' '$log'"
  sancheck "$log"
}

# put SRC REL VERDICT: copy SRC to drop/REL, recorded in inputs
put() {
  mkdir -p "$(dirname "$S/drop/$2")"
  cp "$1" "$S/drop/$2"
  record "$1" "$2" "$3"
}
# record SRC REL VERDICT: an input and the sha256 its entry must have
record() {
  printf '%s\t%s\t%s\n' "$2" "$3" "$(sha256sum <"$1" | cut -c1-64)" >>"$S/inputs"
}

# waitout SECONDS: wait until every input in $S/inputs has its report
# (stops early when the daemon died); one check
waitout() {
  _j=0
  while :; do
    _miss=""
    _k=0
    while IFS="$(printf '\t')" read -r _rel _v _h; do
      [ -f "$S/out/$_rel.mugai.txt" ] || { _miss="$_miss $_rel"; _k=$((_k + 1)); }
    done <"$S/inputs"
    [ -z "$_miss" ] && break
    if [ $_j -ge $(($1 * 5)) ] || { [ -n "$wpid" ] && ! alive "$wpid"; }; then
      break
    fi
    sleep 0.2
    _j=$((_j + 1))
  done
  _total=$(wc -l <"$S/inputs")
  if [ -z "$_miss" ]; then
    ok "$sec: a report for each of the $_total inputs"
  else
    bad "$sec: a report for each of the $_total inputs ($_k missing after $((_j / 5)) s:$_miss)"
    [ -n "$log" ] && show "$log"
  fi
}

# waitreports N - until N reports are in out (at most 300 s, or until the
# daemon is gone)
waitreports() {
  _i=0
  while [ "$(find "$S/out" -name '*.mugai.txt' | wc -l)" -lt "$1" ] && [ $_i -lt 1500 ] && alive "$wpid"; do
    sleep 0.2
    _i=$((_i + 1))
  done
}

# slowwrite SRC DST PIECES GAP: write SRC to DST in PIECES pieces, GAP
# seconds apart, keeping DST open all along
slowwrite() {
  "$PY" - "$@" <<'PYEOF'
import sys, time
src, dst, n, gap = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
data = open(src, 'rb').read()
with open(dst, 'wb') as f:
    for k in range(n):
        f.write(data[k * len(data) // n:(k + 1) * len(data) // n])
        f.flush()
        if k < n - 1:
            time.sleep(gap)
PYEOF
}
# slowsrc FILE: the content slowwrite writes, one marker per piece
slowsrc() {
  : >"$1"
  for _p in 1 2 3 4 5; do
    printf '第%s部 SLOW-PIECE-%s ゆっくり書かれるファイルです。\n' "$_p" "$_p" >>"$1"
  done
}

# errline WHAT WANT CMD...: CMD exits WANT with exactly one "mugai-watch:"
# line on stderr; for usage errors (WANT 2) the usage text may follow it
errline() {
  _what=$1 _want=$2
  shift 2
  "$@" >err.out 2>err.err
  _rc=$?
  _lines=$(wc -l <err.err)
  _first=$(head -n 1 err.err)
  case "$_first" in mugai-watch:\ *) _pfx=1 ;; *) _pfx=0 ;; esac
  if [ $_rc -eq "$_want" ] && [ $_pfx -eq 1 ] && { [ "$_lines" -eq 1 ] || [ "$_want" -eq 2 ]; }; then
    ok "$sec: $_what: exit $_want, \"$_first\""
  else
    bad "$sec: $_what: exit $_want with $([ "$_want" -eq 2 ] && echo 'a first' || echo 'one') \"mugai-watch: ...\" line (got exit $_rc, $_lines lines, first: $_first)"
    show err.err 3
  fi
}

uid=$(id -u)
log=""

# waitfile SECONDS FILE...: wait until every FILE exists (early end when the
# daemon died); 0 when they all do
waitfile() {
  _s=$1
  shift
  _j=0
  while :; do
    _all=1
    for _f in "$@"; do [ -e "$_f" ] || _all=0; done
    [ $_all -eq 1 ] && return 0
    if [ $_j -ge $((_s * 5)) ] || { [ -n "$wpid" ] && ! alive "$wpid"; }; then
      return 1
    fi
    sleep 0.2
    _j=$((_j + 1))
  done
}
# waitdie PID SECONDS: wait for PID to exit by itself; $rc its status,
# $killed 1 when it had to be killed after SECONDS
waitdie() {
  _j=0
  while alive "$1" && [ $_j -lt $(($2 * 5)) ]; do
    sleep 0.2
    _j=$((_j + 1))
  done
  killed=0
  if alive "$1"; then
    killed=1
    kill -KILL "$1" 2>/dev/null
  fi
  wait "$1"
  rc=$?
}
# tool WHAT CMD...: CMD succeeds; its output shown when it does not
tool() {
  _what=$1
  shift
  if "$@" >tool.out 2>&1; then
    ok "$sec: $_what"
  else
    bad "$sec: $_what"
    sed 's/^/#   /' tool.out | head -8
  fi
}
pdfok() { "$PY" "$it/check-pdf.py" "$@"; }
imgok() { "$PY" "$it/check-image.py" "$@"; }
zipok() { "$PY" "$it/zipcheck.py" clean "$@"; }
# only NAME DIR: of NAME's names, DIR holds only NAME.mugai.txt
only() {
  _stem=${1%.*}
  _others=$(ls -A "$2" | grep -F -e "$_stem" | grep -v -x -F "$1.mugai.txt")
  check "$sec: $(basename "$2")/$1: only $1.mugai.txt in out${_others:+ (also: $_others)}" "[ -z \"\$_others\" ]"
}
# tree DIR: the files under DIR, relative, sorted, one a line
tree() { (cd "$1" 2>/dev/null && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort); }
# gone PATH: nothing, not even a dangling symlink, at PATH
gone() { [ ! -e "$1" ] && [ ! -L "$1" ]; }
entries() { "$MUGAI" list --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' \n'; }

# ===========================================================================
# 1. --check and configuration errors
section config
# The output folder is not made by mugai-watch (an unmounted share must not
# be filled on the root file system): missing, it is an error naming it.
rmdir "$S/out"
"$MUGAI_WATCH" -c "$conf" --check >check.out 2>&1
_rc=$?
check "$sec: --check with out_dir missing: exit 1 naming it (got $_rc)" \
  "[ $_rc -eq 1 ] && [ \$(wc -l <check.out) -eq 1 ] && grep -q 'out_dir $S/out: No such file' check.out"
mkdir "$S/out"
"$MUGAI_WATCH" -c "$conf" --check >check.out 2>&1
_rc=$?
check "$sec: --check of a good configuration: exit 0 (got $_rc)" "[ $_rc -eq 0 ]"
[ $_rc -eq 0 ] || show check.out 5
bad_ini="$S/bad.ini"
cfg() { printf '%s\n' "$@" >"$bad_ini"; }
to() { timeout -s KILL 300 "$@"; }
cfg "[watch]" "out_dir = $S/out" "settle = 300"
errline "--check without drop_dir" 1 to "$MUGAI_WATCH" -c "$bad_ini" --check
errline "start without drop_dir" 1 to "$MUGAI_WATCH" -c "$bad_ini" --log-stderr
cfg "[watch]" "drop_dir = $S/drop"
errline "--check without out_dir" 1 to "$MUGAI_WATCH" -c "$bad_ini" --check
cfg "[watch]" "drop_dir = $S/drop" "out_dir = out"
errline "--check with a relative out_dir" 1 to "$MUGAI_WATCH" -c "$bad_ini" --check
cfg "[watch]" "drop_dir = drop" "out_dir = $S/out"
errline "--check with a relative drop_dir" 1 to "$MUGAI_WATCH" -c "$bad_ini" --check
cfg "[watch]" "drop_dir = $S/drop" "out_dir = $S/out" "colour = blue"
errline "--check with an unknown key" 1 to "$MUGAI_WATCH" -c "$bad_ini" --check
errline "start with an unknown key" 1 to "$MUGAI_WATCH" -c "$bad_ini" --log-stderr
cfg "[watch]" "drop_dir = $S/drop" "out_dir = $S/out" "settle = soon"
errline "--check with settle = soon" 1 to "$MUGAI_WATCH" -c "$bad_ini" --check
cfg "[watch]" "drop_dir = $S/drop" "out_dir = $S/out" "per_user = maybe"
errline "--check with per_user = maybe" 1 to "$MUGAI_WATCH" -c "$bad_ini" --check
cfg "[watch]" "drop_dir = $S/drop" "out_dir = $S/out" "jobs = -1"
errline "--check with jobs = -1" 1 to "$MUGAI_WATCH" -c "$bad_ini" --check
# work_dir on another file system than drop_dir (when /dev/shm is one)
mkdir -p "$S/out"
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$S/drop")" ]; then
  shm=$(mktemp -d /dev/shm/mugai-watch-test.XXXXXX)
  cfg "[watch]" "drop_dir = $S/drop" "out_dir = $S/out" "work_dir = $shm/work"
  errline "--check with work_dir on another file system" 1 to "$MUGAI_WATCH" -c "$bad_ini" --check
  rm -rf "$shm"
else
  skip "$sec: --check with work_dir on another file system" "no second file system at /dev/shm"
fi
cfg "[watch]" "drop_dir = /dev/null/drop" "out_dir = $S/out"
errline "--check with a drop_dir that cannot be created" 1 to "$MUGAI_WATCH" -c "$bad_ini" --check
errline "a missing configuration file" 1 to "$MUGAI_WATCH" -c "$S/none.ini" --check
errline "no -c" 2 to "$MUGAI_WATCH" --check
errline "an unknown option" 2 to "$MUGAI_WATCH" -c "$conf" --frobnicate

# ===========================================================================
# 2. bulk: two users, every kind of input, some dropped before the start,
#    some (a new user folder, a new nested folder, a slow writer) after it
section bulk
mkdir -p "$S/drop/tanaka"
put "$fx/docs/ja-3pages.pdf" tanaka/資料.pdf delivered
put "$fx/office/ja-report.docx" tanaka/report.docx delivered
put "$fx/docs/flat.png" tanaka/flat.png delivered
put "$fx/docs/photo-exif.jpg" tanaka/photo.jpg delivered
put "$fx/archives/ja-docs.zip" tanaka/ja-docs.zip delivered
put "$fx/docs/tool.elf" tanaka/tool.elf rejected
put "$fx/docs/invoice.pdf" tanaka/invoice.pdf rejected
put "$fx/docs/setup.lnk" tanaka/setup.lnk rejected
put "$fx/archives/aes.zip" tanaka/aes.zip held
put "$fx/mail/sjis-cp932.eml" tanaka/sjis-cp932.eml delivered
put "$fx/mail/eucjp.eml" tanaka/eucjp.eml delivered
printf '<html><head><script>alert("SCRIPT-TEXT-9e1f")</script></head><body><p>本日の議事録 HTML本文</p></body></html>\n' >"$S/src/page.html"
put "$S/src/page.html" tanaka/page.html delivered
printf 'TANAKA-MEMO-4c1a 田中のメモです。\n' >"$S/src/memo-t.txt"
put "$S/src/memo-t.txt" tanaka/memo.txt delivered
# left alone: hidden, Office lock file, a file directly in drop_dir
printf 'hidden\n' >"$S/drop/tanaka/.hidden.txt"
printf 'lock\n' >"$S/drop/tanaka/~\$report.docx"
printf 'stray\n' >"$S/drop/stray.txt"
start
first=$wpid
_jobs=$(sed -n 's/.*ready: watching .*, \([0-9][0-9]*\) jobs.*/\1/p' "$log")
if [ -n "$_jobs" ]; then
  check "$sec: jobs unset: four per core ($(nproc) cores) (ready line: $_jobs jobs)" "[ '$_jobs' = $(($(nproc) * 4)) ]"
else
  skip "$sec: jobs unset: four per core" "the ready line does not say"
fi
# a second daemon on the same work dir is refused by the lock
to "$MUGAI_WATCH" -c "$conf" --log-stderr >second.out 2>second.err
_rc=$?
check "$sec: a second mugai-watch on the same work dir exits 1 (got $_rc)" "[ $_rc -eq 1 ]"
check "$sec: ... naming the running one (pid $first): $(head -c 200 second.err | tr '\n' ' ')" \
  "grep -q -w '$first' second.err"
to "$MUGAI_WATCH" -c "$conf" --once --log-stderr >second.out 2>second.err
_rc=$?
check "$sec: --once while a daemon runs on the same work dir exits 1 (got $_rc)" "[ $_rc -eq 1 ]"
# after the start: a new user folder (owned by nobody when root), a nested folder, a slow writer
mkdir "$S/drop/sato"
[ "$uid" -eq 0 ] && chown 65534:65534 "$S/drop/sato"
put "$fx/docs/active-content.pdf" sato/資料.pdf delivered
printf 'SATO-MEMO-77b2 佐藤のメモです。\n' >"$S/src/memo-s.txt"
put "$S/src/memo-s.txt" sato/memo.txt delivered
put "$fx/docs/flat.png" sato/flat.png delivered
put "$fx/mail/iso2022jp-nec.eml" sato/iso2022jp-nec.eml delivered
put "$fx/mail/utf8-base64.eml" sato/utf8-base64.eml delivered
put "$fx/archives/zipcrypto.zip" sato/zipcrypto.zip held
printf '届出の本文です。\n' >"$S/src/todoke.txt"
put "$S/src/todoke.txt" sato/2026/届出.txt delivered
put "$fx/docs/ja-3pages.pdf" "tanaka/案件/2026/見積.pdf" delivered
slowsrc "$S/src/slow.txt"
record "$S/src/slow.txt" tanaka/slow.txt delivered
slowwrite "$S/src/slow.txt" "$S/drop/tanaka/slow.txt" 5 0.8 &
writer=$!
waitout 900
wait "$writer"
writer=""
stop
pass outcomes "$S" "$S/inputs"
pass log "$log" -- "$S/inputs" --exact --out "$S/out"
o="$S/out"
tool "資料.pdf (ja-3pages.pdf) delivered as an image-only PDF (check-pdf.py)" pdfok "$o/tanaka/資料.pdf" --like "$fx/docs/ja-3pages.pdf"
check "$sec: 資料.pdf: its text layer 資料.txt holds 見積書 and 髙橋" "grep -q 見積書 '$o/tanaka/資料.txt' && grep -q 髙橋 '$o/tanaka/資料.txt'"
tool "案件/2026/見積.pdf delivered into out/tanaka/案件/2026 (check-pdf.py)" pdfok "$o/tanaka/案件/2026/見積.pdf"
tool "sato/資料.pdf (active-content.pdf) delivered image-only (check-pdf.py)" pdfok "$o/sato/資料.pdf"
tool "report.docx converted to report.docx.pdf (check-pdf.py)" pdfok "$o/tanaka/report.docx.pdf"
check "$sec: report.docx: its text report.docx.txt holds 見積書" "grep -q 見積書 '$o/tanaka/report.docx.txt'"
tool "flat.png re-encoded (check-image.py --like)" imgok "$o/tanaka/flat.png" --like "$fx/docs/flat.png"
tool "photo.jpg re-encoded without EXIF (check-image.py --like)" imgok "$o/tanaka/photo.jpg" --like "$fx/docs/photo-exif.jpg"
tool "sato/flat.png re-encoded (check-image.py --like)" imgok "$o/sato/flat.png" --like "$fx/docs/flat.png"
tool "ja-docs.zip rebuilt (zipcheck.py clean)" zipok "$o/tanaka/ja-docs.zip"
check "$sec: ja-docs.zip: the rebuilt ZIP has members" "[ \"\$(\"$PY\" '$it/zipcheck.py' list '$o/tanaka/ja-docs.zip' | wc -l)\" -gt 0 ]"
pass eml "$o/tanaka/sjis-cp932.eml" sjis-cp932.eml
pass eml "$o/tanaka/eucjp.eml" eucjp.eml
pass eml "$o/sato/iso2022jp-nec.eml" iso2022jp-nec.eml
pass eml "$o/sato/utf8-base64.eml" utf8-base64.eml
check "$sec: page.html: page.html.txt holds 本日の議事録, no tag, no script" \
  "grep -q 本日の議事録 '$o/tanaka/page.html.txt' && ! grep -q -e '<' -e SCRIPT-TEXT '$o/tanaka/page.html.txt'"
check "$sec: slow.txt (five pieces 0.8 s apart): the output is the whole file" \
  "[ \"\$(grep -c SLOW-PIECE- '$o/tanaka/slow.txt')\" -eq 5 ] && grep -q SLOW-PIECE-5 '$o/tanaka/slow.txt'"
for f in tool.elf invoice.pdf setup.lnk aes.zip; do only "$f" "$o/tanaka"; done
only zipcrypto.zip "$o/sato"
pass nobytes "$o" "$fx/docs/tool.elf" "$fx/docs/invoice.pdf" "$fx/docs/setup.lnk" "$fx/archives/aes.zip" "$fx/archives/zipcrypto.zip"
check "$sec: aes.zip.mugai.txt says held (保留 / held)" "grep -q 保留 '$o/tanaka/aes.zip.mugai.txt' && grep -q -i held '$o/tanaka/aes.zip.mugai.txt'"
check "$sec: zipcrypto.zip.mugai.txt says held (保留 / held)" "grep -q 保留 '$o/sato/zipcrypto.zip.mugai.txt' && grep -q -i held '$o/sato/zipcrypto.zip.mugai.txt'"
check "$sec: tool.elf.mugai.txt states the verdict (rejected)" "grep -q -i reject '$o/tanaka/tool.elf.mugai.txt'"
check "$sec: no fixture marker (MARKER-, 198.51.100.7) anywhere in out" "! grep -r -a -q -e MARKER- -e 198.51.100.7 '$o'"
check "$sec: reports give the original name: 見積.pdf.mugai.txt names 見積.pdf and 案件/2026" \
  "grep -q 見積.pdf '$o/tanaka/案件/2026/見積.pdf.mugai.txt' && grep -q '案件/2026' '$o/tanaka/案件/2026/見積.pdf.mugai.txt'"
check "$sec: .hidden.txt and ~\$report.docx left alone in drop/tanaka, no report" \
  "[ -f '$S/drop/tanaka/.hidden.txt' ] && [ -f '$S/drop/tanaka/~\$report.docx' ] && ! ls -A '$o/tanaka' | grep -q -e hidden -e '~'"
check "$sec: stray.txt directly in drop_dir left alone, no report" "[ -f '$S/drop/stray.txt' ] && [ ! -e '$o/stray.txt.mugai.txt' ]"
check "$sec: stray.txt logged once (got $(grep -c 'stray.txt' "$log"))" "[ \"\$(grep -c 'stray.txt' '$log')\" -eq 1 ]"
check "$sec: empty subfolders left in place (drop/tanaka/案件/2026, drop/sato/2026)" \
  "[ -d '$S/drop/tanaka/案件/2026' ] && [ -d '$S/drop/sato/2026' ]"
if [ "$uid" -eq 0 ]; then
  check "$sec: out/sato and out/sato/2026 owned by drop/sato's owner 65534 (got $(stat -c %u "$o/sato" "$o/sato/2026" 2>/dev/null | tr '\n' ' '))" \
    "[ \"\$(stat -c %u '$o/sato')\" = 65534 ] && [ \"\$(stat -c %u '$o/sato/2026')\" = 65534 ]"
else
  skip "$sec: out/sato owned by drop/sato's owner" "not root"
fi

# ===========================================================================
# 3. per-user isolation (on section 2's results): the same names from both
#    users, each in its own out folder with its own content
names=$(ls -A "$o" | LC_ALL=C sort | tr '\n' ' ')
check "$sec: out holds only the users' folders (got: $names)" \
  "[ \"\$(ls -A '$o' | grep -v -x -F .mugai-staging | LC_ALL=C sort | tr '\n' ' ')\" = 'sato tanaka ' ]"
printf '%s\n' 2026/届出.txt 2026/届出.txt.mugai.txt flat.png flat.png.mugai.txt \
  iso2022jp-nec.eml iso2022jp-nec.eml.mugai.txt memo.txt memo.txt.mugai.txt \
  utf8-base64.eml utf8-base64.eml.mugai.txt zipcrypto.zip.mugai.txt 資料.pdf \
  資料.pdf.mugai.txt 資料.txt | LC_ALL=C sort >want-sato
printf '%s\n' aes.zip.mugai.txt eucjp.eml eucjp.eml.mugai.txt flat.png flat.png.mugai.txt \
  invoice.pdf.mugai.txt ja-docs.zip ja-docs.zip.mugai.txt memo.txt memo.txt.mugai.txt \
  page.html.mugai.txt page.html.txt photo.jpg photo.jpg.mugai.txt report.docx.mugai.txt \
  report.docx.pdf report.docx.txt setup.lnk.mugai.txt sjis-cp932.eml sjis-cp932.eml.mugai.txt \
  slow.txt slow.txt.mugai.txt tool.elf.mugai.txt 案件/2026/見積.pdf 案件/2026/見積.pdf.mugai.txt \
  案件/2026/見積.txt 資料.pdf 資料.pdf.mugai.txt 資料.txt | LC_ALL=C sort >want-tanaka
for u in sato tanaka; do
  tree "$o/$u" >got-$u
  _diff=$(diff want-$u got-$u | grep '^[<>]' | tr '\n' ' ')
  check "$sec: out/$u holds exactly $u's outputs${_diff:+ (diff: $_diff)}" "[ -z \"\$_diff\" ]"
done
check "$sec: out/tanaka/memo.txt is tanaka's (TANAKA-MEMO, no SATO-MEMO)" \
  "grep -q TANAKA-MEMO '$o/tanaka/memo.txt' && ! grep -q SATO-MEMO '$o/tanaka/memo.txt'"
check "$sec: out/sato/memo.txt is sato's (SATO-MEMO, no TANAKA-MEMO)" \
  "grep -q SATO-MEMO '$o/sato/memo.txt' && ! grep -q TANAKA-MEMO '$o/sato/memo.txt'"
check "$sec: no TANAKA-MEMO under out/sato, no SATO-MEMO under out/tanaka" \
  "! grep -r -q TANAKA-MEMO '$o/sato' && ! grep -r -q SATO-MEMO '$o/tanaka'"
check "$sec: the two 資料.pdf differ (each from its own input)" "! cmp -s '$o/tanaka/資料.pdf' '$o/sato/資料.pdf'"
check "$sec: the two 資料.txt differ (見積書 in tanaka's only)" \
  "grep -q 見積書 '$o/tanaka/資料.txt' && ! grep -q 見積書 '$o/sato/資料.txt'"
check "$sec: no report under out/sato mentions tanaka, none under out/tanaka mentions sato" \
  "! grep -r -q -w tanaka '$o/sato' && ! grep -r -q -w sato '$o/tanaka'"

# ===========================================================================
# 4. collisions: nothing is ever overwritten; SIGHUP with a changed out_dir
section collide
mkdir -p "$S/drop/tanaka" "$S/out/tanaka"
o="$S/out/tanaka"
start
cp "$fx/docs/ja-3pages.pdf" "$S/drop/tanaka/x.pdf"
waitfile 300 "$o/x.pdf.mugai.txt"
check "$sec: x.pdf: x.pdf, x.txt, x.pdf.mugai.txt" "[ -f '$o/x.pdf' ] && [ -f '$o/x.txt' ] && [ -f '$o/x.pdf.mugai.txt' ]"
(cd "$o" && sha256sum x.pdf x.txt x.pdf.mugai.txt) >before.sum 2>&1
cp "$fx/docs/active-content.pdf" "$S/drop/tanaka/x.pdf"
waitfile 300 "$o/x (2).pdf.mugai.txt"
check "$sec: x.pdf again: x (2).pdf, x (2).txt, x (2).pdf.mugai.txt" \
  "[ -f '$o/x (2).pdf' ] && [ -f '$o/x (2).txt' ] && [ -f '$o/x (2).pdf.mugai.txt' ]"
tool "x (2).pdf is image-only (check-pdf.py)" pdfok "$o/x (2).pdf"
printf 'third x %s\n' "$(date)" >"$S/src/x3.txt"
cp "$fx/docs/flat.png" "$S/drop/tanaka/x.pdf"
waitfile 300 "$o/x (3).pdf.mugai.txt"
check "$sec: x.pdf a third time (a PNG named .pdf): x (3).pdf.mugai.txt" "[ -f '$o/x (3).pdf.mugai.txt' ]"
check "$sec: the first x outputs unchanged" "(cd '$o' && sha256sum -c --quiet) <before.sum"
check "$sec: x (2).pdf differs from x.pdf" "! cmp -s '$o/x.pdf' '$o/x (2).pdf'"
printf 'EXISTING-Y someone else put this here\n' >"$o/y.txt"
cp "$fx/docs/ja-3pages.pdf" "$S/drop/tanaka/y.pdf"
waitfile 300 "$o/y (2).pdf.mugai.txt"
check "$sec: y.pdf when y.txt exists: all names get (2): y (2).pdf, y (2).txt, y (2).pdf.mugai.txt" \
  "[ -f '$o/y (2).pdf' ] && [ -f '$o/y (2).txt' ] && [ -f '$o/y (2).pdf.mugai.txt' ]"
check "$sec: ... and no y.pdf or y.pdf.mugai.txt, y.txt untouched" \
  "[ ! -e '$o/y.pdf' ] && [ ! -e '$o/y.pdf.mugai.txt' ] && [ \"\$(cat '$o/y.txt')\" = 'EXISTING-Y someone else put this here' ]"
# SIGHUP: a changed out_dir is not applied, only logged
sed "s|^out_dir = .*|out_dir = $S/out2|" "$conf" >"$conf.new" && mv "$conf.new" "$conf"
kill -HUP "$wpid"
_i=0
while ! grep -q 'restart needed' "$log" && [ $_i -lt 300 ] && alive "$wpid"; do
  sleep 0.2
  _i=$((_i + 1))
done
check "$sec: SIGHUP with a new out_dir logs \"restart needed\"" "grep -q 'restart needed' '$log'"
printf 'after HUP\n' >"$S/drop/tanaka/z.txt"
waitfile 300 "$o/z.txt.mugai.txt"
check "$sec: after SIGHUP files still go to the old out_dir" "[ -f '$o/z.txt.mugai.txt' ] && [ ! -e '$S/out2/tanaka/z.txt.mugai.txt' ]"
# SIGHUP applies the shared limits to the next files
hups() { grep -c -E 'reload' "$log"; }
# hup: SIGHUP, and wait until the log has one more reload line
hup() {
  _before=$(hups)
  kill -HUP "$wpid"
  _i=0
  while [ "$(hups)" -le "$_before" ] && [ $_i -lt 300 ] && alive "$wpid"; do
    sleep 0.2
    _i=$((_i + 1))
  done
}
printf '%s\n' "[watch]" "drop_dir = $S/drop" "out_dir = $S/out" "settle = 300" \
  "[limits]" "max_message_size = 1K" >"$conf"
hup
check "$sec: SIGHUP with [limits] max_message_size = 1K: logged" "[ \"\$(hups)\" -gt $_before ]"
"$PY" -c 'print("大きなファイル BIG-TEXT " * 400)' >"$S/drop/tanaka/big.txt"
waitfile 300 "$o/big.txt.mugai.txt"
check "$sec: ... then a 10 KB file is rejected (size-limit), only big.txt.mugai.txt" \
  "grep 'file=\"big.txt\"' '$log' | grep -q 'verdict=rejected' && [ ! -e '$o/big.txt' ]"
# SIGHUP with a broken configuration: logged, the one in force kept
printf '%s\n' "[watch]" "drop_dir = $S/drop" "out_dir = $S/out" "settle = 300" "colour = blue" >"$conf"
hup
check "$sec: SIGHUP with an unknown key: logged, the daemon keeps running" "[ \"\$(hups)\" -gt $_before ] && alive $wpid"
"$PY" -c 'print("まだ大きい BIG-TEXT-2 " * 400)' >"$S/drop/tanaka/big2.txt"
waitfile 300 "$o/big2.txt.mugai.txt"
check "$sec: ... and keeps the limits in force (big2.txt rejected too)" \
  "grep 'file=\"big2.txt\"' '$log' | grep -q 'verdict=rejected' && [ ! -e '$o/big2.txt' ]"
stop
check "$sec: 7 quarantine entries for 7 drops (got $(entries))" "[ \"\$(entries)\" -eq 7 ]"
check "$sec: reports: x, x (2), x (3), y (2), z, big, big2 and no other" \
  "[ \"\$(find '$o' -name '*.mugai.txt' | wc -l)\" -eq 7 ]"
check "$sec: drop/tanaka is empty" "[ -z \"\$(ls -A '$S/drop/tanaka')\" ]"

# ===========================================================================
# 4b. files and folders moved in (rename, no write), a user folder moved in,
#     an upper-case .EML (a mail); then (section pairs) files dropped
#     together whose outputs share a name (pK.pdf writes pK.txt, and so does
#     pK.txt): one of each pair gets " (2)", nothing is overwritten
section moves
mkdir -p "$S/drop/tanaka/old" "$S/drop/tanaka/gone" "$S/drop/kato" "$S/src/batch/sub" "$S/src/suzuki/資料"
start
# watched folders renamed or deleted and made again: files dropped into
# them afterwards land under the new names (no stale watch paths)
mv "$S/drop/tanaka/old" "$S/drop/tanaka/renamed"
mv "$S/drop/kato" "$S/drop/kato2"
rmdir "$S/drop/tanaka/gone"
sleep 0.5
mkdir "$S/drop/tanaka/gone"
sleep 0.5
printf 'RENAMED-SUB\n' >"$S/src/r.txt"
put "$S/src/r.txt" tanaka/renamed/r.txt delivered
printf 'RENAMED-USER\n' >"$S/src/k.txt"
put "$S/src/k.txt" kato2/k.txt delivered
printf 'RECREATED\n' >"$S/src/g.txt"
put "$S/src/g.txt" tanaka/gone/g.txt delivered
printf '移動したファイル MOVED-FILE\n' >"$S/src/moved.txt"
record "$S/src/moved.txt" tanaka/moved.txt delivered
mv "$S/src/moved.txt" "$S/drop/tanaka/moved.txt"
printf 'フォルダごと MOVED-DIR-A\n' >"$S/src/batch/a.txt"
cp "$fx/docs/flat.png" "$S/src/batch/sub/b.png"
record "$S/src/batch/a.txt" tanaka/batch/a.txt delivered
record "$S/src/batch/sub/b.png" tanaka/batch/sub/b.png delivered
mv "$S/src/batch" "$S/drop/tanaka/batch"
printf '鈴木のメモ SUZUKI-MEMO\n' >"$S/src/suzuki/memo.txt"
cp "$fx/docs/ja-3pages.pdf" "$S/src/suzuki/資料/見積.pdf"
record "$S/src/suzuki/memo.txt" suzuki/memo.txt delivered
record "$S/src/suzuki/資料/見積.pdf" suzuki/資料/見積.pdf delivered
mv "$S/src/suzuki" "$S/drop/suzuki"
put "$fx/mail/eucjp.eml" tanaka/UPPER.EML delivered
# (60 s: well before the 300 s rescan that would hide a stale watch)
waitout 60
stop
pass outcomes "$S" "$S/inputs"
o="$S/out/tanaka"
check "$sec: a file moved in (rename) is taken" "grep -q MOVED-FILE '$o/moved.txt'"
check "$sec: a folder moved in is taken, subfolder too" "grep -q MOVED-DIR-A '$o/batch/a.txt' && [ -f '$o/batch/sub/b.png' ]"
check "$sec: a user folder moved in is taken (out/suzuki/memo.txt, out/suzuki/資料/見積.pdf)" \
  "grep -q SUZUKI-MEMO '$S/out/suzuki/memo.txt' && [ -f '$S/out/suzuki/資料/見積.pdf' ]"
check "$sec: a file in a renamed subfolder lands under the new name (out/tanaka/renamed/r.txt)" "grep -q RENAMED-SUB '$o/renamed/r.txt'"
check "$sec: a file in a renamed user folder lands under the new name (out/kato2/k.txt)" "grep -q RENAMED-USER '$S/out/kato2/k.txt'"
check "$sec: a file in a folder deleted and made again is taken" "grep -q RECREATED '$o/gone/g.txt'"
check "$sec: nothing under the old names (out/tanaka/old, out/kato)" "[ ! -e '$o/old' ] && [ ! -e '$S/out/kato' ]"
check "$sec: UPPER.EML is sanitised as a mail (X-Mugai-Id header)" "grep -q '^X-Mugai-Id: ' '$o/UPPER.EML'"
check "$sec: UPPER.EML's quarantine entry is a mail (kind mail)" \
  "\"\$MUGAI\" list --json | '$PY' -c 'import json,sys; sys.exit(0 if [e for e in json.load(sys.stdin) if e[\"name\"] in (\"UPPER.EML\", \"住民説明会の開催について\") and e[\"kind\"] == \"mail\"] else 1)'"
section pairs
mkdir -p "$S/drop/tanaka"
start
for k in 1 2 3 4; do
  printf 'PK-TEXT-%s テキスト\n' "$k" >"$S/src/p$k.txt"
  cp "$S/src/p$k.txt" "$S/drop/tanaka/p$k.txt"
  cp "$fx/docs/ja-3pages.pdf" "$S/drop/tanaka/p$k.pdf"
done
# the same name again while the first is (probably) still being sanitised
cp "$fx/office/ja-report.docx" "$S/drop/tanaka/q.docx"
_i=0
while [ -e "$S/drop/tanaka/q.docx" ] && [ $_i -lt 2400 ]; do
  sleep 0.05
  _i=$((_i + 1))
done
cp "$fx/office/ja-report.docx" "$S/drop/tanaka/q.docx"
waitreports 10
stop
o="$S/out/tanaka"
check "$sec: 10 reports, 10 quarantine entries for 10 files (got $(find "$S/out" -name '*.mugai.txt' | wc -l), $(entries))" \
  "[ \"\$(find '$S/out' -name '*.mugai.txt' | wc -l)\" -eq 10 ] && [ \"\$(entries)\" -eq 10 ]"
check "$sec: q.docx twice: q.docx.pdf, q.docx.mugai.txt, q (2).docx.pdf, q (2).docx.mugai.txt" \
  "[ -f '$o/q.docx.pdf' ] && [ -f '$o/q.docx.mugai.txt' ] && [ -f '$o/q (2).docx.pdf' ] && [ -f '$o/q (2).docx.mugai.txt' ]"
for k in 1 2 3 4; do
  _names=$(cd "$o" && ls -d "p$k".* "p$k "* 2>/dev/null | LC_ALL=C sort | tr '\n' '|')
  case "$_names" in
  "p$k (2).txt|p$k (2).txt.mugai.txt|p$k.pdf|p$k.pdf.mugai.txt|p$k.txt|") _w="p$k.txt" ;;
  "p$k (2).pdf|p$k (2).pdf.mugai.txt|p$k (2).txt|p$k.txt|p$k.txt.mugai.txt|") _w="p$k (2).txt" ;;
  *) _w="" ;;
  esac
  check "$sec: p$k.pdf and p$k.txt together: one of them all \" (2)\" ($_names)" "[ -n \"\$_w\" ]"
  if [ -n "$_w" ]; then
    # $_w is the PDF's text layer; the other .txt is the text file's output
    if [ "$_w" = "p$k.txt" ]; then _t="p$k (2).txt"; else _t="p$k.txt"; fi
    check "$sec: p$k: nothing overwritten (text layer has 見積書, '$_t' has PK-TEXT-$k)" \
      "grep -q 見積書 '$o/$_w' && grep -q PK-TEXT-$k '$o/$_t'"
  fi
done

# ===========================================================================
# 4c. odd names: a quote, a newline, a tab, invalid UTF-8, 81 kanji (247
#     bytes: the report's name would be too long), an empty file. Each is
#     taken, logged on one line, reported in UTF-8; out names are UTF-8
#     without control characters.
section names
mkdir -p "$S/drop/tanaka"
start
d="$S/drop/tanaka"
printf 'quote\n' >"$d/say \"hi\".txt"
printf 'newline\n' >"$d/$(printf 'line\nbreak.txt')"
printf 'tab\n' >"$d/$(printf 'a\tb.txt')"
printf 'invalid\n' >"$d/$(printf 'invalid-\377.txt')"
printf 'long\n' >"$d/$("$PY" -c 'print("長" * 81 + ".txt", end="")')"
: >"$d/empty.txt"
waitreports 6
stop
check "$sec: 6 reports for 6 files (got $(find "$S/out" -name '*.mugai.txt' | wc -l)), drop/tanaka empty" \
  "[ \"\$(find '$S/out' -name '*.mugai.txt' | wc -l)\" -eq 6 ] && [ -z \"\$(ls -A '$d')\" ]"
check "$sec: 6 quarantine entries (got $(entries))" "[ \"\$(entries)\" -eq 6 ]"
check "$sec: 6 log lines with file= (got $(grep -c ' file="' "$log"))" "[ \"\$(grep -c ' file=\"' '$log')\" -eq 6 ]"
tool "out names are UTF-8 without control characters, reports are UTF-8" "$PY" -c '
import os, sys
bad = []
for dp, ds, fs in os.walk(os.fsencode(sys.argv[1])):
    for f in fs:
        try:
            n = f.decode("utf-8")
            if any(ord(c) < 32 or ord(c) == 127 for c in n):
                bad.append(repr(f))
            if n.endswith(".mugai.txt"):
                open(os.path.join(dp, f), "rb").read().decode("utf-8")
        except UnicodeDecodeError:
            bad.append(repr(f))
sys.exit("bad: %s" % bad if bad else 0)' "$S/out"

# ===========================================================================
# 5. symlinks, a FIFO, a socket, a device: never opened or followed
section special
mkdir -p "$S/drop/tanaka" "$S/victim"
printf 'VICTIM-FILE-77aa not for the watcher\n' >"$S/victim/secret.txt"
start
d="$S/drop/tanaka"
ln -s /etc/passwd "$d/passwd.pdf" && printf 'tanaka/passwd.pdf\trefused\t-\n' >>"$S/inputs"
ln -s "$S/victim" "$d/folder-link" && printf 'tanaka/folder-link\trefused\t-\n' >>"$S/inputs"
ln -s "$S/nowhere" "$d/dangling.txt" && printf 'tanaka/dangling.txt\trefused\t-\n' >>"$S/inputs"
mkfifo "$d/pipe.txt" && printf 'tanaka/pipe.txt\trefused\t-\n' >>"$S/inputs"
"$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$d/sock.eml" &&
  printf 'tanaka/sock.eml\trefused\t-\n' >>"$S/inputs"
if mknod "$d/null.dev" c 1 3 2>/dev/null; then
  printf 'tanaka/null.dev\trefused\t-\n' >>"$S/inputs"
  havedev=1
else
  havedev=0
fi
sleep 1
# a regular file after them: taken, so the daemon did not hang on the FIFO
printf '通常のファイル AFTER-SPECIAL\n' >"$S/src/after.txt"
put "$S/src/after.txt" tanaka/after.txt delivered
waitout 300
check "$sec: the daemon is still running (did not hang or die)" "alive $wpid"
stop
for f in passwd.pdf folder-link dangling.txt pipe.txt sock.eml; do
  check "$sec: $f removed from drop/tanaka" "gone '$d/$f'"
done
if [ $havedev -eq 1 ]; then
  check "$sec: null.dev (char device 1,3) removed from drop/tanaka" "gone '$d/null.dev'"
else
  skip "$sec: a char device removed from drop/tanaka" "mknod not permitted"
fi
pass outcomes "$S" "$S/inputs"
pass log "$log" -- "$S/inputs" --exact
check "$sec: log: passwd.pdf rejected with reason=symlink" "grep 'file=\"passwd.pdf\"' '$log' | grep -q 'reason=symlink'"
check "$sec: /etc/passwd's content nowhere in out" "! grep -r -a -q -F \"\$(head -n 1 /etc/passwd)\" '$S/out'"
check "$sec: the linked folder untouched and not read (VICTIM-FILE nowhere in out)" \
  "[ -f '$S/victim/secret.txt' ] && ! grep -r -a -q VICTIM-FILE '$S/out'"
check "$sec: /etc/passwd is still there" "[ -s /etc/passwd ]"
# unreadable regular file: moved to work_dir/failed, a report saying why.
# Root reads everything, so as root the daemon runs as nobody here (the
# folders given to nobody, the file root's with mode 000).
section unreadable
mkdir -p "$S/drop/tanaka"
asuser=""
who="this user"
if [ "$uid" -eq 0 ]; then
  who=nobody
  chmod o+x "$work"
  chown -R nobody:nogroup "$S"
  asuser="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi
runs=$((runs + 1))
log="$S/run-$runs.log"
$asuser "$MUGAI_WATCH" -c "$conf" --log-stderr 2>"$log" &
wpid=$!
_i=0
while ! grep -q 'ready: watching' "$log" 2>/dev/null && alive "$wpid" && [ $_i -lt 600 ]; do
  sleep 0.2
  _i=$((_i + 1))
done
check "$sec: mugai-watch (as $who) says \"ready: watching\"" \
  "grep -q 'ready: watching' '$log'"
printf 'SECRET-UNREADABLE-41\n' >"$S/drop/tanaka/locked.txt"
chown 0:0 "$S/drop/tanaka/locked.txt"
chmod 000 "$S/drop/tanaka/locked.txt"
printf 'readable\n' >"$S/drop/tanaka/fine.txt"
chmod 644 "$S/drop/tanaka/fine.txt"
waitfile 300 "$S/out/tanaka/locked.txt.mugai.txt" "$S/out/tanaka/fine.txt.mugai.txt"
stop
check "$sec: locked.txt (mode 000): a report saying it cannot be read" \
  "grep -q 'cannot be read' '$S/out/tanaka/locked.txt.mugai.txt' && grep -q '読み取れません' '$S/out/tanaka/locked.txt.mugai.txt'"
check "$sec: locked.txt kept, whole, in work_dir/failed (not removed, not in out)" \
  "[ \$(ls '$S/drop/.mugai-work/failed/' | grep -c '\\.input\$') -eq 1 ] && ! grep -r -a -q SECRET-UNREADABLE '$S/out' && gone '$S/drop/tanaka/locked.txt'"
check "$sec: log: reason=unreadable error= kept=failed/" \
  "grep 'file=\"locked.txt\"' '$log' | grep 'reason=unreadable error=' | grep -q 'kept=failed/'"
check "$sec: the readable file beside it delivered" "[ -f '$S/out/tanaka/fine.txt' ]"
chown -R 0:0 "$S"

# ===========================================================================
# 6. files dropped while the daemon is down; --once
section restart
mkdir -p "$S/drop/tanaka"
to "$MUGAI_WATCH" -c "$conf" --once --log-stderr 2>"$S/once-empty.log"
_rc=$?
check "$sec: --once with nothing to do: exit 0 (got $_rc)" "[ $_rc -eq 0 ]"
"$PY" wcheck.py gen "$S/src" tanaka:txt:1 tanaka:png:1 tanaka:pdf:1 tanaka:eml:1 tanaka:zip:1 >/dev/null
start
stop
for f in txt-00.txt png-00.png pdf-00.pdf; do put "$S/src/tanaka/$f" "tanaka/down/$f" delivered; done
start
waitout 300
stop
put "$S/src/tanaka/eml-00.eml" tanaka/once/eml-00.eml delivered
put "$S/src/tanaka/zip-00.zip" tanaka/once/zip-00.zip delivered
slowsrc "$S/src/slow.txt"
record "$S/src/slow.txt" tanaka/once/slow.txt delivered
slowwrite "$S/src/slow.txt" "$S/drop/tanaka/once/slow.txt" 5 0.8 &
writer=$!
sleep 0.3
runs=$((runs + 1))
log="$S/run-$runs.log"
"$MUGAI_WATCH" -c "$conf" --once --log-stderr 2>"$log" &
opid=$!
reap "$opid" 900
check "$sec: --once exits 0 (got $rc)" "[ $rc -eq 0 ]"
wait "$writer"
writer=""
_miss=""
while IFS="$(printf '\t')" read -r _rel _v _h; do
  [ -f "$S/out/$_rel.mugai.txt" ] || _miss="$_miss $_rel"
done <"$S/inputs"
check "$sec: --once: everything done when it exits${_miss:+ (missing:$_miss)}" "[ -z \"\$_miss\" ]"
check "$sec: --once: the file still being written is taken whole" \
  "[ \"\$(grep -c SLOW-PIECE- '$S/out/tanaka/once/slow.txt' 2>/dev/null)\" -eq 5 ]"
sancheck "$log"
pass outcomes "$S" "$S/inputs"
pass log "$S"/run-*.log -- "$S/inputs" --exact

# ===========================================================================
# 7a. deterministic crash points, then a normal start
for point in claim store journal rename logged; do
  section "crash-$point"
  mkdir -p "$S/drop/tanaka"
  "$PY" wcheck.py gen "$S/src" tanaka:txt:1 tanaka:png:1 tanaka:pdf:1 >/dev/null
  start MUGAI_WATCH_CRASH=$point
  for f in txt-00.txt png-00.png pdf-00.pdf; do put "$S/src/tanaka/$f" "tanaka/$f" delivered; done
  waitdie "$wpid" 180
  wpid=""
  check "$sec: MUGAI_WATCH_CRASH=$point: the daemon dies with 137 by itself (got $rc$([ $killed -eq 1 ] && echo ', killed after 180 s'))" \
    "[ $rc -eq 137 ] && [ $killed -eq 0 ]"
  pass complete "$S/out"
  start
  waitout 300
  stop
  check "$sec: the restart logs \"resumed N interrupted files\" with N >= 1 ($(grep -o 'resumed [0-9]* interrupted' "$log"))" \
    "grep -q -E 'resumed [1-9][0-9]* interrupted' '$log'"
  pass outcomes "$S" "$S/inputs"
  pass complete "$S/out"
  if [ $point = logged ]; then
    # killed between a file's log line and the removal of its record: the
    # resume logs it again, so no file goes unlogged
    pass log "$S"/run-*.log -- "$S/inputs"
    check "$sec: the file logged just before the crash is logged again by the resume ($(grep -c 'resumed=outputs-placed' "$log") lines with resumed=outputs-placed)" \
      "[ \"\$(grep -c 'resumed=outputs-placed' '$log')\" -ge 1 ]"
  else
    pass log "$S"/run-*.log -- "$S/inputs" --exact
  fi
done

# ===========================================================================
# 7b. random kill -9 of a daemon working through 40 files, then a final run
section kill9
"$PY" wcheck.py gen "$S/src" tanaka:txt:6 tanaka:png:4 tanaka:pdf:3 tanaka:zip:3 tanaka:eml:4 \
  sato:txt:6 sato:png:4 sato:pdf:3 sato:zip:3 sato:eml:4 >/dev/null
# the 40 files in six slices, each dropped one by one (0.1 s apart) while
# its round's daemon starts and works, so that the kills land mid-work
find "$S/src" -type f | LC_ALL=C sort >kill9.list
_k=0
while IFS= read -r f; do
  record "$f" "${f#"$S"/src/}" delivered
  echo "$((_k % 6 + 1)) $f" >>kill9.slices
  _k=$((_k + 1))
done <kill9.list
for round in 1 2 3 4 5 6; do
  ms=$((200 + $(rnd) % 1801))
  launch
  (
    sed -n "s/^$round //p" kill9.slices | while IFS= read -r f; do
      _rel=${f#"$S"/src/}
      mkdir -p "$(dirname "$S/drop/$_rel")"
      cp "$f" "$S/drop/$_rel"
      sleep 0.1
    done
  ) &
  dropper=$!
  sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
  if alive "$wpid"; then
    kill -KILL "$wpid"
    wait "$wpid"
    ok "$sec: round $round: killed after $ms ms ($(find "$S/drop/.mugai-work" -name '*.job' | wc -l) job records left, $(find "$S/out" -name '*.mugai.txt' | wc -l) of 40 reports so far)"
  else
    wait "$wpid"
    bad "$sec: round $round: the daemon was still running after $ms ms (exit $?)"
    show "$log"
  fi
  wait "$dropper"
  wpid=""
  sancheck "$log"
  [ $round -eq 3 ] && pass complete "$S/out"
done
pass complete "$S/out"
start
waitout 900
stop
pass outcomes "$S" "$S/inputs"
pass complete "$S/out"
pass log "$S"/run-*.log -- "$S/inputs"

# ===========================================================================
# 8. SIGTERM while a docx is being sanitised
section sigterm
mkdir -p "$S/drop/tanaka"
start
put "$fx/office/ja-report.docx" tanaka/r.docx delivered
put "$fx/office/ja-budget.xlsx" tanaka/b.xlsx delivered
_i=0
while [ -e "$S/drop/tanaka/r.docx" ] && [ $_i -lt 2400 ]; do
  sleep 0.05
  _i=$((_i + 1))
done
inwork=$(find "$S/drop/.mugai-work" -name '*.input' 2>/dev/null | wc -l)
kill -TERM "$wpid"
reap "$wpid" 600
_rc=$rc
wpid=""
check "$sec: SIGTERM after r.docx was claimed ($inwork files in work): exit 0 (got $_rc)" "[ $_rc -eq 0 ]"
check "$sec: the log says \"stopped\"" "grep -q -E '(^|: )stopped\$' '$log'"
for f in r.docx b.xlsx; do
  if [ -f "$S/out/tanaka/$f.mugai.txt" ]; then where="done"
  elif [ -f "$S/drop/tanaka/$f" ]; then where="still in drop"
  elif [ -n "$(find "$S/drop/.mugai-work" -name '*.input' 2>/dev/null)" ]; then where="claimed, in work"
  else where="lost"; fi
  check "$sec: after SIGTERM $f is done or still waiting ($where)" "[ '$where' != lost ]"
done
check "$sec: r.docx (being sanitised at SIGTERM) was finished before exit" "[ -f '$S/out/tanaka/r.docx.mugai.txt' ]"
start
waitout 300
stop
pass outcomes "$S" "$S/inputs"
pass log "$S"/run-*.log -- "$S/inputs"
tool "r.docx converted (check-pdf.py)" pdfok "$S/out/tanaka/r.docx.pdf"
tool "b.xlsx converted (check-pdf.py)" pdfok "$S/out/tanaka/b.xlsx.pdf"
# kill -9 while LibreOffice starts or converts (0.2, 0.4, 0.6 and 1.5 s
# after the claim): no converter outlives the daemon; every file is done
# once at the next start
for ms in 200 400 600 1500; do
  start
  put "$fx/office/ja-slides.pptx" "tanaka/k$ms.pptx" delivered
  put "$fx/office/ja-report.docx" "tanaka/r$ms.docx" delivered
  _i=0
  while [ -e "$S/drop/tanaka/k$ms.pptx" ] && [ $_i -lt 2400 ]; do
    sleep 0.05
    _i=$((_i + 1))
  done
  sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
  # shellcheck disable=SC2009
  _conv=$(ps -eo args | grep -c "[s]office.*$TMPDIR")
  kill -KILL "$wpid"
  wait "$wpid"
  wpid=""
  _i=0
  # shellcheck disable=SC2009
  while ps -eo args | grep -q "[o]ffice.*$TMPDIR" && [ $_i -lt 75 ]; do
    sleep 0.2
    _i=$((_i + 1))
  done
  # shellcheck disable=SC2009
  if ps -eo pid,ppid,etimes,args | grep "[o]ffice.*$TMPDIR" >orphans.out; then
    bad "$sec: kill -9 $ms ms after the claim of k$ms.pptx ($_conv converters running): none left 15 s later"
    cut -c1-200 orphans.out | sed 's/^/#   left: /'
    strays
  else
    ok "$sec: kill -9 $ms ms after the claim of k$ms.pptx ($_conv converters running): none left 15 s later"
  fi
done
start
waitout 300
stop
pass outcomes "$S" "$S/inputs"
tool "k200.pptx converted after the restart (check-pdf.py)" pdfok "$S/out/tanaka/k200.pptx.pdf"

# ===========================================================================
# 10. per_user = false: drop/... -> out/..., no sender
section flat "per_user = false"
start
printf 'フラットな配置 FLAT-A\n' >"$S/src/a.txt"
put "$S/src/a.txt" a.txt delivered
put "$fx/docs/flat.png" sub/b.png delivered
waitout 300
stop INT
pass outcomes "$S" "$S/inputs" --flat
pass log "$log" -- "$S/inputs" --exact --flat --out "$S/out"
check "$sec: out/a.txt and out/sub/b.png" "grep -q FLAT-A '$S/out/a.txt' && [ -f '$S/out/sub/b.png' ]"

echo "1..$n"
[ "$fails" -eq 0 ]
