"""fixture_files - write generated fixtures only when they change.

Shared by gen-mail-fixtures.py and gen-doc-fixtures.py: each yields
(path, bytes) pairs; with --check nothing is written and a stale file is an
error, so a test or a reviewer can tell that the committed fixtures are what
the script makes.
"""
import os
import sys


def sync(outputs, root, check):
    """Write each (path, data) of OUTPUTS that differs from the file on disk
    (atomically), or with CHECK only report it; returns how many differed."""
    stale = 0
    for path, data in outputs:
        try:
            with open(path, "rb") as f:
                same = f.read() == data
        except FileNotFoundError:
            same = False
        if same:
            continue
        stale += 1
        if check:
            print("out of date: %s" % os.path.relpath(path, root), file=sys.stderr)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        print("wrote %s (%d bytes)" % (os.path.relpath(path, root), len(data)))
    return stale
