#!/usr/bin/env python3
"""check-text-only.py OUTDIR INPUT-LIST - every input has a sanitised mail and
a report in OUTDIR, and every sanitised mail holds only text/plain parts
(multipart/mixed as the container), in UTF-8 that decodes cleanly."""
import email
import email.policy
import json
import os
import sys

outdir, listing = sys.argv[1], sys.argv[2]
bad = []
n = 0
verdicts = {}
for line in open(listing, encoding="utf-8"):
    path = line.rstrip("\n")
    if not path:
        continue
    n += 1
    base = os.path.basename(path)
    out = os.path.join(outdir, base)
    rep = out + ".report.json"
    if not (os.path.isfile(out) and os.path.isfile(rep)):
        bad.append(f"{base}: no result")
        continue
    report = json.load(open(rep, encoding="utf-8"))
    verdicts[report["verdict"]] = verdicts.get(report["verdict"], 0) + 1
    if report["input"]["kind"] != "mail":
        bad.append(f"{base}: not processed as a mail")
    with open(out, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.compat32)
    for part in msg.walk():
        ctype = part.get_content_type()
        if part.is_multipart():
            if ctype != "multipart/mixed":
                bad.append(f"{base}: container {ctype}")
            continue
        if ctype != "text/plain":
            bad.append(f"{base}: part {ctype}")
            continue
        payload = part.get_payload(decode=True) or b""
        cs = (part.get_content_charset() or "us-ascii").lower()
        try:
            payload.decode("utf-8" if cs in ("utf-8", "us-ascii") else cs)
        except (UnicodeDecodeError, LookupError) as e:
            bad.append(f"{base}: {cs} text does not decode: {e}")
for b in bad[:50]:
    print(b)
print(f"{n} inputs, {len(bad)} problems, verdicts {verdicts}")
sys.exit(1 if bad or n == 0 else 0)
