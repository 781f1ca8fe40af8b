#!/bin/sh
# cli.sh - the CLI contract of `mugai sanitize` (docs/cli.md), end to end
# with the real binary: exit codes, one-line errors, no half-written output,
# batch mode, --as, reports, configuration errors, limits.
set -u
: "${MUGAI:?}" "${SRCDIR:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fails=0
passes=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { if eval "$2"; then ok; else fail "$1"; fi; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

sample="$SRCDIR/tests/fixtures/samples/ja-sample.eml"

# 1. A mail: exit 0, output and report, report has the contract's fields.
"$MUGAI" sanitize "$sample" -o out.eml --report out.json 2>err.txt
check "sanitize sample exits 0" "[ $? -eq 0 ]"
check "output written" "[ -s out.eml ]"
check "report is JSON with the contract's keys" \
  "[ \"\$(json out.json 'set(d) >= {\"id\",\"input\",\"items\",\"verdict\"} and all(k in d[\"input\"] for k in (\"name\",\"size\",\"sha256\")) and all(set((\"path\",\"name\",\"declared_type\",\"detected_type\",\"action\",\"reason\",\"output\")) <= set(i) for i in d[\"items\"])')\" = True ]"
check "verdict delivered" "[ \"\$(json out.json 'd[\"verdict\"]')\" = delivered ]"
check "sha256 matches the input" \
  "[ \"\$(json out.json 'd[\"input\"][\"sha256\"]')\" = \"\$(sha256sum < \"$sample\" | cut -d' ' -f1)\" ]"
check "nothing on stderr" "[ ! -s err.txt ]"
check "output is only text/plain" "\"$MUGAI\" view --strict out.eml >view.txt"
check "X-Mugai-Id equals the report id" \
  "grep -q \"^X-Mugai-Id: \$(json out.json 'd[\"id\"]')\" out.eml"
check "no temporary files left" "[ -z \"\$(ls -A | grep '^\\.')\" ]"

# 2. Unreadable input: exit 1, one line naming the file and why, no output.
"$MUGAI" sanitize missing.eml -o gone.eml --report gone.json 2>err.txt
rc=$?
check "missing input exits 1" "[ $rc -eq 1 ]"
check "one-line error naming the file" "[ \$(wc -l <err.txt) -eq 1 ] && grep -q 'missing.eml' err.txt"
check "no output for a missing input" "[ ! -e gone.eml ] && [ ! -e gone.json ]"

# 3. Usage errors exit 2.
"$MUGAI" sanitize "$sample" 2>err.txt
check "missing -o exits 2" "[ $? -eq 2 ]"
"$MUGAI" sanitize --as pdf "$sample" -o x 2>err.txt
check "bad --as exits 2" "[ $? -eq 2 ] && [ ! -e x ]"
"$MUGAI" frobnicate 2>err.txt
check "unknown command exits 2" "[ $? -eq 2 ]"

# 4. Output directory that does not exist: exit 1, nothing written.
"$MUGAI" sanitize "$sample" -o nodir/out.eml 2>err.txt
check "unwritable output exits 1" "[ $? -eq 1 ] && [ \$(wc -l <err.txt) -eq 1 ]"

# 5. A symbolic link is not followed.
ln -s "$sample" link.eml
"$MUGAI" sanitize link.eml -o l.eml 2>err.txt
check "symlink refused" "[ $? -eq 1 ] && grep -q 'symbolic link' err.txt && [ ! -e l.eml ]"

# 6. --as file on Japanese text: flattened to UTF-8.
printf '\207\100\202\240\202\242\201\140\r\n' > note.txt   # ①あい～ in CP932
"$MUGAI" sanitize --as file note.txt -o note.out --report note.json
check "text file exits 0" "[ $? -eq 0 ]"
check "text output gets its own extension" "[ ! -e note.out ] && [ -s note.out.txt ]"
check "text file flattened to UTF-8" "[ \"\$(cat note.out.txt)\" = '①あい～' ]"
check "report names the file written" "[ \"\$(json note.json 'd[\"items\"][0][\"output\"]')\" = note.out.txt ]"
check "text file verdict delivered" "[ \"\$(json note.json 'd[\"verdict\"]+\" \"+d[\"items\"][0][\"action\"]')\" = 'delivered flattened' ]"

# 7. A binary file: rejected, exit 0, output is the notice, not the bytes.
printf 'MZ\220\0\3\0\0\0\4\0\0\0\377\377\0\0' > tool.bin
head -c 4096 /dev/urandom >> tool.bin
"$MUGAI" sanitize tool.bin -o tool.out --report tool.json
check "binary exits 0 (a result was produced)" "[ $? -eq 0 ]"
check "binary rejected" "[ \"\$(json tool.json 'd[\"verdict\"]')\" = rejected ]"
check "rejected output is the notice, never under the binary's name" \
  "[ ! -e tool.out ] && grep -q '無害化通知' tool.out.txt && ! grep -q '^MZ' tool.out.txt"

# 7b. Flattened HTML never lands under an .html name, where decoded entities
# would be live markup again.
printf '<html><body><p>&lt;script&gt;alert(1)&lt;/script&gt;</p></body></html>\n' > evil.html
"$MUGAI" sanitize --batch -o hb evil.html
check "flattened HTML is written as .txt" "[ ! -e hb/evil.html ] && [ -s hb/evil.html.txt ] && [ -s hb/evil.html.report.json ]"

# 8. Batch: OUTDIR/<name> and <name>.report.json for each input, one process.
mkdir in
cp "$sample" in/a.eml
cp note.txt in/b.txt
"$MUGAI" sanitize --batch -o outdir in/a.eml in/b.txt missing.eml 2>err.txt
rc=$?
check "batch with one unreadable input exits 1" "[ $rc -eq 1 ]"
check "batch wrote the readable ones" \
  "[ -s outdir/a.eml ] && [ -s outdir/a.eml.report.json ] && [ -s outdir/b.txt ] && [ -s outdir/b.txt.report.json ]"
check "batch wrote nothing for the unreadable one" "[ ! -e outdir/missing.eml ]"

# 9. --as mail overrides sniffing; --as file on a mail treats it as text.
"$MUGAI" sanitize --as file "$sample" -o asfile.out --report asfile.json
check "--as file is a file" "[ \"\$(json asfile.json 'd[\"input\"][\"kind\"]')\" = file ]"

# 10. Configuration: unknown keys and bad values are one-line errors.
printf '[limits]\nmax_dpeth = 3\n' > bad.ini
"$MUGAI" sanitize -c bad.ini "$sample" -o c.eml 2>err.txt
check "unknown key exits 1 naming it" "[ $? -eq 1 ] && grep -q max_dpeth err.txt && [ ! -e c.eml ]"
printf '[limits]\nmax_message_size = lots\n' > bad2.ini
"$MUGAI" sanitize -c bad2.ini "$sample" -o c.eml 2>err.txt
check "bad size exits 1" "[ $? -eq 1 ] && grep -q max_message_size err.txt"

# 11. Limits: a mail over max_message_size is rejected with a notice that
# still reaches its recipients.
printf '[limits]\nmax_message_size = 2K\n' > small.ini
"$MUGAI" sanitize -c small.ini "$sample" -o big.eml --report big.json
check "oversize exits 0" "[ $? -eq 0 ]"
check "oversize rejected by size-limit" \
  "[ \"\$(json big.json 'd[\"verdict\"]+\" \"+d[\"reason_code\"]')\" = 'rejected size-limit' ]"
check "oversize notice keeps the recipients" "grep -q '^To: ' big.eml"
check "oversize sha256 is of the whole input" \
  "[ \"\$(json big.json 'd[\"input\"][\"sha256\"]')\" = \"\$(sha256sum < \"$sample\" | cut -d' ' -f1)\" ]"

# 12. The state directory: MUGAI_STATE_DIR overrides the configuration.
check "MUGAI_STATE_DIR wins" "MUGAI_STATE_DIR=/tmp/x \"$MUGAI\" config | grep -q 'state_dir = /tmp/x'"

# 13. Standard output.
check "-o - writes the mail to stdout" "\"$MUGAI\" sanitize \"$sample\" -o - | grep -q '^X-Mugai-Verdict: delivered'"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
