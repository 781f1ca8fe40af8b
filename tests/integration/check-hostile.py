#!/usr/bin/python3
"""check-hostile.py - check one hostile-corpus case after `mugai sanitize`.

Usage: check-hostile.py summary REPORT.json
           print "VERDICT<TAB>ACTIONS" (the manifest's form: the sorted multiset
           of action:reason_code over every item but the root)
       check-hostile.py outputs OUTDIR KIND
           check the invariants on every file in OUTDIR (KIND: mail or file):
           a mail holds only multipart/mixed, text/plain (UTF-8 that decodes),
           application/pdf (check-pdf.py), image/png|jpeg (check-image.py),
           application/zip (zipcheck.py clean), and no header outside the
           allowlist; no file or decoded part holds a marker (HOSTILE-MARKER-,
           *-MARKER-*), an MZ/ELF header, a <script tag or a live PDF action.
One line per problem on stdout; exit 1 when there is one.
"""

import collections
import email
import email.policy
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
MARKER = re.compile(rb"HOSTILE-MARKER-|[A-Z]+(?:-[A-Z]+)*-MARKER-[0-9a-f]{4}")
HEADERS = {"from", "to", "cc", "reply-to", "subject", "date", "message-id", "in-reply-to", "references",
           "mime-version", "content-type", "content-transfer-encoding", "content-disposition"}


def summary(path):
    d = json.load(open(path, encoding="utf-8"))
    c = collections.Counter("%s:%s" % (i.get("action"), i.get("reason_code"))
                            for i in d.get("items", []) if not (i.get("path") == "0" and i.get("action") == "expanded"))
    acts = " ".join(k if v == 1 else "%s*%d" % (k, v) for k, v in sorted(c.items())) or "-"
    print("%s\t%s" % (d.get("verdict"), acts))


problems = []


def bad(what):
    problems.append(what)


def common(name, data):
    m = MARKER.search(data)
    if m:
        bad("%s: holds marker %r" % (name, m.group(0)))
    if re.search(rb"<script[\s>/]", data, re.I):
        bad("%s: holds a <script tag" % name)


def run(checker, path, name):
    r = subprocess.run([PY, os.path.join(HERE, checker)] + (["clean"] if checker == "zipcheck.py" else []) + [path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    if r.returncode != 0:
        bad("%s: %s: %s" % (name, checker, r.stdout.decode(errors="replace").strip()[:300]))


def check_file(path, name, data):
    common(name, data)
    if data.startswith(b"%PDF"):
        run("check-pdf.py", path, name)
    elif data.startswith(b"\x89PNG") or data.startswith(b"\xff\xd8"):
        run("check-image.py", path, name)
    elif data.startswith(b"PK"):
        run("zipcheck.py", path, name)
    else:
        if data.startswith(b"MZ") or data.startswith(b"\x7fELF"):
            bad("%s: an executable" % name)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            bad("%s: neither a PDF, image nor ZIP, and not UTF-8 text (%s)" % (name, e))


def check_mail(path, tmp):
    raw = open(path, "rb").read()
    common(os.path.basename(path) + " (raw)", raw)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for k in msg.keys():
        if k.lower() not in HEADERS and not k.lower().startswith("x-mugai-"):
            bad("mail header %s not in the allowlist" % k)
    k = 0
    for part in msg.walk():
        ct = part.get_content_type()
        if part.is_multipart():
            if ct != "multipart/mixed":
                bad("container %s" % ct)
            continue
        k += 1
        data = part.get_payload(decode=True) or b""
        name = "part %d (%s, %s)" % (k, ct, part.get_filename())
        if ct == "text/plain":
            cs = part.get_content_charset() or "us-ascii"
            try:
                data.decode("iso-2022-jp" if cs.lower() == "iso-2022-jp" else "utf-8")
            except (UnicodeDecodeError, LookupError) as e:
                bad("%s: does not decode: %s" % (name, e))
            common(name, data)
            if data.startswith(b"MZ") or data.startswith(b"\x7fELF"):
                bad("%s: an executable" % name)
            continue
        if ct not in ("application/pdf", "image/png", "image/jpeg", "application/zip"):
            bad("%s: a type mugai does not write" % name)
            continue
        p = os.path.join(tmp, "part-%d" % k)
        with open(p, "wb") as f:
            f.write(data)
        check_file(p, name, data)


def outputs(outdir, kind):
    tmp = os.path.join(outdir, ".parts")
    os.makedirs(tmp, exist_ok=True)
    for fn in sorted(os.listdir(outdir)):
        p = os.path.join(outdir, fn)
        if fn.startswith(".") or not os.path.isfile(p):
            continue
        data = open(p, "rb").read()
        if kind == "mail":
            check_mail(p, tmp)
        else:
            check_file(p, fn, data)
    for p in problems:
        print("check-hostile: " + p)
    return 1 if problems else 0


def main():
    a = sys.argv[1:]
    if len(a) == 2 and a[0] == "summary":
        summary(a[1])
        return 0
    if len(a) == 3 and a[0] == "outputs":
        return outputs(a[1], a[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
