#!/usr/bin/python3
"""check-image.py - assert that an image is one mugai could have written:
re-encoded pixels, no metadata, nothing appended.

Usage: check-image.py OUT [--like ORIG] [--threshold T] [-v]

Fails (exit 1, one line on stdout: "check-image: OUT: reason") unless OUT
  - is a PNG or a JPEG by its magic bytes (mugai writes nothing else);
  - PNG: a valid chunk walk (CRCs, IHDR first, IDATs contiguous, IEND last)
    with only IHDR PLTE tRNS gAMA cHRM sRGB sBIT pHYs bKGD IDAT IEND, and
    no byte after IEND. Refused: tEXt zTXt iTXt eXIf tIME (metadata),
    iCCP (an embedded ICC profile is an opaque blob copied from the
    original: it can carry text such as its description and copyright, and
    it is a parser attack surface of its own; mugai encodes from validated
    pixels and has no profile of its own to write, sRGB says the same in one
    byte), acTL/fcTL/fdAT (animation: the output is one picture), anything
    unknown or private;
  - JPEG: a valid marker walk with only SOI, APP0 "JFIF" without thumbnail,
    DQT, SOF0/SOF1/SOF2, DHT, DRI, SOS (+ entropy-coded data, RSTn), EOI, and
    no byte after EOI. Refused: APP1 (EXIF, XMP), APP2 (ICC, FlashPix), APP13
    (IPTC), APP14 and every other APPn, COM;
  - contains none of the fixture marker strings;
  - decodes completely (Pillow), with the header's dimensions.
With --like ORIG (any format Pillow reads; the first frame):
  - same width and height;
  - both composited over white, reduced to at most 64 px on the long side
    (box filter): mean absolute difference over R, G, B (0-255) below
    THRESHOLD (see below).
Exit 2 on usage errors or without Pillow (run it with /usr/bin/python3 on
Debian, which has python3-pil).
"""

import os
import struct
import sys
import zlib

# Calibrated on tests/fixtures/docs:
# faithful re-encodings score at most 0.97 (photo-exif.jpg as JPEG quality 50;
# quality 75-95, 4:4:4, progressive, PNG: 0.0-0.45; flat.png flattened on
# white as JPEG 0.74; GIF/BMP/TIFF/WebP as PNG 0.0). Wrong pictures: the
# photo shifted 16 px sideways 4.48, grey 31, mirrored 19.7, upside down 61.5;
# the GIF's second frame instead of the first 12.0; flat.png's transparency
# flattened on black 115. (A 4 px shift, 1.56, passes.)
THRESHOLD = 3.0
SIDE = 64

MARKERS = [b"EMBEDDED-MARKER-7f3a", b"METADATA-MARKER-51c2", b"AUTHOR-MARKER-9d04",
           b"JS-MARKER-a5e7", b"EXIF-MARKER-2b8e", b"XMP-MARKER-4a17",
           b"COMMENT-MARKER-80b5", b"TRAILER-MARKER-c3d1", b"PNG-TEXT-MARKER-6e11",
           b"198.51.100.7"]

PNG_ALLOWED = {b"IHDR", b"PLTE", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT",
               b"pHYs", b"bKGD", b"IDAT", b"IEND"}
PNG_FIXED = {b"IHDR": 13, b"gAMA": 4, b"cHRM": 32, b"sRGB": 1, b"pHYs": 9, b"IEND": 0}
JPEG_ALLOWED = {0xC0: "SOF0", 0xC1: "SOF1", 0xC2: "SOF2", 0xC4: "DHT", 0xDB: "DQT",
                0xDD: "DRI", 0xDA: "SOS", 0xE0: "APP0"}


class Fail(Exception):
    pass


def sniff(data):
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    if data[:4] in (b"II*\0", b"MM\0*"):
        return "tiff"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def walk_png(data):
    i = 8
    seen = []
    size = None
    while True:
        if i + 8 > len(data):
            raise Fail("PNG ends inside a chunk header (no IEND)")
        n, typ = struct.unpack(">I4s", data[i:i + 8])
        if i + 12 + n > len(data):
            raise Fail("PNG chunk %r runs past the end of the file" % typ.decode("latin-1"))
        body = data[i + 8:i + 8 + n]
        crc = struct.unpack(">I", data[i + 8 + n:i + 12 + n])[0]
        if zlib.crc32(typ + body) & 0xFFFFFFFF != crc:
            raise Fail("PNG chunk %s has a bad CRC" % typ.decode("latin-1"))
        name = typ.decode("latin-1")
        if not seen and typ != b"IHDR":
            raise Fail("PNG does not start with IHDR")
        if typ not in PNG_ALLOWED:
            raise Fail("PNG chunk %s is not allowed (metadata or unknown)" % name)
        if typ in PNG_FIXED and n != PNG_FIXED[typ]:
            raise Fail("PNG chunk %s has length %d" % (name, n))
        if typ in seen and typ not in (b"IDAT",):
            raise Fail("PNG chunk %s repeated" % name)
        if typ == b"IDAT" and seen and seen[-1] != b"IDAT" and b"IDAT" in seen:
            raise Fail("PNG IDAT chunks are not contiguous")
        if typ == b"IHDR":
            size = struct.unpack(">II", body[:8])
        seen.append(typ)
        i += 12 + n
        if typ == b"IEND":
            break
    if b"IDAT" not in seen:
        raise Fail("PNG has no IDAT")
    if i != len(data):
        raise Fail("%d bytes after IEND" % (len(data) - i))
    return size, [s.decode() for s in seen]


def walk_jpeg(data):
    i = 2
    seen = []
    size = None
    n = len(data)
    while True:
        if i + 2 > n:
            raise Fail("JPEG ends before EOI")
        if data[i] != 0xFF:
            raise Fail("JPEG: no marker at byte %d" % i)
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            raise Fail("JPEG ends before EOI")
        m = data[i]
        i += 1
        if m == 0xD9:
            seen.append("EOI")
            break
        if m in (0xD8,) or 0xD0 <= m <= 0xD7 or m == 0x01:
            raise Fail("JPEG: unexpected marker 0x%02X" % m)
        if i + 2 > n:
            raise Fail("JPEG ends inside a segment")
        length = struct.unpack(">H", data[i:i + 2])[0]
        seg = data[i + 2:i + length]
        if length < 2 or i + length > n:
            raise Fail("JPEG segment 0x%02X runs past the end" % m)
        if m not in JPEG_ALLOWED:
            what = {0xE1: "APP1 (EXIF/XMP)", 0xE2: "APP2 (ICC/FlashPix)", 0xED: "APP13 (IPTC)",
                    0xEE: "APP14 (Adobe)", 0xFE: "COM (comment)"}.get(
                        m, "APP%d" % (m - 0xE0) if 0xE0 <= m <= 0xEF else "0x%02X" % m)
            raise Fail("JPEG segment %s is not allowed" % what)
        if m == 0xE0:
            if seg[:5] != b"JFIF\0":
                raise Fail("JPEG APP0 is not JFIF")
            if len(seg) != 14 or seg[12:14] != b"\0\0":
                raise Fail("JPEG JFIF APP0 carries a thumbnail or extra data")
        if m in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", seg[1:5])
            size = (w, h)
        seen.append(JPEG_ALLOWED[m])
        i += length
        if m == 0xDA:
            # entropy-coded data: up to the next marker that is not a stuffed
            # 0xFF00 or a restart marker
            while True:
                j = data.find(b"\xff", i)
                if j < 0 or j + 1 >= n:
                    raise Fail("JPEG scan data runs to the end of the file (no EOI)")
                nxt = data[j + 1]
                if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
                    i = j + 1 if nxt == 0xFF else j + 2
                    continue
                i = j
                break
    if size is None:
        raise Fail("JPEG has no frame header")
    if i != n:
        raise Fail("%d bytes after EOI" % (n - i))
    return size, seen


def pil():
    try:
        from PIL import Image
        Image.MAX_IMAGE_PIXELS = 100_000_000
        return Image
    except ImportError:
        print("check-image: needs Pillow (run with /usr/bin/python3; Debian: python3-pil)")
        sys.exit(2)


def flatten(im, Image):
    """First frame, composited over white, RGB."""
    im.seek(0)
    im = im.convert("RGBA")
    bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
    bg.alpha_composite(im)
    return bg.convert("RGB")


def like_score(out_im, orig_im, Image):
    a, b = flatten(out_im, Image), flatten(orig_im, Image)
    w, h = a.size
    s = min(1.0, float(SIDE) / max(w, h))
    size = (max(1, round(w * s)), max(1, round(h * s)))
    a = a.resize(size, Image.BOX)
    b = b.resize(size, Image.BOX)
    total = sum(abs(x - y) for pa, pb in zip(a.getdata(), b.getdata()) for x, y in zip(pa, pb))
    return total / float(size[0] * size[1] * 3)


def main(argv):
    args = argv[1:]
    like = None
    out = None
    threshold = THRESHOLD
    verbose = False
    try:
        while args:
            a = args.pop(0)
            if a == "--like":
                like = args.pop(0)
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
    if out is None:
        print(__doc__.split("\n\n")[1].strip())
        return 2
    Image = pil()
    try:
        try:
            data = open(out, "rb").read()
        except OSError as e:
            raise Fail(e.strerror)
        fmt = sniff(data)
        if fmt is None:
            raise Fail("not an image (magic %r)" % data[:8])
        if fmt not in ("png", "jpeg"):
            raise Fail("a %s: mugai writes PNG or JPEG only" % fmt.upper())
        for m in MARKERS:
            if m in data:
                raise Fail("marker %s found" % m.decode())
        size, parts = walk_png(data) if fmt == "png" else walk_jpeg(data)
        try:
            im = Image.open(out)
            im.load()
        except Exception as e:          # noqa: BLE001 - any decoder error is a failure
            raise Fail("does not decode: %s" % e)
        if im.size != tuple(size):
            raise Fail("header says %dx%d, decoder %dx%d" % (size + im.size))
        summary = "%s %dx%d %s, segments %s, nothing after the end, no markers" % (
            fmt.upper(), im.size[0], im.size[1], im.mode, " ".join(dict.fromkeys(parts)))
        if like:
            try:
                orig = Image.open(like)
                orig.load()
            except Exception as e:      # noqa: BLE001
                raise Fail("cannot read the original %s: %s" % (like, e))
            if orig.size != im.size:
                raise Fail("%dx%d, the original is %dx%d" % (im.size + orig.size))
            score = like_score(im, orig, Image)
            if verbose:
                print("  mean abs diff %.2f" % score)
            if score >= threshold:
                raise Fail("does not look like %s: mean abs diff %.2f >= %.1f" % (
                    os.path.basename(like), score, threshold))
            summary += "; like %s: same size, diff %.2f (< %.1f)" % (
                os.path.basename(like), score, threshold)
        print("check-image: %s: ok: %s" % (out, summary))
        return 0
    except Fail as e:
        print("check-image: %s: %s" % (out, e))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
