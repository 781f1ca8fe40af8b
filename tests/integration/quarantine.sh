#!/bin/sh
# quarantine.sh - the quarantine and the audit log through the real binary
# (issue 5): sanitize stores the original before releasing anything; list,
# show, export, purge and stats; audit verify finds an edited, deleted or
# swapped line at the right line number; a batch killed with SIGKILL at
# random points leaves no partial entry, loses no completed one and keeps
# the chain; an incomplete last line (a writer killed mid-write) is cut and
# recorded by the next append, and the audit lines a killed writer left
# missing are written by the next purge, once; two writers and a purger at once stay consistent; reprocess
# delivers a held mail's new result over SMTP (a receiver on loopback) and
# through a sendmail command; release is refused without a reason or when
# disabled, and otherwise delivers the original byte for byte.
#
# Env: MUGAI, SRCDIR. Prints "ok N - what" / "not ok N - what"; exits 1 if
# any check failed. Uses python3 (stdlib sqlite3, hashlib, json) to inspect.
set -u
: "${MUGAI:?}" "${SRCDIR:?}"
work=$(mktemp -d)
sinkpid=""
trap '[ -n "$sinkpid" ] && kill $sinkpid 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
MUGAI_STATE_DIR="$work/state"
export MUGAI_STATE_DIR
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
sample="$SRCDIR/tests/fixtures/samples/ja-sample.eml"

# mails DIR N TAG - N small distinct mails with a Japanese subject
mails() {
  python3 - "$@" <<'EOF'
import base64, os, sys
d, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(d, exist_ok=True)
for i in range(count):
    subj = base64.b64encode(('会議資料 第%d回' % i).encode('iso-2022-jp')).decode()
    with open(os.path.join(d, '%s-%04d.eml' % (tag, i)), 'wb') as f:
        f.write(('From: sender%d@example.co.jp\r\nTo: staff@city.example.lg.jp\r\n'
                 'Subject: =?ISO-2022-JP?B?%s?=\r\nMessage-ID: <%s.%d@example.co.jp>\r\n'
                 'Content-Type: text/plain; charset=utf-8\r\n\r\n本文 %s %d\r\n'
                 % (i % 7, subj, tag, i, tag, i)).encode())
EOF
}

# consistent [--complete] STATE [OUTDIR...] - the invariants a crash must
# not break: the index is intact; every live entry is complete and its blob
# is there with the right SHA-256; every report released in an OUTDIR names
# an entry that is indexed and audited (nothing released before it was
# stored). With --complete (after a purge, which writes what killed writers
# left missing): every entry has exactly one stored line, every purged one
# a purge line, and every row is marked audited.
cat > consistent.py <<'EOF'
import collections, glob, hashlib, json, os, sqlite3, sys
complete = sys.argv[1] == '--complete'
args = sys.argv[2:] if complete else sys.argv[1:]
state, outdirs = args[0], args[1:]
db = sqlite3.connect(os.path.join(state, 'quarantine', 'index.sqlite'), timeout=30)
assert db.execute('PRAGMA integrity_check').fetchone()[0] == 'ok', 'integrity_check'
rows = db.execute('SELECT id, sha256, size, state, report, verdict FROM entries').fetchall()
ids = set()
for id_, sha, size, st, report, verdict in rows:
    ids.add(id_)
    if st == 'purged':
        continue
    path = os.path.join(state, 'quarantine', 'objects', sha[:2], sha[2:])
    data = open(path, 'rb').read()
    assert hashlib.sha256(data).hexdigest() == sha, 'blob of %s damaged' % id_
    assert len(data) == size, 'size of %s' % id_
    assert json.loads(report)['id'] == id_, 'report of %s' % id_
    assert verdict in ('delivered', 'held', 'rejected')
audited = set()
lines = collections.Counter()
log = os.path.join(state, 'audit.log')
if os.path.exists(log):
    for line in open(log, encoding='utf-8'):
        if not line.endswith('\n'):
            break  # a writer killed in its write; the next append cuts it off
        rec = json.loads(line)
        lines[(rec['action'], rec['id'])] += 1
        if rec['action'] == 'stored':
            audited.add(rec['id'])
if complete:
    for id_, sha, size, st, report, verdict in rows:
        assert lines[('stored', id_)] == 1, '%s has %d stored lines' % (id_, lines[('stored', id_)])
        assert st != 'purged' or lines[('purge', id_)] == 1, '%s has no purge line' % id_
    assert db.execute('SELECT count(*) FROM entries WHERE audited = 0').fetchone()[0] == 0, 'unmarked rows'

released = 0
for d in outdirs:
    for rep in glob.glob(os.path.join(d, '*.report.json')):
        rid = json.load(open(rep))['id']
        assert rid in ids, 'released %s is not in the index' % rep
        assert rid in audited, 'released %s has no audit line' % rep
        released += 1
assert audited <= ids, 'audit names entries the index lacks: %s' % sorted(audited - ids)[:3]
print(len(rows), released)
EOF

# 1. sanitize stores the original, indexes it and audits it.
"$MUGAI" sanitize "$sample" -o one.eml --report one.json 2>err.txt
check "sanitize exits 0 with the store" "[ $? -eq 0 ] && [ -s one.eml ] && [ ! -s err.txt ]"
id=$(json one.json 'd["id"]')
sha=$(sha256sum < "$sample" | cut -d' ' -f1)
blob="state/quarantine/objects/$(echo "$sha" | cut -c1-2)/$(echo "$sha" | cut -c3-)"
check "the original is a blob named by its SHA-256" "cmp -s \"$blob\" \"$sample\""
"$MUGAI" sanitize "$sample" -o two.eml --report two.json
check "an identical original is stored once" \
  "[ \$(find state/quarantine/objects -type f | wc -l) -eq 1 ]"
"$MUGAI" list > list.txt
check "list shows both entries, newest first" \
  "[ \$(grep -c 見積書 list.txt) -eq 2 ] && sed -n 3p list.txt | grep -q \"$id\""
check "list aligns a Japanese subject by display width" \
  "python3 -c \"
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in s)
lines = open('list.txt', encoding='utf-8').read().splitlines()
col = lambda l: w(l[:l.index('delivered')])
sys.exit(0 if len(set(col(l) for l in lines[1:])) == 1 and w(lines[0][:lines[0].index('STATE')]) == col(lines[1]) else 1)
\""
"$MUGAI" list --json > list.json
check "list --json has the index fields" \
  "[ \"\$(json list.json '(len(d), d[1][\"id\"], d[1][\"source\"], d[1][\"sender\"], d[1][\"message_id\"], d[1][\"state\"])')\" = \"(2, '$id', 'cli', None, '<ja-sample@fixtures.mugai.example.jp>', 'delivered')\" ]"
"$MUGAI" list --state held --json > held.json
check "list --state held selects none of them" "[ \"\$(json held.json 'len(d)')\" = 0 ]"
"$MUGAI" list --since 2000-01-01 --json > since.json
"$MUGAI" list --since 1h --json > since1h.json
check "list --since takes a date and a span" \
  "[ \"\$(json since.json 'len(d)')\" = 2 ] && [ \"\$(json since1h.json 'len(d)')\" = 2 ]"
"$MUGAI" list --state bogus 2>err.txt
check "list --state bogus is a usage error" "[ $? -eq 2 ] && grep -q 'mugai: list:' err.txt"

# 2. show: envelope, decoded headers, items, history; show is audited.
"$MUGAI" show "$id" > show.txt
check "show prints the decoded headers" "grep -q '髙橋一郎' show.txt && grep -q '^items' show.txt"
check "show lists the items and the history" "grep -q 'converted' show.txt && grep -q 'stored' show.txt"
"$MUGAI" show --json "$id" > show.json
check "show --json has report and history (stored, show, show)" \
  "[ \"\$(json show.json '(d[\"report\"][\"id\"], [h[\"action\"] for h in d[\"history\"]])')\" = \"('$id', ['stored', 'show', 'show'])\" ]"
"$MUGAI" show 01NOSUCHID0000000000000000 2>err.txt
check "show of an unknown id exits 1 naming it" \
  "[ $? -eq 1 ] && grep -q '^mugai: show: 01NOSUCHID0000000000000000: no such entry' err.txt"

# 3. export: the original, byte for byte, atomically, audited.
"$MUGAI" export "$id" -o exported.eml --reason "ticket 42"
check "export writes the original" "[ $? -eq 0 ] && cmp -s exported.eml \"$sample\""
check "export is audited with its reason" "tail -1 state/audit.log | grep -q '\"action\":\"export\".*ticket 42'"
"$MUGAI" export "$id" -o nodir/x.eml 2>err.txt
check "export to a missing directory exits 1, nothing left" "[ $? -eq 1 ] && [ ! -e nodir ]"
"$MUGAI" export "$id" 2>err.txt
check "export without -o is a usage error" "[ $? -eq 2 ]"

# 4. Fail closed: a quarantine that cannot be written means no output.
: > notadir
MUGAI_STATE_DIR="$work/notadir/state" "$MUGAI" sanitize "$sample" -o closed.eml 2>err.txt
check "no quarantine, no output (exit 1, one line)" \
  "[ $? -eq 1 ] && [ ! -e closed.eml ] && [ \$(wc -l < err.txt) -eq 1 ] && grep -q quarantine err.txt"
mkdir in1
cp "$sample" in1/a.eml
MUGAI_STATE_DIR="$work/notadir/state" "$MUGAI" sanitize --batch -o closedb in1/a.eml 2>err.txt
check "no quarantine, no batch output" "[ $? -eq 1 ] && [ ! -e closedb/a.eml ]"

# 5. Batch: every input stored; stats count by verdict, action and type.
mails batch 20 b
printf 'MZ\220\0\3\0\0\0' > batch/tool.exe
"$MUGAI" sanitize --batch -o bout batch/* 2>err.txt
check "batch with the store exits 0" "[ $? -eq 0 ] && [ ! -s err.txt ]"
check "batch entries are consistent with the outputs" "python3 consistent.py state bout >/dev/null"
"$MUGAI" stats --json > stats.json
check "stats counts entries, verdicts, kinds, actions and types" \
  "[ \"\$(json stats.json '(d[\"entries\"], d[\"verdict\"][\"delivered\"], d[\"verdict\"][\"rejected\"], d[\"kind\"][\"mail\"], d[\"kind\"][\"file\"], d[\"action\"][\"flattened\"] >= 20, \"application/pdf\" in d[\"type\"])')\" = '(23, 22, 1, 22, 1, True, True)' ]"
"$MUGAI" stats > stats.txt
check "stats prints tables" "grep -q '^VERDICT' stats.txt && grep -q '^rejected' stats.txt"

# 6. purge: retention, --older-than, unreferenced blobs, audited.
"$MUGAI" purge > purge.txt
check "purge with nothing past retention removes nothing" \
  "grep -q 'purged 0 entries, removed 0 originals' purge.txt"
python3 - <<EOF
import sqlite3
db = sqlite3.connect('state/quarantine/index.sqlite')
db.execute("UPDATE entries SET time = time - 100 * 86400, retain_until = retain_until - 100 * 86400 WHERE name LIKE 'b-000%'")
db.execute("UPDATE entries SET time = time - 10 * 86400 WHERE name LIKE 'b-001%'")
db.commit()
EOF
"$MUGAI" purge > purge.txt
check "purge drops the 10 entries past retention and their blobs" \
  "grep -q 'purged 10 entries, removed 10 originals' purge.txt"
"$MUGAI" purge --older-than 5 > purge.txt
check "purge --older-than 5 drops the 10 older than 5 days" \
  "grep -q 'purged 10 entries, removed 10 originals' purge.txt"
check "purged entries are marked, the rest intact" \
  "[ \"\$(\"$MUGAI\" list --state purged --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')\" = 20 ] && python3 consistent.py --complete state >/dev/null"
pid=$("$MUGAI" list --state purged --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
"$MUGAI" export "$pid" -o p.eml 2>err.txt
check "export of a purged entry exits 1 naming it" "[ $? -eq 1 ] && grep -q \"$pid: purged\" err.txt"
check "each purge is an audit line" "[ \$(grep -c '\"action\":\"purge\"' state/audit.log) -eq 20 ]"
"$MUGAI" purge --older-than -1 2>err.txt
check "purge --older-than -1 is a usage error" "[ $? -eq 2 ]"

# 7. audit verify: holds; an edited, a deleted and a swapped line fail at
# the first line whose predecessor changed.
"$MUGAI" audit verify > verify.txt
check "audit verify holds after all of the above" "[ $? -eq 0 ] && grep -q 'chain holds' verify.txt"
lines=$(wc -l < state/audit.log)
tamper() { # tamper KIND LINE
  python3 - "$1" "$2" state/audit.log tampered.log <<'EOF'
import sys
kind, k, src, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
lines = open(src, encoding='utf-8').read().splitlines(True)
if kind == 'edit':
    lines[k - 1] = lines[k - 1].replace('"user":"', '"user":"x', 1)
elif kind == 'delete':
    del lines[k - 1]
elif kind == 'swap':
    lines[k - 1], lines[k] = lines[k], lines[k - 1]
open(dst, 'w', encoding='utf-8').write(''.join(lines))
EOF
  "$MUGAI" audit verify --log tampered.log 2>err.txt
}
tamper edit 5
check "an edited line 5 breaks the chain at line 6" "[ $? -eq 1 ] && grep -q 'line 6:' err.txt"
tamper delete 7
check "a deleted line 7 breaks the chain at line 7" "[ $? -eq 1 ] && grep -q 'line 7:' err.txt"
tamper swap 9
check "swapped lines 9 and 10 break the chain at line 9" "[ $? -eq 1 ] && grep -q 'line 9:' err.txt"
tamper edit 1
check "an edited first line breaks the chain at line 2" "[ $? -eq 1 ] && grep -q 'line 2:' err.txt"
tamper delete 1
check "a deleted first line is found at line 1" "[ $? -eq 1 ] && grep -q 'line 1:' err.txt"
check "the log itself still holds ($lines lines)" "\"$MUGAI\" audit verify >/dev/null"
# A writer killed in the middle of its write(2) (Linux stops at a page
# boundary) leaves an incomplete last line. verify reports it and holds; the
# next append cuts it off and records a repair line, chained to the last
# whole line, before its own.
printf '{"time":"2026-11-26T14:00:00.000000Z","user":"mugai","action":"sto' >> state/audit.log
"$MUGAI" audit verify > verify.txt 2>err.txt
check "an incomplete last line: verify holds and reports its 66 bytes" \
  "[ $? -eq 0 ] && grep -q \"$lines lines, chain holds\" verify.txt && grep -q 'incomplete line of 66 bytes' verify.txt"
"$MUGAI" sanitize "$sample" -o torn.eml 2>err.txt
check "the next append succeeds" "[ $? -eq 0 ] && [ -s torn.eml ]"
"$MUGAI" audit verify > verify.txt 2>err.txt
check "it cut the incomplete line and recorded a repair line before its own" \
  "[ $? -eq 0 ] && grep -q \"$((lines + 2)) lines, chain holds\" verify.txt && ! grep -q incomplete verify.txt && python3 -c \"
import json
recs = [json.loads(l) for l in open('state/audit.log', encoding='utf-8')]
r, s = recs[-2], recs[-1]
assert r['action'] == 'repair' and r['bytes'] == '66' and len(r['sha256']) == 64, r
assert s['action'] == 'stored' and s['prev'] != r['prev'], s
\""
lines=$((lines + 2))
# show appends its own line first: it repairs the log the same way.
printf '{"time":"2026-11-26T14:00:01.000000Z","user":"mugai","act' >> state/audit.log
"$MUGAI" show --json "$id" > torn-show.json 2>err.txt
check "show with an incomplete last line: its history, a repair line and its own" \
  "[ $? -eq 0 ] && [ \"\$(json torn-show.json 'd[\"history\"][0][\"action\"]')\" = stored ] && \"$MUGAI\" audit verify | grep -q \"$((lines + 2)) lines, chain holds\" && tail -n 2 state/audit.log | head -n 1 | grep -q '\"action\":\"repair\"'"
lines=$((lines + 2))
# A writer killed after its index commit, before its audit line: the row
# stays unmarked and the line is missing (cut off the end here). The next
# purge writes it, once, marked as recovered.
"$MUGAI" sanitize "$sample" -o lost.eml --report lost.json 2>err.txt
lost=$(json lost.json 'd["id"]')
python3 - "$lost" <<'EOF'
import sqlite3, sys
data = open('state/audit.log', 'rb').read().splitlines(True)
assert sys.argv[1].encode() in data[-1]
open('state/audit.log', 'wb').write(b''.join(data[:-1]))
db = sqlite3.connect('state/quarantine/index.sqlite')
db.execute("UPDATE entries SET audited = 0 WHERE id = ?", (sys.argv[1],))
db.commit()
EOF
"$MUGAI" purge > purge.txt 2>err.txt
check "purge writes the stored line a killed writer left missing" \
  "[ $? -eq 0 ] && grep -q 'wrote 1 audit lines that killed writers had left missing' purge.txt && tail -n 1 state/audit.log | grep -q '\"id\":\"$lost\".*\"recovered\"' && python3 consistent.py --complete state >/dev/null && \"$MUGAI\" audit verify >/dev/null"
"$MUGAI" purge > purge.txt 2>err.txt
check "and only once" "! grep -q wrote purge.txt && python3 consistent.py --complete state >/dev/null"

# 8. Crash safety: a batch killed with SIGKILL at random points, again and
# again, into one quarantine. One uncut run measures how long a batch takes;
# each kill then falls at a random point inside it (inputs are committed in
# groups of 256, so most kills land between or inside group commits).
mails crash 600 k
"$MUGAI" sanitize --batch -o kout0 crash/*.eml 2>/dev/null
# Timed on a second uncut run: the first one warms the caches up.
start=$(date +%s.%N)
"$MUGAI" sanitize --batch -o kout00 crash/*.eml 2>/dev/null
span=$(python3 -c "import sys; print(float('$(date +%s.%N)') - float('$start'))")
rounds=${MUGAI_CRASH_ROUNDS:-12}
i=0
crashok=1
cut=0
while [ $i -lt $rounds ]; do
  i=$((i + 1))
  # The delay is drawn before the batch starts: in a fast build the whole
  # batch takes less time than starting python3.
  delay=$(python3 -c "import random; print(random.uniform(0.02, 0.5) * $span)")
  "$MUGAI" sanitize --batch -o "kout$i" crash/*.eml 2>/dev/null &
  p=$!
  sleep "$delay"
  kill -9 $p 2>/dev/null
  wait $p 2>/dev/null
  got=$(find "kout$i" -name '*.report.json' 2>/dev/null | wc -l)
  [ "$got" -lt 600 ] && cut=$((cut + 1))
  echo "# round $i: $got of 600 released before the kill"
  if ! python3 consistent.py state kout* > consistent.txt 2> consistent.err; then
    crashok=0
    echo "# round $i:"; sed 's/^/# /' consistent.err
    break
  fi
  if ! "$MUGAI" audit verify > /dev/null 2>verify.err; then
    crashok=0
    echo "# round $i:"; sed 's/^/# /' verify.err
    break
  fi
done
echo "# batch of 600 takes ${span}s; after $i kills ($cut cut short): $(cat consistent.txt) (index rows, reports released)"
check "kill -9 in a batch: no partial entry, nothing released unstored, chain holds" \
  "[ $crashok -eq 1 ] && [ $cut -ge 4 ]"
"$MUGAI" purge > purge.txt
echo "# purge after the kills: $(tr '\n' ' ' < purge.txt)"
check "purge after the kills leaves no temporary file, a consistent store, and every entry audited once" \
  "[ -z \"\$(find state/quarantine/objects -name '.*')\" ] && python3 consistent.py --complete state kout* >/dev/null && \"$MUGAI\" audit verify >/dev/null"

# 9. Two writers and a purger at once: the writers store originals whose
# blobs the purger is removing (the same 100 mails, backdated), and new ones.
rm -rf state kout*
mails old 100 o
mails new 150 n
"$MUGAI" sanitize --batch -o w0 old/*.eml 2>/dev/null
python3 - <<EOF
import sqlite3
db = sqlite3.connect('state/quarantine/index.sqlite')
db.execute("UPDATE entries SET time = time - 200 * 86400, retain_until = retain_until - 200 * 86400")
db.commit()
EOF
"$MUGAI" sanitize --batch -o w1 old/*.eml 2>w1.err &
p1=$!
"$MUGAI" sanitize --batch -o w2 new/*.eml 2>w2.err &
p2=$!
j=0
while [ $j -lt 20 ]; do
  "$MUGAI" purge >> purges.txt 2>>purge.err
  j=$((j + 1))
done
wait $p1
r1=$?
wait $p2
r2=$?
check "both writers and every purge succeed" \
  "[ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ ! -s w1.err ] && [ ! -s w2.err ] && [ ! -s purge.err ]"
check "the store is consistent: every live entry has its blob" \
  "python3 consistent.py --complete state w1 w2 > conc.txt && [ \"\$(cat conc.txt)\" = '350 250' ]"
check "exactly the 100 backdated entries were purged" \
  "[ \"\$(\"$MUGAI\" stats --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[\"state\"].get(\"purged\"), d[\"state\"].get(\"delivered\"))')\" = '100 250' ]"
check "the audit chain holds after concurrent appends" "\"$MUGAI\" audit verify >/dev/null"

# 10. reprocess and release, delivered to a real SMTP receiver on loopback
# (smtp-sink.py) and through a sendmail-compatible command.
MUGAI_STATE_DIR="$work/state3"
mkdir sink
/usr/bin/python3 "$SRCDIR/tests/integration/smtp-sink.py" sink 2>sink.err &
sinkpid=$!
w=0
while [ ! -s sink/port ] && [ $w -lt 50 ]; do sleep 0.1; w=$((w + 1)); done
port=$(cat sink/port)
printf '[delivery]\nmail = smtp://127.0.0.1:%s\n' "$port" > smtp.ini
printf '[delivery]\nmail = smtp://127.0.0.1:%s\n[quarantine]\nallow_release = true\n' "$port" > rel.ini
ppap="$SRCDIR/tests/fixtures/docs/mail-attachments.eml"
"$MUGAI" sanitize "$ppap" -o ppap.eml --report ppap.json
pid=$(json ppap.json 'd["id"]')
check "the mail's encrypted PDF is held" \
  "[ \"\$(json ppap.json '[i[\"action\"] for i in d[\"items\"] if i[\"name\"] == \"encrypted.pdf\"]')\" = \"['held']\" ]"
"$MUGAI" reprocess -c smtp.ini "$pid" --password secret 2>err.txt
check "reprocess of a cli entry (no envelope) exits 1 before doing anything" \
  "[ $? -eq 1 ] && grep -q 'no envelope recipients' err.txt && [ \$(\"$MUGAI\" list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') -eq 1 ]"
python3 - "$pid" <<EOF2
import sqlite3, sys
db = sqlite3.connect('state3/quarantine/index.sqlite')
db.execute("UPDATE entries SET sender = 'sales@takasaki.example.co.jp', recipients = 'yamazaki@city.example.lg.jp,doboku@city.example.lg.jp' WHERE id = ?", (sys.argv[1],))
db.commit()
EOF2
"$MUGAI" reprocess "$pid" --password secret 2>err.txt
check "reprocess without [delivery] mail exits 1 saying so" \
  "[ $? -eq 1 ] && grep -q 'delivery. mail is not configured' err.txt"
printf 'secret\n' > pw.txt
"$MUGAI" reprocess -c smtp.ini "$pid" --password-file pw.txt > rep.txt 2>err.txt
check "reprocess with the password exits 0" "[ $? -eq 0 ] && [ -s sink/1.eml ] && [ ! -s err.txt ]"
nid=$(sed -n 's/.* reprocessed as \([0-9A-Z]*\) .*/\1/p' rep.txt)
check "the relay got it from the original's envelope sender to its recipients" \
  "[ \"\$(json sink/1.json '(d[\"from\"], d[\"to\"])')\" = \"('sales@takasaki.example.co.jp', ['yamazaki@city.example.lg.jp', 'doboku@city.example.lg.jp'])\" ]"
check "the delivered mail is the new result (X-Mugai-Id) and now carries the PDF" \
  "grep -q \"^X-Mugai-Id: $nid\" sink/1.eml && [ \$(grep -c '^Content-Type: application/pdf' sink/1.eml) -ge 2 ] && \"$MUGAI\" view --strict sink/1.eml >/dev/null"
"$MUGAI" show --json "$nid" > new.json
check "the new entry records the PDF converted with the password, same envelope" \
  "[ \"\$(json new.json '([i[\"action\"] for i in d[\"report\"][\"items\"] if i[\"name\"] == \"encrypted.pdf\"], d[\"source\"], d[\"sender\"])')\" = \"(['converted'], 'reprocess', 'sales@takasaki.example.co.jp')\" ]"
check "the original is marked reprocessed, with an audit line" \
  "[ \"\$(\"$MUGAI\" show --json $pid | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[\"state\"], [h[\"action\"] for h in d[\"history\"]][-2])')\" = 'reprocessed reprocess' ]"
"$MUGAI" release -c rel.ini "$pid" 2>err.txt
check "release without --reason is a usage error" "[ $? -eq 2 ] && grep -q 'needs --reason' err.txt"
"$MUGAI" release -c smtp.ini "$pid" --reason "課長承認 #77" 2>err.txt
check "release is refused while allow_release is false (the default)" \
  "[ $? -eq 1 ] && grep -q 'allow_release = false' err.txt && [ ! -e sink/2.eml ]"
"$MUGAI" release -c rel.ini "$pid" --reason "課長承認 #77" > rel.txt 2>err.txt
check "release delivers the original, byte for byte (line ends aside)" \
  "[ $? -eq 0 ] && python3 -c \"import sys; n=lambda p: open(p,'rb').read().replace(b'\\\\r\\\\n', b'\\\\n').rstrip(b'\\\\n'); sys.exit(n('sink/2.eml') != n('$ppap'))\""
check "release is audited with its reason and marks the entry released" \
  "grep -q '\"action\":\"release\".*課長承認 #77' state3/audit.log && \"$MUGAI\" list --state released --json | grep -q $pid"
# SMTP transparency (RFC 5321 4.5.2): lines starting with a dot arrive intact
# (the receiver gives the data back with LF line ends and no final one).
printf 'From: a@example.jp\r\nTo: b@example.lg.jp\r\nSubject: dots\r\n\r\n.hidden\r\n..two\r\n.\r\nend\r\n' > dots.eml
"$MUGAI" sanitize dots.eml -o dots.out --report dots.json
did=$(json dots.json 'd["id"]')
python3 - "$did" <<EOF2
import sqlite3, sys
db = sqlite3.connect('state3/quarantine/index.sqlite')
db.execute("UPDATE entries SET sender = '', recipients = 'b@example.lg.jp' WHERE id = ?", (sys.argv[1],))
db.commit()
EOF2
"$MUGAI" release -c rel.ini "$did" --reason "test" >/dev/null 2>err.txt
check "release over SMTP keeps lines that start with a dot, from the null sender" \
  "[ $? -eq 0 ] && [ \"\$(json sink/3.json 'd[\"from\"]')\" = '<>' ] && python3 -c \"import sys; sys.exit(open('sink/3.eml','rb').read() != b'From: a@example.jp\\\\nTo: b@example.lg.jp\\\\nSubject: dots\\\\n\\\\n.hidden\\\\n..two\\\\n.\\\\nend')\""
cat > fake-sendmail <<'EOF2'
#!/bin/sh
d=$(dirname "$0")
for a in "$@"; do printf '%s\n' "$a"; done > "$d/sendmail.argv"
cat > "$d/sendmail.in"
EOF2
chmod +x fake-sendmail
printf '[delivery]\nmail = sendmail:%s\n' "$work/fake-sendmail" > sm.ini
python3 - "$pid" <<EOF2
import sqlite3, sys
db = sqlite3.connect('state3/quarantine/index.sqlite')
db.execute("UPDATE entries SET recipients = 'a@city.example.lg.jp,x\$(touch\${IFS}pwned)@e.jp' WHERE id = ?", (sys.argv[1],))
db.commit()
EOF2
"$MUGAI" reprocess -c sm.ini "$pid" --password secret >/dev/null 2>err.txt
check "sendmail delivery: PATH -i -f SENDER -- RCPT..., the mail on stdin, no shell" \
  "[ $? -eq 0 ] && [ \"\$(tr '\\n' ' ' < sendmail.argv)\" = '-i -f sales@takasaki.example.co.jp -- a@city.example.lg.jp x\$(touch\${IFS}pwned)@e.jp ' ] && grep -q '^X-Mugai-Id:' sendmail.in && [ ! -e pwned ]"
python3 - "$pid" <<EOF2
import sqlite3, sys
db = sqlite3.connect('state3/quarantine/index.sqlite')
db.execute("UPDATE entries SET recipients = '-oQ/tmp/x@e.jp' WHERE id = ?", (sys.argv[1],))
db.commit()
EOF2
rm -f sendmail.argv
"$MUGAI" reprocess -c sm.ini "$pid" --password secret >/dev/null 2>err.txt
check "a recipient that looks like an option is refused, sendmail not run" \
  "[ $? -eq 1 ] && grep -q 'not a deliverable address' err.txt && [ ! -e sendmail.argv ]"
cp "$sample" cli.eml
"$MUGAI" sanitize cli.eml -o cli.out --report cli.json
"$MUGAI" reprocess "$(json cli.json 'd["id"]')" -o again.eml
check "reprocess -o FILE writes the new result for an entry with no envelope" \
  "[ $? -eq 0 ] && grep -q '^X-Mugai-Id:' again.eml && ! cmp -s again.eml cli.out"
printf '[delivery]\nmail = ftp://relay\n' > badd.ini
"$MUGAI" config -c badd.ini 2>err.txt
check "[delivery] mail is checked" "[ $? -eq 1 ] && grep -q 'neither smtp' err.txt"
printf '[quarantine]\nallow_release = yes\n' > badr.ini
"$MUGAI" config -c badr.ini 2>err.txt
check "[quarantine] allow_release is checked" "[ $? -eq 1 ] && grep -q 'allow_release' err.txt"
check "the audit chain holds after reprocess and release" "\"$MUGAI\" audit verify >/dev/null"

echo "1..$n"
[ $fails -eq 0 ]
