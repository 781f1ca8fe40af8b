#!/usr/bin/python3
"""zipcheck.py - look inside a ZIP that mugai rebuilt from an archive.

Usage: zipcheck.py list ZIP               every member, one a line, a nested
                                          ZIP's members as OUTER!INNER
       zipcheck.py extract ZIP PATH OUT   write member PATH (OUTER!INNER) to OUT
       zipcheck.py clean ZIP [-v]         assert it holds only what mugai writes

`clean` fails (exit 1, one line per problem on stdout) unless, recursively:
  - every name is a relative path of non-empty components, none "." or "..",
    no backslash, no drive letter, no control or bidi character, no two
    names equal when case is ignored, and a name with non-ASCII characters
    has the UTF-8 flag (bit 11) set;
  - every entry is a regular file (no symlink or device mode), not encrypted;
  - every member is one of: a PDF that passes check-pdf.py (image-only, no
    fonts, no active content), a PNG or JPEG that passes check-image.py
    (re-encoded, no metadata, nothing appended), a ZIP that is itself
    clean, or UTF-8 text without control characters named *.txt;
  - no member holds a fixture marker string (*-MARKER-*, 198.51.100.7).
The checkers are run with the Python running this script, from its own
directory.
"""

import io
import os
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
MARKERS = (b"MARKER-", b"198.51.100.7")
BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")


def members(z, prefix=""):
    """(path, ZipInfo, bytes) for every member, nested ZIPs expanded."""
    for info in z.infolist():
        data = z.read(info)
        path = prefix + info.filename
        yield path, info, data
        if data[:4] == b"PK\x03\x04":
            yield from members(zipfile.ZipFile(io.BytesIO(data)), path + "!")


def name_problems(info):
    name = info.filename
    out = []
    parts = name.split("/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        out.append("absolute")
    if any(p in ("", ".", "..") for p in parts):
        out.append("an empty, '.' or '..' component")
    if "\\" in name:
        out.append("a backslash")
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in BIDI for c in name):
        out.append("a control or bidi character")
    if not name.isascii() and not info.flag_bits & 0x800:
        out.append("non-ASCII without the UTF-8 flag")
    return out


def check_member(path, info, data, tmp, verbose):
    problems = []
    mode = info.external_attr >> 16
    if mode and (mode & 0o170000) != 0o100000:
        problems.append("not a regular file (mode %o)" % mode)
    if info.flag_bits & 1:
        problems.append("encrypted")
    for m in MARKERS:
        if m in data:
            problems.append("holds the marker %r" % m)
    if data[:4] == b"PK\x03\x04":
        return problems          # its members are checked in their turn
    if data[:5] == b"%PDF-":
        checker, suffix = "check-pdf.py", ".pdf"
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        checker, suffix = "check-image.py", ".png"
    elif data[:3] == b"\xff\xd8\xff":
        checker, suffix = "check-image.py", ".jpg"
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return problems + ["neither PDF, PNG, JPEG, ZIP nor UTF-8 text"]
        bad = [c for c in text if (ord(c) < 32 and c not in "\t\n") or c in BIDI]
        if bad:
            problems.append("text with control characters %r" % bad[:3])
        if not path.endswith(".txt"):
            problems.append("text not named .txt")
        return problems
    f = os.path.join(tmp, "member" + suffix)
    with open(f, "wb") as out:
        out.write(data)
    p = subprocess.run([sys.executable, os.path.join(HERE, checker), f], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if p.returncode != 0:
        problems.append("%s: %s" % (checker, p.stdout.decode(errors="replace").strip()))
    elif verbose:
        print("# %s: %s ok" % (path, checker))
    return problems


def clean(path, verbose):
    failures = []
    seen = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mpath, info, data in members(zipfile.ZipFile(path)):
            prefix = mpath[:len(mpath) - len(info.filename)]
            key = prefix + info.filename.casefold()
            if key in seen:
                failures.append("%s: a second member of that name" % mpath)
            seen[key] = True
            for p in name_problems(info) + check_member(mpath, info, data, tmp, verbose):
                failures.append("%s: %s" % (mpath, p))
    for f in failures:
        print("zipcheck: %s: %s" % (path, f))
    return 1 if failures else 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "list":
        for mpath, _, _ in members(zipfile.ZipFile(argv[2])):
            print(mpath)
        return 0
    if len(argv) == 5 and argv[1] == "extract":
        for mpath, _, data in members(zipfile.ZipFile(argv[2])):
            if mpath == argv[3]:
                with open(argv[4], "wb") as f:
                    f.write(data)
                return 0
        print("zipcheck: %s: no member %s" % (argv[2], argv[3]))
        return 1
    if len(argv) >= 3 and argv[1] == "clean":
        return clean(argv[2], "-v" in argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
