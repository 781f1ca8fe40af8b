#!/usr/bin/python3
"""check-pdf.py - assert that a PDF is an image-only PDF as mugai must write it.

Usage: check-pdf.py OUT.pdf [--like ORIG.pdf] [--password P] [--like-ref DIR]
                    [--looks-only] [--threshold T] [-v]
       check-pdf.py --make-ref DIR ORIG.pdf [--password P] [-v]

Fails (exit 1, one line on stdout: "check-pdf: OUT.pdf: reason") unless OUT.pdf
  - passes `qpdf --check` without warnings, and is not encrypted;
  - holds no font (`pdffonts` lists none, and no /Font key or value anywhere);
  - holds none of the active or hidden things a sanitiser must drop: no key
    /JavaScript /JS /OpenAction /AA /Annots /AcroForm /EmbeddedFiles /URI
    /Launch /Names /Metadata /A /XFA /Outlines ... and no name value such as
    /JavaScript /Launch /URI /Link /Widget /EmbeddedFile (qpdf --json walk of
    every object and the trailer);
  - contains none of the fixture marker strings, in the file bytes or in the
    decompressed file (qpdf --qdf --stream-data=uncompress);
  - has, on every page, at least one image (pdfimages -list) and content
    streams (page and form XObjects) using only image/graphics-state/path
    operators: no text operator (BT, Tj, ...), no BX/EX, nothing unknown;
  - gives no text to pdftotext.
With --like ORIG.pdf (ORIG opened with --password P when given):
  - same page count, every page the same size within 0.5 pt (pdfinfo);
  - both rendered with `pdftocairo -gray -r 80`, averaged 8x8 (10 dpi): on
    every page, no 0.8-inch tile differs by a mean of THRESHOLD (21) grey
    levels or more (see the calibration note below). -v prints per page the
    mean difference and the worst tile (and where it is).
With --like-ref DIR: the same comparison, but against a committed reference
  instead of a render of ORIG made now: DIR holds the page sizes (pages.txt)
  and, per page, the 10-dpi grid of ORIG's render (page-K.pgm) as --make-ref
  wrote them. A render of ORIG made on the test machine is blind to the
  machine's fonts: without CJK fonts both sides are tofu (or blank) and agree;
  the reference was made where the fonts are known to be right.
With --looks-only: only the page count, sizes and looks (--like, --like-ref);
  none of the image-only checks, so a PDF that is not a mugai output (the
  original itself, a pdftocairo -pdf re-print) can be scored.
--make-ref DIR ORIG.pdf renders ORIG as --like would and writes DIR/pages.txt
  and DIR/page-K.pgm (binary PGM, one grey byte per 0.1-inch cell).
Exit 2 on usage errors or a missing tool. Needs the standard library, qpdf
and poppler-utils; Pillow, when importable, only speeds up reading renders.
"""

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

# How pages are compared (--like, --like-ref). Both documents are rendered by
# pdftocairo, the same cairo backend as poppler-glib (Splash, pdftoppm's backend, strokes
# thin rules and hints glyphs differently: a faithful cairo re-render then
# measured up to 28 against 42 for a page without its text). The renders are
# averaged 8x8 (coverage, so a rule and a downsampled raster of it agree), and
# the worst 0.8-inch tile decides: a missing heading or a wrong page number is
# local, and a page mean would dilute it in white space.
# Calibrated on tests/fixtures/docs:
# faithful re-renders (poppler-glib+cairo at 72-300 dpi, pdftoppm rasters as
# JPEG or Flate at 75-200 dpi) score at most 10.9; a page with its Japanese
# text missing or drawn as tofu boxes (no CJK font) scores 41.2 or more, a
# neighbouring page of many-pages.pdf (pages out of order) 60 or more.
# Against the committed reference tests/fixtures/docs/ja-3pages.ref
# (--like-ref; its README has the table): mugai's output 5.2, the original
# drawn in IPAMincho where the reference has IPAGothic 18.2, without CJK fonts
# (tofu) 41.5 or more, with its Japanese blank 43.2 or more.
RENDER_DPI = 80        # pdftocairo resolution of both documents
BOX = 8                # averaged 8x8: a 10 dpi grid
TILE = 8               # compared in 8x8-cell tiles of that grid (0.8 inch)
THRESHOLD = 21.0       # worst tile's mean abs grey difference (0-255) must stay below
SIZE_TOLERANCE = 0.5

MARKERS = [b"EMBEDDED-MARKER-7f3a", b"METADATA-MARKER-51c2", b"AUTHOR-MARKER-9d04",
           b"JS-MARKER-a5e7", b"EXIF-MARKER-2b8e", b"XMP-MARKER-4a17",
           b"COMMENT-MARKER-80b5", b"TRAILER-MARKER-c3d1", b"PNG-TEXT-MARKER-6e11",
           b"198.51.100.7"]

FORBIDDEN_KEYS = {
    "Font", "FontFile", "FontFile2", "FontFile3", "FontDescriptor", "DescendantFonts",
    "JavaScript", "JS", "OpenAction", "AA", "A", "Annots", "AcroForm", "XFA",
    "EmbeddedFiles", "EF", "URI", "Launch", "Names", "Dests", "Outlines", "Threads",
    "Metadata", "PieceInfo", "StructTreeRoot", "Collection", "RichMediaContent",
    "SubmitForm", "ImportData", "Encrypt",
}
FORBIDDEN_NAMES = {
    "Font", "FontDescriptor", "JavaScript", "Launch", "URI", "GoToR", "GoToE",
    "SubmitForm", "ImportData", "ResetForm", "RichMedia", "Sound", "Movie",
    "Rendition", "Hide", "Named", "Link", "Widget", "FileAttachment", "Annot",
    "Action", "EmbeddedFile", "Filespec", "Metadata", "XML", "Sig", "Screen",
    "3D",
}
ALLOWED_OPS = {
    b"q", b"Q", b"cm", b"Do", b"gs", b"re", b"W", b"W*", b"n",
    b"m", b"l", b"c", b"v", b"y", b"h", b"f", b"F", b"f*", b"S", b"s",
    b"B", b"B*", b"b", b"b*", b"g", b"G", b"rg", b"RG", b"k", b"K",
    b"cs", b"CS", b"sc", b"SC", b"scn", b"SCN", b"w", b"J", b"j", b"M",
    b"d", b"i", b"ri", b"BI", b"ID", b"EI",
}


class Fail(Exception):
    pass


def run(args, check=True, binary=False):
    try:
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        print("check-pdf: %s is not installed" % args[0])
        sys.exit(2)
    if check and p.returncode != 0:
        err = p.stderr.decode("utf-8", "replace").strip().splitlines()
        raise Fail("%s failed (status %d): %s" % (
            " ".join(os.path.basename(a) for a in args[:2]), p.returncode,
            err[0] if err else ""))
    return p if binary else p.stdout.decode("utf-8", "replace")


# --- structure --------------------------------------------------------------

def walk(value, where, problems):
    if isinstance(value, dict):
        for k, v in value.items():
            if k.startswith("/") and k[1:] in FORBIDDEN_KEYS:
                problems.append("key %s in %s" % (k, where))
            walk(v, where, problems)
    elif isinstance(value, list):
        for v in value:
            walk(v, where, problems)
    elif isinstance(value, str) and value.startswith("/") and value[1:] in FORBIDDEN_NAMES:
        problems.append("name %s in %s" % (value, where))


def qpdf_objects(path):
    out = run(["qpdf", "--json=2", "--json-key=qpdf", "--json-stream-data=none", path])
    doc = json.loads(out)
    objs = doc["qpdf"][1]
    return objs


def check_structure(path):
    objs = qpdf_objects(path)
    problems = []
    forms = []
    for name, obj in objs.items():
        if "stream" in obj:
            d = obj["stream"].get("dict", {})
            walk(d, name, problems)
            if d.get("/Subtype") == "/Form":
                forms.append(name)
        else:
            walk(obj.get("value"), name, problems)
    if problems:
        raise Fail("forbidden %s%s" % (problems[0], " (and %d more)" % (len(problems) - 1)
                                       if len(problems) > 1 else ""))
    return objs, forms


def content_tokens(data):
    """Yield operators of a content stream (operands skipped)."""
    i, n = 0, len(data)
    ws = b" \t\r\n\f\0"
    delim = b"()<>[]{}/%"
    while i < n:
        c = data[i:i + 1]
        if c in (b" ", b"\t", b"\r", b"\n", b"\f", b"\0"):
            i += 1
        elif c == b"%":
            while i < n and data[i:i + 1] not in (b"\r", b"\n"):
                i += 1
        elif c == b"(":
            depth = 0
            while i < n:
                ch = data[i:i + 1]
                if ch == b"\\":
                    i += 2
                    continue
                if ch == b"(":
                    depth += 1
                elif ch == b")":
                    depth -= 1
                    if depth == 0:
                        i += 1
                        break
                i += 1
        elif data[i:i + 2] in (b"<<", b">>"):
            i += 2
        elif c == b"<":
            j = data.find(b">", i)
            i = n if j < 0 else j + 1
        elif c in (b"[", b"]", b"{", b"}", b">"):
            i += 1
        elif c == b"/":
            i += 1
            while i < n and data[i:i + 1] not in ws and data[i:i + 1] not in delim:
                i += 1
        else:
            j = i
            while j < n and data[j:j + 1] not in ws and data[j:j + 1] not in delim:
                j += 1
            tok = data[i:j]
            i = j if j > i else i + 1
            if not tok or re.fullmatch(rb"[+-]?(\d+\.?\d*|\.\d+)", tok) or tok in (b"true", b"false", b"null"):
                continue
            yield tok
            if tok == b"ID":
                # inline image data: skip to whitespace EI whitespace
                m = re.compile(rb"[\s]EI(?=[\s]|$)").search(data, i + 1)
                if not m:
                    yield b"<unterminated inline image>"
                    return
                i = m.end()
                yield b"EI"


def stream_data(path, objname):
    num = objname.split(":")[1].split()[0]
    p = run(["qpdf", "--show-object=" + num, "--filtered-stream-data", path], binary=True)
    return p.stdout


def check_contents(path, forms):
    pages = json.loads(run(["qpdf", "--json=2", "--json-key=pages", path]))["pages"]
    streams = []
    for pg in pages:
        for ref in pg["contents"]:
            streams.append(("page %d" % pg["pageposfrom1"], "obj:" + ref))
    for f in forms:
        streams.append(("form XObject %s" % f[4:], f))
    for where, name in streams:
        data = stream_data(path, name)
        for op in content_tokens(data):
            if op not in ALLOWED_OPS:
                raise Fail("operator %r in the content of %s (only image and graphics "
                           "operators allowed)" % (op.decode("latin-1"), where))
    return len(pages)


def check_images(path, npages):
    out = run(["pdfimages", "-list", path]).splitlines()[2:]
    per_page = {}
    for line in out:
        f = line.split()
        if len(f) > 2 and f[2] == "image":
            per_page[int(f[0])] = per_page.get(int(f[0]), 0) + 1
    for k in range(1, npages + 1):
        if not per_page.get(k):
            raise Fail("page %d has no image" % k)
    return sum(per_page.values())


def check_markers(path, tmp):
    raw = open(path, "rb").read()
    qdf = os.path.join(tmp, "qdf.pdf")
    run(["qpdf", "--qdf", "--object-streams=disable", "--stream-data=uncompress",
         "--decode-level=generalized", path, qdf])
    dec = open(qdf, "rb").read()
    for m in MARKERS:
        if m in raw or m in dec:
            raise Fail("marker %s found in the output" % m.decode())


# --- pages and renders ------------------------------------------------------

def page_sizes(path, password=None):
    pw = ["-upw", password] if password else []
    info = run(["pdfinfo"] + pw + [path])
    m = re.search(r"^Pages:\s+(\d+)", info, re.M)
    if not m:
        raise Fail("pdfinfo gives no page count for %s" % path)
    n = int(m.group(1))
    info = run(["pdfinfo"] + pw + ["-f", "1", "-l", str(n), path])
    sizes = [(float(a), float(b)) for a, b in
             re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)]
    if len(sizes) != n:
        raise Fail("pdfinfo lists %d page sizes for %d pages in %s" % (len(sizes), n, path))
    return sizes


def png_gray(path):
    """(width, height, bytes) of an 8-bit greyscale PNG as pdftocairo -gray
    writes it; Pillow when available, else a small decoder."""
    try:
        from PIL import Image
        im = Image.open(path)
        im = im.convert("L")
        return im.width, im.height, im.tobytes()
    except ImportError:
        pass
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise Fail("pdftocairo wrote an unreadable PNG %s" % path)
    i, idat, w = 8, b"", 0
    while i < len(data):
        n, typ = struct.unpack(">I4s", data[i:i + 8])
        body = data[i + 8:i + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (0, 4) or interlace:
                raise Fail("unexpected PNG format from pdftocairo (install python3-pil)")
            bpp = 1 if ctype == 0 else 2
        elif typ == b"IDAT":
            idat += body
        i += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    out = bytearray()
    prev = bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        cur = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for x in range(bpp, stride):
                cur[x] = (cur[x] + cur[x - bpp]) & 0xFF
        elif f == 2:
            cur = bytearray((c + p) & 0xFF for c, p in zip(cur, prev))
        elif f == 3:
            for x in range(stride):
                left = cur[x - bpp] if x >= bpp else 0
                cur[x] = (cur[x] + ((left + prev[x]) >> 1)) & 0xFF
        elif f == 4:
            for x in range(stride):
                a = cur[x - bpp] if x >= bpp else 0
                b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                cur[x] = (cur[x] + pr) & 0xFF
        out += cur[::bpp] if bpp == 2 else cur
        prev = cur
    return w, h, bytes(out)


def render(path, prefix, password=None):
    pw = ["-upw", password] if password else []
    run(["pdftocairo", "-png", "-gray", "-r", str(RENDER_DPI)] + pw + [path, prefix])
    d = os.path.dirname(prefix)
    base = os.path.basename(prefix) + "-"
    files = sorted((f for f in os.listdir(d) if f.startswith(base) and f.endswith(".png")),
                   key=lambda f: int(f[len(base):-4]))
    return [os.path.join(d, f) for f in files]


def box_down(w, h, px, cw, ch, k):
    """Crop to cw x ch, then average k x k blocks (area coverage, like a
    scanner): thin vector lines and a downsampled raster of them agree."""
    W, H = cw // k, ch // k
    out = bytearray(W * H)
    kk = k * k
    for Y in range(H):
        col = [0] * (W * k)
        for j in range(k):
            row = px[(Y * k + j) * w:(Y * k + j) * w + W * k]
            col = [c + v for c, v in zip(col, row)]
        for X in range(W):
            out[Y * W + X] = (sum(col[X * k:(X + 1) * k]) + kk // 2) // kk
    return W, H, out


def grid(img):
    """A render (w, h, px) as its BOX-averaged grid: (w, h, W, H, cells),
    w x h the render's size in pixels, W x H the grid's (cells cover whole
    BOX x BOX blocks from the top left; a partial last row or column is
    dropped). What --make-ref stores and --like-ref compares with."""
    w, h, px = img
    W, H, q = box_down(w, h, px, w, h, BOX)
    return w, h, W, H, q


def crop_grid(W, q, cw, ch):
    if cw == W:
        return q[:cw * ch]
    return b"".join(q[y * W:y * W + cw] for y in range(ch))


def compare_grids(a, b):
    """(mean abs grey difference of the page, worst tile's mean, worst
    tile's top-left cell (x, y)) of two grids; tiles of TILE x TILE cells,
    edge tiles when at least half a tile."""
    (wa, ha, Wa, Ha, qa), (wb, hb, Wb, Hb, qb) = a, b
    if abs(wa - wb) > BOX or abs(ha - hb) > BOX:
        raise Fail("rendered pages differ in size: %dx%d vs %dx%d px" % (wa, ha, wb, hb))
    W, H = min(Wa, Wb), min(Ha, Hb)   # = box_down of both cropped to the smaller render
    qa, qb = crop_grid(Wa, qa, W, H), crop_grid(Wb, qb, W, H)
    diff = [abs(x - y) for x, y in zip(qa, qb)]
    whole = sum(diff) / float(len(diff))
    worst, at = 0.0, (0, 0)
    for ty in range(0, H, TILE):
        for tx in range(0, W, TILE):
            th, tw = min(TILE, H - ty), min(TILE, W - tx)
            if th * tw * 2 < TILE * TILE:
                continue
            t = sum(sum(diff[(ty + y) * W + tx:(ty + y) * W + tx + tw]) for y in range(th))
            if t / float(th * tw) > worst:
                worst, at = t / float(th * tw), (tx, ty)
    return whole, worst, at


def compare(a, b):
    """compare_grids of two renders (w, h, px)."""
    return compare_grids(grid(a), grid(b))


def check_sizes(so, sl, what):
    if len(so) != len(sl):
        raise Fail("%d pages, %s has %d" % (len(so), what, len(sl)))
    for k, (a, b) in enumerate(zip(so, sl), 1):
        if abs(a[0] - b[0]) > SIZE_TOLERANCE or abs(a[1] - b[1]) > SIZE_TOLERANCE:
            raise Fail("page %d is %gx%g pt, %s %gx%g pt" % (k, a[0], a[1], what, b[0], b[1]))


def judge(pairs, threshold, what, verbose):
    """Compare (grid, grid) pairs page by page; Fail unless every page's
    worst tile stays below threshold. Returns the worst tile scores."""
    scores = []
    for k, (a, b) in enumerate(pairs, 1):
        whole, tile, (tx, ty) = compare_grids(a, b)
        scores.append(tile)
        if verbose:
            print("  page %d: mean abs grey diff %.2f, worst tile %.1f at %.1f,%.1f in" % (
                k, whole, tile, tx * BOX / float(RENDER_DPI), ty * BOX / float(RENDER_DPI)))
    bad = [k for k, v in enumerate(scores) if v >= threshold]
    if bad:
        k = bad[0]
        raise Fail("page %d does not look like %s: a %.1f-inch square differs by "
                   "%.1f grey levels on average (limit %.1f)%s" % (
                       k + 1, what, TILE * BOX / float(RENDER_DPI), scores[k], threshold,
                       "; %d more pages differ" % (len(bad) - 1) if len(bad) > 1 else ""))
    return scores


def check_like(out, orig, password, threshold, tmp, verbose):
    so = page_sizes(out)
    sl = page_sizes(orig, password)
    check_sizes(so, sl, "the original")
    ro = render(out, os.path.join(tmp, "out"))
    rl = render(orig, os.path.join(tmp, "orig"), password)
    if len(ro) != len(so) or len(rl) != len(sl):
        raise Fail("pdftocairo rendered %d and %d pages, expected %d" % (len(ro), len(rl), len(so)))
    pairs = ((grid(png_gray(a)), grid(png_gray(b))) for a, b in zip(ro, rl))
    return so, judge(pairs, threshold, "the original", verbose)


# --- committed references (--make-ref, --like-ref) ---------------------------

REF_INDEX = "pages.txt"


def write_pgm(path, W, H, cells, comment):
    with open(path, "wb") as f:
        f.write(b"P5\n# %s\n%d %d\n255\n" % (comment.encode("ascii"), W, H))
        f.write(cells)


def read_pgm(path):
    """(W, H, cells) of a binary 8-bit PGM (P5, maxval 255, # comments)."""
    data = open(path, "rb").read()
    fields, i = [], 0
    while len(fields) < 4:
        while i < len(data) and data[i:i + 1].isspace():
            i += 1
        if data[i:i + 1] == b"#":
            while i < len(data) and data[i:i + 1] not in b"\r\n":
                i += 1
            continue
        j = i
        while j < len(data) and not data[j:j + 1].isspace() and data[j:j + 1] != b"#":
            j += 1
        if j == i:
            raise Fail("reference %s: truncated PGM header" % path)
        fields.append(data[i:j])
        i = j
    try:
        W, H, maxval = int(fields[1]), int(fields[2]), int(fields[3])
    except ValueError:
        raise Fail("reference %s: bad PGM header" % path)
    cells = data[i + 1:]
    if fields[0] != b"P5" or maxval != 255 or len(cells) != W * H or W < 1 or H < 1:
        raise Fail("reference %s: not a %dx%d 8-bit binary PGM" % (path, W, H))
    return W, H, cells


def make_ref(refdir, orig, password, tmp, verbose):
    sizes = page_sizes(orig, password)
    shots = render(orig, os.path.join(tmp, "orig"), password)
    if len(shots) != len(sizes):
        raise Fail("pdftocairo rendered %d pages, expected %d" % (len(shots), len(sizes)))
    pv = run(["pdftocairo", "-v"], check=False, binary=True)
    version = (pv.stdout + pv.stderr).decode("utf-8", "replace").strip().splitlines()
    version = version[0] if version else "pdftocairo"
    os.makedirs(refdir, exist_ok=True)
    for f in os.listdir(refdir):
        if re.fullmatch(r"page-\d+\.pgm", f):
            os.remove(os.path.join(refdir, f))
    lines = ["# check-pdf.py --make-ref of %s: %s -png -gray -r %d, averaged %dx%d" % (
                 os.path.basename(orig), version, RENDER_DPI, BOX, BOX),
             "# page width_pt height_pt render_w_px render_h_px grid_w grid_h"]
    for k, (shot, (wpt, hpt)) in enumerate(zip(shots, sizes), 1):
        w, h, W, H, q = grid(png_gray(shot))
        write_pgm(os.path.join(refdir, "page-%d.pgm" % k), W, H, q,
                  "%s page %d, %dx%d px at %d dpi averaged %dx%d" % (
                      os.path.basename(orig), k, w, h, RENDER_DPI, BOX, BOX))
        lines.append("%d %g %g %d %d %d %d" % (k, wpt, hpt, w, h, W, H))
        if verbose:
            print("  page %d: %gx%g pt, render %dx%d px, grid %dx%d" % (k, wpt, hpt, w, h, W, H))
    with open(os.path.join(refdir, REF_INDEX), "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    return len(shots)


def load_ref(refdir):
    """([(w_pt, h_pt)], [grid]) of a --make-ref directory."""
    path = os.path.join(refdir, REF_INDEX)
    try:
        text = open(path, encoding="ascii").read()
    except (OSError, UnicodeDecodeError) as e:
        raise Fail("reference %s: %s" % (path, e))
    sizes, grids = [], []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split()
        try:
            k, wpt, hpt = int(f[0]), float(f[1]), float(f[2])
            w, h, W, H = (int(v) for v in f[3:7])
        except (IndexError, ValueError):
            raise Fail("reference %s: bad line %r" % (path, line))
        if k != len(sizes) + 1:
            raise Fail("reference %s: page %d listed where page %d belongs" % (
                path, k, len(sizes) + 1))
        gw, gh, cells = read_pgm(os.path.join(refdir, "page-%d.pgm" % k))
        if (gw, gh) != (W, H) or (W, H) != (w // BOX, h // BOX):
            raise Fail("reference page %d: a %dx%d grid, %s says %dx%d (render %dx%d)" % (
                k, gw, gh, REF_INDEX, W, H, w, h))
        sizes.append((wpt, hpt))
        grids.append((w, h, W, H, cells))
    if not sizes:
        raise Fail("reference %s lists no page" % path)
    return sizes, grids


def check_like_ref(out, refdir, threshold, tmp, verbose):
    sl, gl = load_ref(refdir)
    so = page_sizes(out)
    check_sizes(so, sl, "the reference")
    ro = render(out, os.path.join(tmp, "out"))
    if len(ro) != len(so):
        raise Fail("pdftocairo rendered %d pages, expected %d" % (len(ro), len(so)))
    pairs = ((grid(png_gray(a)), b) for a, b in zip(ro, gl))
    return so, judge(pairs, threshold, "the reference", verbose)


def check_image_only(out, tmp):
    """The checks of an image-only PDF as mugai writes it; a summary line."""
    pc = subprocess.run(["qpdf", "--check", out], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE)
    lines = (pc.stdout + pc.stderr).decode("utf-8", "replace").strip().splitlines()
    if pc.returncode != 0:
        msg = [l for l in lines if "WARNING" in l or "rror" in l]
        raise Fail("qpdf --check status %d: %s" % (pc.returncode, (msg or lines or [""])[0]))
    if "File is not encrypted" not in lines:
        raise Fail("encrypted")
    fonts = run(["pdffonts", out]).splitlines()[2:]
    if any(l.strip() for l in fonts):
        raise Fail("pdffonts lists a font: %s" % fonts[0].split()[0])
    objs, forms = check_structure(out)
    check_markers(out, tmp)
    npages = check_contents(out, forms)
    nimages = check_images(out, npages)
    text = run(["pdftotext", "-enc", "UTF-8", out, "-"])
    if text.strip():
        raise Fail("pdftotext extracts text: %r" % text.strip()[:40])
    return "%d pages, %d images, no fonts, no active content, no markers" % (
        npages, nimages)


def main(argv):
    args = argv[1:]
    like = password = like_ref = make = None
    threshold = THRESHOLD
    verbose = looks_only = False
    out = None
    try:
        while args:
            a = args.pop(0)
            if a == "--like":
                like = args.pop(0)
            elif a == "--like-ref":
                like_ref = args.pop(0)
            elif a == "--make-ref":
                make = args.pop(0)
            elif a == "--looks-only":
                looks_only = True
            elif a == "--password":
                password = args.pop(0)
            elif a == "--threshold":
                threshold = float(args.pop(0))
            elif a == "-v":
                verbose = True
            elif a.startswith("-") or out is not None:
                raise IndexError
            else:
                out = a
    except (IndexError, ValueError):
        out = None
    if make is not None and (like or like_ref or looks_only):
        out = None
    if looks_only and not (like or like_ref):
        out = None
    if out is None:
        print(__doc__.split("\n\n")[1].strip())
        return 2
    for tool in ("qpdf", "pdffonts", "pdfimages", "pdfinfo", "pdftocairo", "pdftotext"):
        if not shutil.which(tool):
            print("check-pdf: %s is not installed" % tool)
            return 2
    tmp = tempfile.mkdtemp(prefix="check-pdf.")
    try:
        if not os.path.isfile(out):
            raise Fail("no such file")
        if open(out, "rb").read(5) != b"%PDF-":
            raise Fail("not a PDF (no %PDF- header)")
        if make is not None:
            n = make_ref(make, out, password, tmp, verbose)
            print("check-pdf: %s: reference of %d pages written to %s" % (out, n, make))
            return 0
        if looks_only:
            summary = "looks only (image-only checks skipped)"
        else:
            summary = check_image_only(out, tmp)
        if like:
            sizes, diffs = check_like(out, like, password, threshold, tmp, verbose)
            summary += "; like %s: page sizes match, worst tile diff %.1f (< %.1f)" % (
                os.path.basename(like), max(diffs), threshold)
        if like_ref:
            sizes, diffs = check_like_ref(out, like_ref, threshold, tmp, verbose)
            summary += "; like reference %s: page sizes match, worst tile diff %.1f (< %.1f)" % (
                os.path.basename(os.path.normpath(like_ref)), max(diffs), threshold)
        print("check-pdf: %s: ok: %s" % (out, summary))
        return 0
    except Fail as e:
        print("check-pdf: %s: %s" % (out, e))
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
