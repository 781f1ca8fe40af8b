#!/usr/bin/env python3
"""check-text-only.py OUTDIR INPUT-LIST - every input has a sanitised mail and
a report in OUTDIR, and every sanitised mail holds only parts mugai writes
(multipart/mixed as the container): text/plain in UTF-8 that decodes
cleanly, and the images and PDFs it re-encodes - each checked to be that
format, with no metadata segment and nothing after its end."""
import email
import email.policy
import json
import os
import re
import struct
import sys



def png_problem(data):
    """None when DATA is a PNG of only the chunks mugai writes, ending at IEND"""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "not a PNG"
    i = 8
    while i + 12 <= len(data):
        n = struct.unpack(">I", data[i:i + 4])[0]
        kind = data[i + 4:i + 8]
        if kind not in (b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"):
            return f"chunk {kind!r}"
        i += 12 + n
        if kind == b"IEND":
            return None if i == len(data) else "bytes after IEND"
    return "no IEND"


def jpeg_problem(data):
    """None when DATA is a JPEG with no APPn but JFIF, no comment, ending at EOI"""
    if not data.startswith(b"\xff\xd8"):
        return "not a JPEG"
    if not data.endswith(b"\xff\xd9"):
        return "bytes after EOI"
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return None
        n = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker == 0xFE or (0xE1 <= marker <= 0xEF):
            return f"marker {marker:#x}"
        if marker == 0xE0 and not data[i + 4:i + 9] == b"JFIF\0":
            return "APP0 that is not JFIF"
        i += 2 + n
    return "no scan"


def pdf_problem(data):
    """None when DATA looks like the image-only PDF mugai writes"""
    if not data.startswith(b"%PDF-") or not data.rstrip().endswith(b"%%EOF"):
        return "not a PDF"
    # Image data may hold any bytes: look only outside the streams.
    outside = re.sub(rb"stream\r?\n.*?\nendstream", b"", data, flags=re.S)
    for key in (b"/Font", b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/Annots",
                b"/EmbeddedFiles", b"/URI"):
        if key in outside:
            return f"has {key.decode()}"
    return None


BUILT = {"image/png": png_problem, "image/jpeg": jpeg_problem, "application/pdf": pdf_problem}

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
        payload = part.get_payload(decode=True) or b""
        if ctype in BUILT:
            why = BUILT[ctype](payload)
            if why:
                bad.append(f"{base}: {ctype} part: {why}")
            continue
        if ctype != "text/plain":
            bad.append(f"{base}: part {ctype}")
            continue
        cs = (part.get_content_charset() or "us-ascii").lower()
        try:
            payload.decode("utf-8" if cs in ("utf-8", "us-ascii") else cs)
        except (UnicodeDecodeError, LookupError) as e:
            bad.append(f"{base}: {cs} text does not decode: {e}")
for b in bad[:50]:
    print(b)
print(f"{n} inputs, {len(bad)} problems, verdicts {verdicts}")
sys.exit(1 if bad or n == 0 else 0)
