#!/usr/bin/python3
"""gen-doc-fixtures.py - generate the document, image, executable and mail
fixtures of the re-rendering filters (issue 3) into tests/fixtures/docs/.

Every PDF is written by hand here (raw PDF syntax, exact xref offsets, no
compression); PNG, GIF, BMP and TIFF are written by hand too, with a small
deterministic deflate (fixed Huffman codes) and LZW of our own, so their bytes
do not depend on the zlib in use. Only two files go through an external
encoder, Pillow: photo-exif.jpg (libjpeg; its metadata segments and trailer
are spliced in here) and sample.webp (libwebp, lossless). Their pixels are
computed here; their bytes depend on the libjpeg/libwebp version, so on another
machine `--check` may report exactly those two, and nothing else.

Fixed dates, ids, boundaries; no clocks, no randomness (a seeded LCG makes the
"photographic" noise), so re-running produces identical bytes.

Usage:
  /usr/bin/python3 scripts/gen-doc-fixtures.py          write the fixtures
  /usr/bin/python3 scripts/gen-doc-fixtures.py --check  exit 1 if a file would change

Requires Pillow (Debian: python3-pil) for the JPEG and WebP encoders only.
"""

import base64
import hashlib
import io
import math
import os
import struct
import sys
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_files  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures", "docs")

# Marker strings: each one sits in a place a sanitiser must not carry over.
# The checkers in tests/integration/ search outputs for all of them.
MARK_EMBEDDED = "EMBEDDED-MARKER-7f3a"   # active-content.pdf: embedded file
MARK_METADATA = "METADATA-MARKER-51c2"   # active-content.pdf: XMP /Metadata
MARK_AUTHOR = "AUTHOR-MARKER-9d04"       # active-content.pdf: Info /Author
MARK_JS = "JS-MARKER-a5e7"               # active-content.pdf: JavaScript text
MARK_EXIF = "EXIF-MARKER-2b8e"           # photo-exif.jpg: EXIF Make/Artist
MARK_XMP = "XMP-MARKER-4a17"             # photo-exif.jpg: XMP APP1
MARK_COMMENT = "COMMENT-MARKER-80b5"     # photo-exif.jpg: COM segment
MARK_TRAILER = "TRAILER-MARKER-c3d1"     # ZIP appended after EOI / IEND
MARK_PNGTEXT = "PNG-TEXT-MARKER-6e11"    # flat.png: tEXt, iTXt, eXIf
EVIL_URI = "http://198.51.100.7/evil"    # active-content.pdf: Link /URI

PDF_DATE = "D:20260401090000+09'00'"
ZIP_DATE = (2026, 4, 1, 9, 0, 0)


# ---------------------------------------------------------------------------
# Deterministic deflate / zlib (fixed Huffman codes, greedy LZ77)
# ---------------------------------------------------------------------------

_LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43,
             51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
_LEN_EXTRA = [0] * 8 + [1] * 4 + [2] * 4 + [3] * 4 + [4] * 4 + [5] * 4 + [0]
_DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257,
              385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289,
              16385, 24577]
_DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9,
               9, 10, 10, 11, 11, 12, 12, 13, 13]
_LEN_CODE = [0] * 259   # length -> index into _LEN_BASE
for _i, _b in enumerate(_LEN_BASE):
    for _l in range(_b, (_LEN_BASE[_i + 1] if _i + 1 < len(_LEN_BASE) else 259)):
        _LEN_CODE[_l] = _i
_LEN_CODE[258] = 28


class _Bits:
    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value, nbits):          # LSB first
        self.acc |= value << self.n
        self.n += nbits
        while self.n >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.n -= 8

    def huff(self, code, nbits):          # Huffman codes go MSB first
        rev = 0
        for _ in range(nbits):
            rev = (rev << 1) | (code & 1)
            code >>= 1
        self.put(rev, nbits)

    def flush(self):
        if self.n:
            self.out.append(self.acc & 0xFF)
        self.acc = self.n = 0
        return bytes(self.out)


def _lit(bits, sym):
    if sym < 144:
        bits.huff(0x30 + sym, 8)
    elif sym < 256:
        bits.huff(0x190 + sym - 144, 9)
    elif sym < 280:
        bits.huff(sym - 256, 7)
    else:
        bits.huff(0xC0 + sym - 280, 8)


def deflate(data):
    """Raw deflate, one fixed-Huffman block, greedy matching."""
    bits = _Bits()
    bits.put(1, 1)      # BFINAL
    bits.put(1, 2)      # BTYPE = 01 fixed Huffman
    n = len(data)
    head = {}
    i = 0
    while i < n:
        best_len = 0
        best_dist = 0
        if i + 3 <= n:
            key = data[i:i + 3]
            cand = head.get(key)
            head[key] = i
            if cand is not None and i - cand <= 32768:
                length = 3
                maxlen = min(258, n - i)
                while length < maxlen and data[cand + length] == data[i + length]:
                    length += 1
                best_len, best_dist = length, i - cand
        if best_len >= 3:
            li = _LEN_CODE[best_len]
            _lit(bits, 257 + li)
            if _LEN_EXTRA[li]:
                bits.put(best_len - _LEN_BASE[li], _LEN_EXTRA[li])
            di = 0
            while di + 1 < len(_DIST_BASE) and _DIST_BASE[di + 1] <= best_dist:
                di += 1
            bits.huff(di, 5)
            if _DIST_EXTRA[di]:
                bits.put(best_dist - _DIST_BASE[di], _DIST_EXTRA[di])
            # index a few positions inside the match so later runs find it
            for j in range(i + 1, min(i + best_len, n - 2), 1 if best_len < 16 else best_len // 4):
                head[data[j:j + 3]] = j
            i += best_len
        else:
            _lit(bits, data[i])
            i += 1
    _lit(bits, 256)
    return bits.flush()


def zlib_compress(data):
    out = b"\x78\x01" + deflate(data) + struct.pack(">I", zlib.adler32(data))
    assert zlib.decompress(out) == data
    return out


# ---------------------------------------------------------------------------
# Pixels
# ---------------------------------------------------------------------------

class LCG:
    def __init__(self, seed):
        self.s = seed & 0x7FFFFFFF

    def next(self):
        self.s = (self.s * 1103515245 + 12345) & 0x7FFFFFFF
        return self.s >> 16          # 0..32767


def clamp(v):
    return 0 if v < 0 else 255 if v > 255 else int(v)


def photo_pixels(w, h, seed):
    """RGB bytes of a 'photographic' scene: sky gradient, sun, hills, texture,
    sensor noise. Smooth tones everywhere, so a JPEG encoder is the right one."""
    rng = LCG(seed)
    px = bytearray(w * h * 3)
    sx, sy, sr = w * 0.72, h * 0.22, h * 0.09
    for y in range(h):
        fy = y / h
        for x in range(w):
            fx = x / w
            hill1 = 0.62 + 0.08 * math.sin(fx * 5.1 + 0.7) + 0.03 * math.sin(fx * 17.3)
            hill2 = 0.74 + 0.05 * math.sin(fx * 3.3 + 2.1) + 0.02 * math.sin(fx * 23.1 + 1.0)
            if fy < hill1:
                r = 90 + 120 * fy
                g = 140 + 90 * fy
                b = 235 - 40 * fy
                d = math.hypot(x - sx, y - sy)
                if d < sr * 2.2:
                    glow = max(0.0, 1.0 - d / (sr * 2.2))
                    k = 1.0 if d < sr else glow * glow
                    r += (255 - r) * k
                    g += (240 - g) * k
                    b += (180 - b) * k
            elif fy < hill2:
                t = (fy - hill1) / max(0.01, hill2 - hill1)
                r = 60 + 40 * t + 15 * math.sin(x * 0.21) * math.sin(y * 0.17)
                g = 110 + 30 * t + 15 * math.sin(x * 0.13 + y * 0.07)
                b = 70 + 10 * t
            else:
                t = (fy - hill2) / (1 - hill2)
                r = 150 + 50 * t + 20 * math.sin(x * 0.05 + 13 * fy)
                g = 120 + 30 * t + 12 * math.sin(x * 0.31) * math.sin(y * 0.23)
                b = 80 + 20 * t
            o = (y * w + x) * 3
            n = (rng.next() % 13) - 6
            px[o] = clamp(r + n)
            px[o + 1] = clamp(g + n + (rng.next() % 5) - 2)
            px[o + 2] = clamp(b + n)
    return bytes(px)


def flat_pixels(w, h):
    """RGBA bytes of a flat drawing: transparent background (stored as white
    with alpha 0), solid shapes, one small half-transparent patch."""
    px = bytearray(w * h * 4)
    for y in range(h):
        for x in range(w):
            c = (255, 255, 255, 0)
            if 10 <= x < 290 and 10 <= y < 50:
                c = (30, 80, 160, 255)                       # title bar
            elif 20 <= x < 140 and 70 <= y < 180:
                c = (220, 60, 40, 255)                       # red block
            elif (x - 215) ** 2 + (y - 125) ** 2 < 50 ** 2:
                c = (40, 170, 80, 255)                       # green disc
            if 150 <= x < 175 and 60 <= y < 85:
                c = (250, 200, 0, 128)                       # translucent square
            if y in (60, 61) and 20 <= x < 280:
                c = (0, 0, 0, 255)                           # rule
            o = (y * w + x) * 4
            px[o:o + 4] = bytes(c)
    return bytes(px)


def small_pixels(w, h):
    """Indexed 64x48 picture (palette indices) used for GIF/BMP/TIFF/WebP."""
    idx = bytearray(w * h)
    for y in range(h):
        for x in range(w):
            v = 0
            if y < 10:
                v = 1
            elif 6 <= x < 28 and 16 <= y < 40:
                v = 2
            elif (x - 46) ** 2 + (y - 28) ** 2 < 12 ** 2:
                v = 3
            elif (x + y) % 8 == 0:
                v = 4
            idx[y * w + x] = v
    return bytes(idx)


SMALL_PALETTE = [(250, 250, 245), (30, 80, 160), (220, 60, 40), (40, 170, 80),
                 (180, 180, 180), (0, 0, 0), (255, 255, 255), (128, 128, 128)]


def small_frame2(idx, w, h):
    out = bytearray(idx)
    for y in range(h):
        for x in range(w):
            if 36 <= x < 58 and 12 <= y < 20:
                out[y * w + x] = 5
    return bytes(out)


def to_rgb(idx, palette):
    return b"".join(bytes(palette[i]) for i in idx)


# ---------------------------------------------------------------------------
# TIFF structures (EXIF and sample.tiff)
# ---------------------------------------------------------------------------

BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED = 1, 2, 3, 4, 5, 7
_TSIZE = {BYTE: 1, ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8, UNDEFINED: 1}


def tiff_value(typ, value):
    if typ == ASCII:
        b = value.encode("ascii") + b"\0"
        return b, len(b)
    if typ in (BYTE, UNDEFINED):
        b = bytes(value)
        return b, len(b)
    if typ == SHORT:
        return struct.pack("<%dH" % len(value), *value), len(value)
    if typ == LONG:
        return struct.pack("<%dI" % len(value), *value), len(value)
    if typ == RATIONAL:
        flat = [v for pair in value for v in pair]
        return struct.pack("<%dI" % len(flat), *flat), len(value)
    raise ValueError(typ)


def ifd_size(entries):
    size = 2 + 12 * len(entries) + 4
    for tag, typ, value in entries:
        b, _ = tiff_value(typ, value)
        if len(b) > 4:
            size += len(b) + (len(b) & 1)
    return size


def ifd_bytes(entries, offset, next_ifd=0):
    """An IFD placed at `offset` (from the TIFF header), data area after it."""
    entries = sorted(entries, key=lambda e: e[0])
    data_off = offset + 2 + 12 * len(entries) + 4
    head = struct.pack("<H", len(entries))
    data = b""
    for tag, typ, value in entries:
        b, count = tiff_value(typ, value)
        if len(b) <= 4:
            field = b.ljust(4, b"\0")
        else:
            field = struct.pack("<I", data_off + len(data))
            data += b + (b"\0" if len(b) & 1 else b"")
        head += struct.pack("<HHI", tag, typ, count) + field
    head += struct.pack("<I", next_ifd)
    return head + data


def exif_tiff():
    """EXIF TIFF: IFD0 (Make, Model, Artist, ...), Exif IFD, GPS IFD."""
    exif_ifd = [(0x9000, UNDEFINED, b"0232"),
                (0x9003, ASCII, "2026:04:01 09:00:00"),
                (0x9286, UNDEFINED, b"ASCII\0\0\0" + MARK_EXIF.encode())]
    gps_ifd = [(0x0000, BYTE, [2, 3, 0, 0]),
               (0x0001, ASCII, "N"),
               (0x0002, RATIONAL, [(35, 1), (41, 1), (2220, 100)]),
               (0x0003, ASCII, "E"),
               (0x0004, RATIONAL, [(139, 1), (41, 1), (3010, 100)]),
               (0x0005, BYTE, [0]),
               (0x0006, RATIONAL, [(40, 1)])]
    ifd0_base = [(0x010F, ASCII, MARK_EXIF + " Camera Co."),
                 (0x0110, ASCII, "Model " + MARK_EXIF),
                 (0x0112, SHORT, [1]),
                 (0x0132, ASCII, "2026:04:01 09:00:00"),
                 (0x013B, ASCII, MARK_EXIF + " (photographer)")]
    ifd0_len = ifd_size(ifd0_base + [(0x8769, LONG, [0]), (0x8825, LONG, [0])])
    exif_off = 8 + ifd0_len
    gps_off = exif_off + ifd_size(exif_ifd)
    ifd0 = ifd0_base + [(0x8769, LONG, [exif_off]), (0x8825, LONG, [gps_off])]
    out = b"II*\0" + struct.pack("<I", 8)
    out += ifd_bytes(ifd0, 8)
    assert len(out) == exif_off
    out += ifd_bytes(exif_ifd, exif_off)
    assert len(out) == gps_off
    out += ifd_bytes(gps_ifd, gps_off)
    return out


def tiff_file(w, h, rgb):
    entries = [(256, SHORT, [w]), (257, SHORT, [h]), (258, SHORT, [8, 8, 8]),
               (259, SHORT, [1]), (262, SHORT, [2]), (273, LONG, [0]),
               (277, SHORT, [3]), (278, SHORT, [h]), (279, LONG, [len(rgb)]),
               (284, SHORT, [1]), (282, RATIONAL, [(72, 1)]),
               (283, RATIONAL, [(72, 1)]), (296, SHORT, [2])]
    strip_off = 8 + ifd_size(entries)
    entries = [e if e[0] != 273 else (273, LONG, [strip_off]) for e in entries]
    out = b"II*\0" + struct.pack("<I", 8) + ifd_bytes(entries, 8)
    assert len(out) == strip_off
    return out + rgb


# ---------------------------------------------------------------------------
# Containers: ZIP trailer, PNG, GIF, BMP, JPEG splicing
# ---------------------------------------------------------------------------

def zip_trailer():
    """A stored (uncompressed) ZIP, so its marker is visible in the bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        info = zipfile.ZipInfo("hidden/payload.txt", ZIP_DATE)
        info.external_attr = 0o644 << 16
        info.create_system = 3
        z.writestr(info, ("%s\nappended archive after the image end\n" % MARK_TRAILER).encode())
        info = zipfile.ZipInfo("hidden/run.bat", ZIP_DATE)
        info.external_attr = 0o644 << 16
        info.create_system = 3
        z.writestr(info, b"@echo off\r\nstart calc.exe\r\n")
    return buf.getvalue()


def png_chunk(typ, data):
    return struct.pack(">I", len(data)) + typ + data + struct.pack(">I", zlib.crc32(typ + data))


PNG_SIG = b"\x89PNG\r\n\x1a\n"


def png_file(w, h, colour_type, raw_rows, extra_chunks=(), bit_depth=8):
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, colour_type, 0, 0, 0)
    out = PNG_SIG + png_chunk(b"IHDR", ihdr)
    for typ, data in extra_chunks:
        out += png_chunk(typ, data)
    out += png_chunk(b"IDAT", zlib_compress(raw_rows))
    return out + png_chunk(b"IEND", b"")


def png_rows(w, h, px, bpp):
    stride = w * bpp
    return b"".join(b"\0" + px[y * stride:(y + 1) * stride] for y in range(h))


def gif_lzw(indices, min_size=8):
    """LZW with a clear code every 250 literals: fixed 9-bit codes, valid GIF."""
    clear, eoi = 1 << min_size, (1 << min_size) + 1
    bits = _Bits()
    size = min_size + 1
    for k in range(0, len(indices), 250):
        bits.put(clear, size)
        for v in indices[k:k + 250]:
            bits.put(v, size)
    bits.put(eoi, size)
    data = bits.flush()
    out = bytes([min_size])
    for k in range(0, len(data), 255):
        block = data[k:k + 255]
        out += bytes([len(block)]) + block
    return out + b"\0"


def gif_file(w, h, frames, palette):
    pal = b"".join(bytes(c) for c in palette).ljust(256 * 3, b"\0")
    out = b"GIF89a" + struct.pack("<HHBBB", w, h, 0xF7, 0, 0) + pal
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"        # loop forever
    for idx in frames:
        out += b"\x21\xf9\x04\x04" + struct.pack("<H", 50) + b"\x00\x00"  # 0.5 s
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, w, h, 0)
        out += gif_lzw(idx)
    return out + b"\x3b"


def bmp_file(w, h, rgb):
    stride = (w * 3 + 3) & ~3
    rows = b""
    for y in range(h - 1, -1, -1):
        row = bytearray()
        for x in range(w):
            r, g, b = rgb[(y * w + x) * 3:(y * w + x) * 3 + 3]
            row += bytes((b, g, r))
        rows += bytes(row).ljust(stride, b"\0")
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(rows), 2835, 2835, 0, 0)
    head = b"BM" + struct.pack("<IHHI", 14 + len(info) + len(rows), 0, 0, 14 + len(info))
    return head + info + rows


def jpeg_segments(data):
    """Split a JPEG into (marker, segment bytes) up to SOS; rest returned too."""
    assert data[:2] == b"\xff\xd8"
    i = 2
    segs = []
    while True:
        assert data[i] == 0xFF
        m = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if m == 0xDA:
            return segs, data[i:]
        segs.append((m, data[i:i + 2 + length]))
        i += 2 + length


def jpeg_segment(marker, payload):
    assert len(payload) + 2 <= 0xFFFF
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def xmp_packet(marker):
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
            ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
            '  <rdf:Description rdf:about=""\n'
            '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
            '    xmlns:xmp="http://ns.adobe.com/xap/1.0/">\n'
            '   <dc:creator><rdf:Seq><rdf:li>%s</rdf:li></rdf:Seq></dc:creator>\n'
            '   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
            '撮影場所 東京都庁 %s</rdf:li></rdf:Alt></dc:description>\n'
            '   <xmp:CreateDate>2026-04-01T09:00:00+09:00</xmp:CreateDate>\n'
            '  </rdf:Description>\n'
            ' </rdf:RDF>\n'
            '</x:xmpmeta>\n'
            '<?xpacket end="w"?>' % (marker, marker)).encode("utf-8")


# ---------------------------------------------------------------------------
# PDF writer
# ---------------------------------------------------------------------------

class Name(str):
    pass


class Ref:
    def __init__(self, num):
        self.num = num


class Stream:
    def __init__(self, d, data):
        self.d = d
        self.data = data


def pdf_num(v):
    if isinstance(v, int):
        return str(v)
    s = ("%.4f" % v).rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


def pdf_literal(b):
    out = bytearray(b"(")
    for c in b:
        if c in b"()\\":
            out += b"\\" + bytes([c])
        elif 32 <= c < 127:
            out.append(c)
        else:
            out += b"\\%03o" % c
    return bytes(out + b")")


def pdf_text_bytes(s):
    """A PDF text string: PDFDocEncoding when ASCII, else UTF-16BE with BOM."""
    try:
        return s.encode("ascii")
    except UnicodeEncodeError:
        return b"\xfe\xff" + s.encode("utf-16-be")


def pdf_ser(v, crypt=None):
    """Serialise a value; crypt(bytes) -> bytes encrypts strings when set."""
    if isinstance(v, Name):
        return b"/" + v.encode("ascii")
    if isinstance(v, Ref):
        return b"%d 0 R" % v.num
    if isinstance(v, bool):
        return b"true" if v else b"false"
    if v is None:
        return b"null"
    if isinstance(v, (int, float)):
        return pdf_num(v).encode()
    if isinstance(v, str):
        v = pdf_text_bytes(v)
    if isinstance(v, bytes):
        if crypt:
            return b"<" + crypt(v).hex().encode() + b">"
        return pdf_literal(v)
    if isinstance(v, list):
        return b"[" + b" ".join(pdf_ser(x, crypt) for x in v) + b"]"
    if isinstance(v, dict):
        parts = []
        for k, x in v.items():
            parts.append(b"/" + k.encode("ascii") + b" " + pdf_ser(x, crypt))
        return b"<< " + b" ".join(parts) + b" >>"
    raise TypeError(type(v))


def write_pdf(objects, root, info, file_id, encrypt=None, encrypt_ref=None):
    """objects: {num: value or Stream}. encrypt(num, bytes) -> bytes."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        v = objects[num]
        crypt = None
        if encrypt and num != (encrypt_ref.num if encrypt_ref else None):
            crypt = (lambda n: (lambda b: encrypt(n, b)))(num)
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num
        if isinstance(v, Stream):
            data = crypt(v.data) if crypt else v.data
            d = dict(v.d)
            d["Length"] = len(data)
            out += pdf_ser(d, crypt) + b"\nstream\n" + data + b"\nendstream\n"
        else:
            out += pdf_ser(v, crypt) + b"\n"
        out += b"endobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n" % size
    out += b"0000000000 65535 f \n"
    for num in range(1, size):
        if num in offsets:
            out += b"%010d 00000 n \n" % offsets[num]
        else:
            out += b"0000000000 65535 f \n"
    trailer = {"Size": size, "Root": root}
    if info is not None:
        trailer["Info"] = info
    if encrypt_ref is not None:
        trailer["Encrypt"] = encrypt_ref
    out += b"trailer\n" + pdf_ser(trailer)[:-2]
    out += b"/ID [<" + file_id.hex().encode() + b"> <" + file_id.hex().encode() + b">] >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def ucs2(s):
    """Hex string for a Type0 font with /Encoding /UniJIS-UCS2-H."""
    for ch in s:
        assert ord(ch) < 0x10000, ch
    return "<" + s.encode("utf-16-be").hex().upper() + ">"


class Content:
    """A page content stream."""

    def __init__(self):
        self.ops = []

    def rect(self, x, y, w, h, grey=None, rgb=None, stroke=False, width=1):
        col = ""
        if rgb is not None:
            col = "%s %s %s %s " % (tuple(pdf_num(c) for c in rgb) + ("RG" if stroke else "rg",))
        elif grey is not None:
            col = "%s %s " % (pdf_num(grey), "G" if stroke else "g")
        op = "S" if stroke else "f"
        self.ops.append("q %s%s w %s %s %s %s re %s Q" % (
            col, pdf_num(width), pdf_num(x), pdf_num(y), pdf_num(w), pdf_num(h), op))

    def line(self, x1, y1, x2, y2, width=1):
        self.ops.append("q %s w %s %s m %s %s l S Q" % (
            pdf_num(width), pdf_num(x1), pdf_num(y1), pdf_num(x2), pdf_num(y2)))

    def jtext(self, font, size, x, y, s, grey=0):
        self.ops.append("BT %s g /%s %s Tf %s %s Td %s Tj ET" % (
            pdf_num(grey), font, pdf_num(size), pdf_num(x), pdf_num(y), ucs2(s)))

    def text(self, font, size, x, y, s, grey=0):
        self.ops.append("BT %s g /%s %s Tf %s %s Td %s Tj ET" % (
            pdf_num(grey), font, pdf_num(size), pdf_num(x), pdf_num(y),
            pdf_literal(s.encode("latin-1")).decode("latin-1")))

    def bytes(self):
        return ("\n".join(self.ops) + "\n").encode("latin-1")


def cjk_font(objs, first, base, serif):
    """Type0 + CIDFontType2 + FontDescriptor, not embedded. Uses 3 numbers."""
    objs[first] = {"Type": Name("Font"), "Subtype": Name("Type0"), "BaseFont": Name(base),
                   "Encoding": Name("UniJIS-UCS2-H"), "DescendantFonts": [Ref(first + 1)]}
    objs[first + 1] = {"Type": Name("Font"), "Subtype": Name("CIDFontType2"),
                       "BaseFont": Name(base),
                       "CIDSystemInfo": {"Registry": b"Adobe", "Ordering": b"Japan1",
                                         "Supplement": 6},
                       "FontDescriptor": Ref(first + 2), "DW": 1000,
                       "W": [1, 95, 500, 231, 632, 500]}
    objs[first + 2] = {"Type": Name("FontDescriptor"), "FontName": Name(base),
                       "Flags": 6 if serif else 4, "FontBBox": [0, -141, 1000, 859],
                       "ItalicAngle": 0, "Ascent": 859, "Descent": -141,
                       "CapHeight": 709, "StemV": 80}
    return Ref(first)


def helvetica(bold=False):
    return {"Type": Name("Font"), "Subtype": Name("Type1"),
            "BaseFont": Name("Helvetica-Bold" if bold else "Helvetica"),
            "Encoding": Name("WinAnsiEncoding")}


def fixed_id(name):
    return hashlib.md5(("mugai-fixture:" + name).encode()).digest()


A4 = (595.28, 841.89)
A4L = (841.89, 595.28)
B5 = (515.91, 728.5)


def ja_pages():
    """The three pages of ja-3pages.pdf: (size, content, fonts used)."""
    # Page 1: A4 portrait, MS-Mincho: an estimate (見積書).
    c = Content()
    c.rect(40, 735, 515.28, 80, grey=0.85)
    c.jtext("F1", 56, 213, 752, "見積書")
    c.jtext("F1", 26, 60, 680, "令和8年度 予算 ①②③ ㈱")
    c.jtext("F1", 18, 60, 640, "株式会社 架空建設 御中")
    c.text("F3", 14, 60, 612, "Estimate No. 2026-0042  Total: JPY 1,234,000")
    c.rect(60, 380, 475, 210, stroke=True, width=1.5)
    for y in (550, 510, 470, 430):
        c.line(60, y, 535, y, width=0.75)
    c.line(330, 380, 330, 590, width=0.75)
    c.jtext("F1", 16, 70, 563, "品目")
    c.jtext("F1", 16, 340, 563, "金額")
    rows = [("① 既設舗装撤去 120m", "240,000円"), ("② 舗装 120m", "840,000円"),
            ("③ 区画線 一式", "154,000円"), ("合計", "1,234,000円")]
    for k, (a, b) in enumerate(rows):
        c.jtext("F1", 16, 70, 523 - 40 * k, a)
        c.jtext("F1", 16, 340, 523 - 40 * k, b)
    c.jtext("F1", 40, 60, 280, "合計 1,234,000円")
    c.rect(430, 90, 110, 110, rgb=(0.8, 0.1, 0.1), stroke=True, width=4)
    c.jtext("F1", 64, 453, 120, "印", grey=0.3)
    c.rect(40, 40, 515.28, 18, grey=0.2)
    p1 = (A4, c.bytes(), {"F1": "mincho", "F3": "helv"})

    # Page 2: A4 landscape, MS-Gothic: overview with a bar chart.
    c = Content()
    c.rect(0, 515, 841.89, 80.28, rgb=(0.15, 0.3, 0.6))
    c.jtext("F2", 48, 40, 535, "工事概要", grey=1)
    c.jtext("F2", 24, 40, 460, "市道3号線 道路補修工事 ①")
    c.jtext("F2", 24, 40, 420, "工期 令和8年6月1日から7月31日まで")
    c.text("F3", 16, 40, 385, "Road repair, route 3 (Latin text on a Japanese page)")
    heights = [60, 120, 200, 150, 90]
    for k, hgt in enumerate(heights):
        c.rect(480 + 60 * k, 80, 40, hgt, grey=0.15 + 0.15 * k)
    c.line(470, 80, 800, 80, width=2)
    c.jtext("F2", 20, 480, 300, "月別出来高")
    c.jtext("F2", 36, 40, 120, "担当 髙橋 一郎 ㈱")
    p2 = (A4L, c.bytes(), {"F2": "gothic", "F3": "helv"})

    # Page 3: B5, both fonts: remarks.
    c = Content()
    c.rect(30, 640, 455.91, 60, grey=0.9)
    c.rect(30, 640, 455.91, 60, stroke=True, width=2)
    c.jtext("F1", 44, 50, 652, "備考")
    c.jtext("F2", 20, 50, 580, "見積有効期限 発行日から30日")
    c.jtext("F2", 20, 50, 545, "支払条件 検収後 翌月末 ②")
    c.jtext("F1", 20, 50, 510, "℡ 03-0000-0000 ③")
    c.text("F3", 12, 50, 480, "Page 3 of 3 / B5 JIS 182 x 257 mm")
    for k in range(6):
        c.rect(50 + 70 * k, 200, 50, 50 + 25 * k, grey=0.1 * k)
    c.jtext("F1", 72, 50, 70, "以上")
    p3 = (B5, c.bytes(), {"F1": "mincho", "F2": "gothic", "F3": "helv"})
    return [p1, p2, p3]


def simple_pdf(name, pages, info, extra_catalog=None, extra_objs=None, page_extra=None):
    """pages: [(size, content bytes, {res name: 'mincho'|'gothic'|'helv'|'helvb'})]."""
    objs = {}
    objs[1] = {"Type": Name("Catalog"), "Pages": Ref(2)}
    fonts = {}
    nxt = 3
    kinds = []
    for _, _, fs in pages:
        for kind in fs.values():
            if kind not in kinds:
                kinds.append(kind)
    for kind in kinds:
        if kind == "mincho":
            fonts[kind] = cjk_font(objs, nxt, "MS-Mincho", True)
            nxt += 3
        elif kind == "gothic":
            fonts[kind] = cjk_font(objs, nxt, "MS-Gothic", False)
            nxt += 3
        else:
            objs[nxt] = helvetica(kind == "helvb")
            fonts[kind] = Ref(nxt)
            nxt += 1
    kids = []
    for k, (size, content, fs) in enumerate(pages):
        page_num, cont_num = nxt, nxt + 1
        nxt += 2
        page = {"Type": Name("Page"), "Parent": Ref(2),
                "MediaBox": [0, 0, size[0], size[1]],
                "Resources": {"Font": {n: fonts[kind] for n, kind in fs.items()},
                              "ProcSet": [Name("PDF"), Name("Text")]},
                "Contents": Ref(cont_num)}
        if page_extra:
            page.update(page_extra(k))
        objs[page_num] = page
        objs[cont_num] = Stream({}, content)
        kids.append(Ref(page_num))
    objs[2] = {"Type": Name("Pages"), "Kids": kids, "Count": len(kids)}
    info_ref = None
    if info is not None:
        objs[nxt] = info
        info_ref = Ref(nxt)
        nxt += 1
    if extra_objs:
        nxt = extra_objs(objs, nxt)
    if extra_catalog:
        objs[1].update(extra_catalog)
    return write_pdf(objs, Ref(1), info_ref, fixed_id(name))


def gen_ja_3pages():
    info = {"Title": "見積書（令和8年度）", "Producer": "mugai gen-doc-fixtures.py",
            "CreationDate": PDF_DATE, "ModDate": PDF_DATE}
    return simple_pdf("ja-3pages.pdf", ja_pages(), info)


def gen_many_pages():
    w, h = 297.64, 419.53          # A6 portrait
    pages = []
    for k in range(1, 41):
        c = Content()
        c.rect(0, h - 14 - 8.5 * k, w, 7, grey=0.0)              # bar moves with k
        c.text("F1", 120, 40 if k < 10 else 15, 170, "%d" % k)
        c.text("F2", 16, 20, 120, "Page %d of 40" % k)
        c.jtext("F3", 16, 20, 95, "第%dページ" % k)
        for bit in range(6):                                      # k in binary
            if (k >> bit) & 1:
                c.rect(20 + 42 * (5 - bit), 30, 34, 34, grey=0.25)
            else:
                c.rect(20 + 42 * (5 - bit), 30, 34, 34, stroke=True, width=1)
        pages.append(((w, h), c.bytes(), {"F1": "helvb", "F2": "helv", "F3": "gothic"}))
    info = {"Title": "40 pages", "CreationDate": PDF_DATE}
    return simple_pdf("many-pages.pdf", pages, info)


def gen_active_content():
    c = Content()
    c.rect(40, 720, 515.28, 80, rgb=(0.95, 0.85, 0.2))
    c.text("F1", 28, 60, 750, "Active content test")
    c.jtext("F2", 24, 60, 660, "能動的コンテンツを含む文書")
    c.text("F1", 14, 60, 620, "This PDF carries JavaScript, actions, links, a form,")
    c.text("F1", 14, 60, 600, "an embedded file, XMP metadata and an Info author.")
    c.rect(60, 480, 200, 40, stroke=True, width=1)                 # the link area
    c.text("F1", 14, 70, 495, "Click here (link)")
    c.rect(60, 400, 200, 30, stroke=True, width=1)                 # the widget area
    c.rect(300, 300, 200, 120, grey=0.6)
    p1 = c.bytes()
    c = Content()
    c.text("F1", 28, 60, 750, "Second page")
    c.jtext("F2", 24, 60, 700, "二ページ目")
    c.rect(60, 200, 400, 300, rgb=(0.2, 0.5, 0.2))
    p2 = c.bytes()
    pages = [(A4, p1, {"F1": "helv", "F2": "gothic"}), (A4, p2, {"F1": "helv", "F2": "gothic"})]
    # Page objects are numbered after the fonts: helv 3, gothic 4-6, page1 7/8, page2 9/10,
    # info 11; the extras from 12.
    js_open = ("app.alert('%s: OpenAction ran'); this.exportDataObject("
               "{cName: 'payload.txt', nLaunch: 2});" % MARK_JS).encode()
    N = {"js_open": 12, "js_pageaa": 13, "link": 14, "widget": 15, "launch": 16,
         "embfile": 17, "filespec": 18, "meta": 19, "js_named": 20}

    def page_extra(k):
        if k != 0:
            return {}
        return {"AA": {"O": Ref(N["js_pageaa"])},
                "Annots": [Ref(N["link"]), Ref(N["widget"]), Ref(N["launch"])]}

    def extra(objs, nxt):
        assert nxt == 12, nxt
        objs[N["js_open"]] = {"Type": Name("Action"), "S": Name("JavaScript"),
                              "JS": js_open}
        objs[N["js_pageaa"]] = {"Type": Name("Action"), "S": Name("JavaScript"),
                                "JS": ("app.alert('%s: page open');" % MARK_JS).encode()}
        objs[N["link"]] = {"Type": Name("Annot"), "Subtype": Name("Link"),
                           "Rect": [60, 480, 260, 520], "Border": [0, 0, 0],
                           "A": {"Type": Name("Action"), "S": Name("URI"),
                                 "URI": EVIL_URI.encode()}}
        objs[N["widget"]] = {"Type": Name("Annot"), "Subtype": Name("Widget"),
                             "FT": Name("Tx"), "T": b"name", "V": b"",
                             "Rect": [60, 400, 260, 430], "F": 4, "P": Ref(7),
                             "DA": b"/Helv 12 Tf 0 g",
                             "AA": {"K": {"S": Name("JavaScript"),
                                          "JS": ("app.alert('%s: keystroke');" % MARK_JS).encode()}}}
        objs[N["launch"]] = {"Type": Name("Annot"), "Subtype": Name("Link"),
                             "Rect": [300, 300, 500, 420], "Border": [0, 0, 0],
                             "A": {"S": Name("Launch"),
                                   "F": b"cmd.exe", "Win": {"F": b"cmd.exe",
                                                            "P": b"/c calc.exe"}}}
        payload = ("%s\nThis file was embedded in active-content.pdf.\n" % MARK_EMBEDDED).encode()
        objs[N["embfile"]] = Stream({"Type": Name("EmbeddedFile"), "Subtype": Name("text#2Fplain"),
                                     "Params": {"Size": len(payload), "ModDate": PDF_DATE}},
                                    payload)
        objs[N["filespec"]] = {"Type": Name("Filespec"), "F": b"payload.txt",
                               "UF": "payload.txt", "EF": {"F": Ref(N["embfile"])},
                               "Desc": b"attached payload"}
        objs[N["meta"]] = Stream({"Type": Name("Metadata"), "Subtype": Name("XML")},
                                 xmp_packet(MARK_METADATA))
        objs[N["js_named"]] = {"S": Name("JavaScript"),
                               "JS": ("var m = '%s';" % MARK_JS).encode()}
        return nxt + 9

    catalog = {"OpenAction": Ref(N["js_open"]),
               "AcroForm": {"Fields": [Ref(N["widget"])], "NeedAppearances": True,
                            "DA": b"/Helv 12 Tf 0 g"},
               "Names": {"EmbeddedFiles": {"Names": [b"payload.txt", Ref(N["filespec"])]},
                         "JavaScript": {"Names": [b"init", Ref(N["js_named"])]}},
               "Metadata": Ref(N["meta"]),
               "URI": {"Base": b"http://198.51.100.7/"}}
    info = {"Title": "active content", "Author": MARK_AUTHOR,
            "Subject": "mugai fixture", "CreationDate": PDF_DATE}
    return simple_pdf("active-content.pdf", pages, info, catalog, extra, page_extra)


# --- Standard security handler, RC4 128-bit, revision 3 ----------------------

PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def rc4(key, data):
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xFF
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for c in data:
        i = (i + 1) & 0xFF
        j = (j + s[i]) & 0xFF
        s[i], s[j] = s[j], s[i]
        out.append(c ^ s[(s[i] + s[j]) & 0xFF])
    return bytes(out)


def pdf_encryption(user_pw, owner_pw, file_id, perms, key_len=16):
    upad = (user_pw.encode() + PAD)[:32]
    opad = (owner_pw.encode() + PAD)[:32]
    # Algorithm 3: O
    h = hashlib.md5(opad).digest()
    for _ in range(50):
        h = hashlib.md5(h[:key_len]).digest()
    okey = h[:key_len]
    o = rc4(okey, upad)
    for i in range(1, 20):
        o = rc4(bytes(b ^ i for b in okey), o)
    # Algorithm 2: file key
    h = hashlib.md5(upad + o + struct.pack("<i", perms) + file_id).digest()
    for _ in range(50):
        h = hashlib.md5(h[:key_len]).digest()
    key = h[:key_len]
    # Algorithm 5: U (revision 3)
    u = rc4(key, hashlib.md5(PAD + file_id).digest())
    for i in range(1, 20):
        u = rc4(bytes(b ^ i for b in key), u)
    u = u + bytes(16)

    def encrypt(num, data):
        okey = hashlib.md5(key + struct.pack("<I", num)[:3] + b"\0\0").digest()
        return rc4(okey[:min(key_len + 5, 16)], data)

    enc_dict = {"Filter": Name("Standard"), "V": 2, "R": 3, "Length": key_len * 8,
                "O": o, "U": u, "P": perms}
    return enc_dict, encrypt


def gen_encrypted():
    c = Content()
    c.rect(40, 700, 515.28, 100, grey=0.8)
    c.text("F1", 36, 60, 735, "CONFIDENTIAL")
    c.jtext("F2", 28, 60, 620, "機密文書 パスワード付き")
    c.text("F1", 14, 60, 580, "User password: secret")
    content = c.bytes()
    file_id = fixed_id("encrypted.pdf")
    enc_dict, encrypt = pdf_encryption("secret", "owner-9c41", file_id, -4)
    objs = {1: {"Type": Name("Catalog"), "Pages": Ref(2)},
            2: {"Type": Name("Pages"), "Kids": [Ref(3)], "Count": 1},
            3: {"Type": Name("Page"), "Parent": Ref(2), "MediaBox": [0, 0, A4[0], A4[1]],
                "Resources": {"Font": {"F1": Ref(5), "F2": Ref(8)}}, "Contents": Ref(4)},
            4: Stream({}, content),
            5: helvetica(),
            6: {"Title": "暗号化された見積書", "Author": "mugai fixture",
                "CreationDate": PDF_DATE},
            7: enc_dict}
    cjk_font(objs, 8, "MS-Gothic", False)
    # hex-encode the binary O and U strings: pdf_ser writes bytes as literals,
    # which is exact for any byte value.
    return write_pdf(objs, Ref(1), Ref(6), file_id, encrypt=encrypt, encrypt_ref=Ref(7))


# ---------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------

def pil():
    try:
        from PIL import Image
    except ImportError:
        sys.exit("gen-doc-fixtures.py: needs Pillow (Debian: python3-pil); "
                 "run it with /usr/bin/python3")
    return Image


def gen_photo_exif():
    Image = pil()
    w, h = 640, 480
    im = Image.frombytes("RGB", (w, h), photo_pixels(w, h, 20260401))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80, optimize=False, progressive=False, subsampling=2)
    segs, rest = jpeg_segments(buf.getvalue())
    assert segs[0][0] == 0xE0 and segs[0][1][4:9] == b"JFIF\0", "expected a JFIF APP0 first"
    extra = [jpeg_segment(0xE1, b"Exif\0\0" + exif_tiff()),
             jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + xmp_packet(MARK_XMP)),
             jpeg_segment(0xFE, ("%s shot on the roof, 2026-04-01" % MARK_COMMENT).encode())]
    out = b"\xff\xd8" + segs[0][1] + b"".join(extra) + b"".join(s for _, s in segs[1:]) + rest
    assert out.endswith(b"\xff\xd9")
    return out + zip_trailer()


def gen_flat_png():
    w, h = 300, 200
    px = flat_pixels(w, h)
    exif = b"II*\0" + struct.pack("<I", 8) + ifd_bytes(
        [(0x010E, ASCII, MARK_PNGTEXT + " description"),
         (0x013B, ASCII, MARK_PNGTEXT + " artist")], 8)
    chunks = [(b"gAMA", struct.pack(">I", 45455)),
              (b"tEXt", b"Comment\0" + MARK_PNGTEXT.encode() + b" tEXt comment"),
              (b"iTXt", b"Description\0\0\0ja\0\xe8\xaa\xac\xe6\x98\x8e\0"
               + ("%s 説明文（iTXt）" % MARK_PNGTEXT).encode("utf-8")),
              (b"eXIf", exif)]
    return png_file(w, h, 6, png_rows(w, h, px, 4), chunks) + zip_trailer()


def gen_pixel_bomb():
    # 30000 x 30000 RGB = 2.7 GB of pixels declared; the IDAT holds the zlib
    # stream of only the first 2 MiB of (all-zero) scanlines: 13 KB that
    # inflate ~160-fold, the start of a decompression bomb.
    w = h = 30000
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    idat = zlib_compress(bytes(2 * 1024 * 1024))
    return (PNG_SIG + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


SW, SH = 64, 48


def gen_gif():
    f1 = small_pixels(SW, SH)
    return gif_file(SW, SH, [f1, small_frame2(f1, SW, SH)], SMALL_PALETTE)


def gen_bmp():
    return bmp_file(SW, SH, to_rgb(small_pixels(SW, SH), SMALL_PALETTE))


def gen_tiff():
    return tiff_file(SW, SH, to_rgb(small_pixels(SW, SH), SMALL_PALETTE))


def gen_webp():
    Image = pil()
    im = Image.frombytes("RGB", (SW, SH), to_rgb(small_pixels(SW, SH), SMALL_PALETTE))
    buf = io.BytesIO()
    im.save(buf, "WEBP", lossless=True, quality=100, method=4, exact=True)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# Executables and the like
# ---------------------------------------------------------------------------

def gen_pe():
    """A minimal but well-formed PE32 console executable (one .text section
    whose code is `xor eax, eax; ret`)."""
    dos = bytearray(0x80)
    dos[0:2] = b"MZ"
    struct.pack_into("<HHHHHHHHHHHHH", dos, 2, 0x90, 3, 0, 4, 0, 0xFFFF, 0, 0xB8, 0, 0, 0, 0x40, 0)
    struct.pack_into("<I", dos, 0x3C, 0x80)
    stub = (b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21"
            b"This program cannot be run in DOS mode.\r\r\n$")
    dos[0x40:0x40 + len(stub)] = stub
    coff = struct.pack("<4sHHIIIHH", b"PE\0\0", 0x14C, 1, 0x6A0C0000, 0, 0, 0xE0, 0x0102)
    opt = struct.pack("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII",
                      0x10B, 14, 0, 0x200, 0, 0, 0x1000, 0x1000, 0x2000, 0x400000,
                      0x1000, 0x200, 6, 0, 0, 0, 6, 0, 0, 0x2000, 0x200, 0, 3, 0x8540,
                      0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    opt += bytes(16 * 8)
    assert len(opt) == 0xE0
    sect = struct.pack("<8sIIIIIIHHI", b".text", 0x1000, 0x1000, 0x200, 0x200, 0, 0, 0, 0,
                       0x60000020)
    head = bytes(dos) + coff + opt + sect
    head = head.ljust(0x200, b"\0")
    code = (b"\x31\xc0\xc3").ljust(0x200, b"\xcc")
    return head + code


def gen_elf():
    """A 64-bit x86-64 ELF executable: exit(0), one PT_LOAD segment."""
    code = b"\x31\xff\xb8\x3c\x00\x00\x00\x0f\x05"      # xor edi,edi; mov eax,60; syscall
    base = 0x400000
    ehdr_size, phdr_size = 64, 56
    entry = base + ehdr_size + phdr_size
    total = ehdr_size + phdr_size + len(code)
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, entry, ehdr_size, 0, 0,
                        ehdr_size, phdr_size, 1, 64, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, total, total, 0x1000)
    return ehdr + phdr + code


def gen_lnk():
    """A Windows shell link (MS-SHLLINK) to cmd.exe with arguments."""
    flags = 0x04 | 0x08 | 0x20 | 0x80        # HasName, HasRelativePath, HasArguments, IsUnicode
    clsid = bytes.fromhex("0114020000000000C000000000000046")
    head = struct.pack("<I16sIIQQQIiIHHII", 0x4C, clsid, flags, 0x20, 0, 0, 0, 0, 0, 1, 0, 0,
                       0, 0)
    assert len(head) == 0x4C

    def sd(s):
        return struct.pack("<H", len(s)) + s.encode("utf-16-le")
    return (head + sd("請求書") + sd("..\\..\\..\\Windows\\System32\\cmd.exe")
            + sd("/c start calc.exe") + b"\0\0\0\0")


def gen_sh():
    return (b"#!/bin/sh\n"
            b"# fixture: a shell script must be blocked, never delivered\n"
            b"echo 'this would run' >&2\n"
            b"exit 0\n")


# ---------------------------------------------------------------------------
# Mail
# ---------------------------------------------------------------------------

def b64_lines(data):
    s = base64.b64encode(data)
    return b"\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + b"\n"


def rfc2047_utf8(s):
    return "=?UTF-8?B?" + base64.b64encode(s.encode("utf-8")).decode() + "?="


def iso2022jp(s):
    b = s.encode("iso2022_jp")
    assert b.decode("iso2022_jp") == s
    return b


def rfc2047_jis(s):
    return "=?ISO-2022-JP?B?" + base64.b64encode(iso2022jp(s)).decode() + "?="


def rfc2231(s):
    out = []
    for c in s.encode("utf-8"):
        ch = chr(c)
        if ch.isalnum() and c < 128 or ch in "-._~":
            out.append(ch)
        else:
            out.append("%%%02X" % c)
    return "UTF-8''" + "".join(out)


def gen_mail(files):
    boundary = "=_fixture_docs_7c2e9"
    body = ("道路課 ご担当者様\n"
            "\n"
            "お世話になっております。株式会社架空建設の高橋です。\n"
            "御見積書、現場写真、請求書などをお送りします。\n"
            "暗号化した資料のパスワードは別途お送りします。\n"
            "\n"
            "よろしくお願いいたします。\n")
    parts = [("text/plain; charset=ISO-2022-JP", None, "7bit", iso2022jp(body))]
    rlo = "report\u202efdp.exe"
    attach = [
        ("application/pdf; name=\"%s\"" % rfc2047_utf8("見積書.pdf"),
         "attachment; filename*=%s" % rfc2231("見積書.pdf"), files["ja-3pages.pdf"]),
        ("image/jpeg; name=\"%s\"" % rfc2047_jis("写真.jpg"),
         "attachment; filename=\"%s\"" % rfc2047_jis("写真.jpg"), files["photo-exif.jpg"]),
        ("image/png; name=\"flat.png\"", "attachment; filename=\"flat.png\"", files["flat.png"]),
        ("application/pdf; name=\"invoice.pdf\"", "attachment; filename=\"invoice.pdf\"",
         files["invoice.pdf"]),
        ("application/octet-stream; name=\"%s\"" % rfc2047_utf8(rlo),
         "attachment; filename*=%s" % rfc2231(rlo), files["invoice.pdf"]),
        ("application/pdf; name=\"encrypted.pdf\"", "attachment; filename=\"encrypted.pdf\"",
         files["encrypted.pdf"]),
    ]
    out = [b"From: =?ISO-2022-JP?B?" + base64.b64encode(iso2022jp("架空建設 高橋")) + b"?= "
           b"<takahashi@kakuu-kensetsu.example.co.jp>",
           b"To: road@city.example.lg.jp",
           b"Subject: " + rfc2047_jis("【御見積】道路補修工事 資料一式").encode(),
           b"Date: Wed, 01 Apr 2026 09:00:00 +0900",
           b"Message-ID: <mail-attachments@fixtures.mugai.example.jp>",
           b"MIME-Version: 1.0",
           b"X-Fixture-Why: PDF, JPEG, PNG, an executable named .pdf, an RLO name and an "
           b"encrypted PDF in one mail",
           b"Content-Type: multipart/mixed; boundary=\"" + boundary.encode() + b"\"",
           b"",
           b"This is a multi-part message in MIME format.",
           b""]
    for ctype, disp, cte, data in parts:
        out += [b"--" + boundary.encode(), b"Content-Type: " + ctype.encode(),
                b"Content-Transfer-Encoding: " + cte.encode(), b"", data]
    for ctype, disp, data in attach:
        out += [b"--" + boundary.encode(), b"Content-Type: " + ctype.encode(),
                b"Content-Disposition: " + disp.encode(),
                b"Content-Transfer-Encoding: base64", b"", b64_lines(data)]
    out += [b"--" + boundary.encode() + b"--", b""]
    return b"\n".join(out)


# ---------------------------------------------------------------------------
# Table, README
# ---------------------------------------------------------------------------

# (file, generator, `file --mime-type` as observed with file 5.44, why)
FIXTURES = [
    ("ja-3pages.pdf", gen_ja_3pages, "application/pdf",
     "3 pages of different sizes (A4 portrait, A4 landscape, B5 JIS); Japanese text "
     "(見積書, 令和8年度, ①②③, ㈱, 髙, ℡) in NON-embedded MS-Mincho/MS-Gothic "
     "(Type0, UniJIS-UCS2-H, Adobe-Japan1), Latin in Helvetica, filled boxes and rules; "
     "large type so a 20-30 dpi render still shows glyphs. Proves CJK rendering and the "
     "text layer, page sizes kept"),
    ("active-content.pdf", gen_active_content, "application/pdf",
     "2 pages with /OpenAction JavaScript, page /AA, Link annotations (/URI "
     "%s and /Launch cmd.exe), a Widget with /AA, /AcroForm, /Names with "
     "/EmbeddedFiles (%s) and /JavaScript, XMP /Metadata (%s), Info /Author (%s), "
     "JavaScript text (%s). None of it may survive" % (
         EVIL_URI, MARK_EMBEDDED, MARK_METADATA, MARK_AUTHOR, MARK_JS)),
    ("encrypted.pdf", gen_encrypted, "application/pdf",
     "Standard security handler, RC4 128-bit (V2 R3), user password `secret`, owner "
     "password `owner-9c41`; `pdfinfo` fails without `-upw secret`. Must be held, "
     "reason encrypted"),
    ("truncated.pdf", None, "application/pdf",
     "ja-3pages.pdf cut at 60% of its bytes (no xref, no trailer): malformed input; "
     "converted (recovered) or removed, never a crash"),
    ("many-pages.pdf", gen_many_pages, "application/pdf",
     "40 A6 pages, each with its number in 120 pt type, a black bar whose height on the "
     "page moves with the number and the number in binary as squares: parallel rendering "
     "and page order (page k of the output must match page k of the input)"),
    ("photo-exif.jpg", gen_photo_exif, "image/jpeg",
     "640x480 photographic scene (gradients, noise) with EXIF (Make/Model/Artist/"
     "UserComment %s, GPS position of Tokyo), an XMP APP1 (%s), a COM segment (%s) "
     "and a stored ZIP appended after EOI (%s)" % (
         MARK_EXIF, MARK_XMP, MARK_COMMENT, MARK_TRAILER)),
    ("flat.png", gen_flat_png, "image/png",
     "300x200 RGBA flat drawing (transparent background stored as white, one "
     "half-transparent square) with tEXt, iTXt and eXIf chunks (%s) and a stored ZIP "
     "appended after IEND (%s)" % (MARK_PNGTEXT, MARK_TRAILER)),
    ("sample.gif", gen_gif, "image/gif",
     "64x48 animated GIF, 2 frames, looping; converted to PNG (first frame)"),
    ("sample.bmp", gen_bmp, "image/bmp", "64x48 24-bit BMP; converted to PNG"),
    ("sample.tiff", gen_tiff, "image/tiff", "64x48 uncompressed RGB TIFF; converted to PNG"),
    ("sample.webp", gen_webp, "image/webp", "64x48 lossless WebP; converted to PNG"),
    ("pixel-bomb.png", gen_pixel_bomb, "image/png",
     "PNG header declaring 30000x30000 RGB (2.7 GB of pixels) with a 13 KB IDAT inflating "
     "to 2 MiB of zero scanlines (incomplete): refused from the header, reason render-limit"),
    ("invoice.pdf", gen_pe, "application/vnd.microsoft.portable-executable",
     "a minimal PE32 console executable (MZ, DOS stub, PE header, one .text section) "
     "named .pdf: blocked by content, and the name/content mismatch reported"),
    ("tool.elf", gen_elf, "application/x-executable",
     "a 129-byte x86-64 ELF executable (exit(0)): blocked"),
    ("run.sh", gen_sh, "text/x-shellscript", "a `#!/bin/sh` script: blocked"),
    ("setup.lnk", gen_lnk, "application/x-ms-shortcut",
     "a Windows shortcut (MS-SHLLINK header, relative path to cmd.exe, arguments): blocked"),
    ("mail-attachments.eml", None, "message/rfc822",
     "multipart/mixed, ISO-2022-JP body; attachments 見積書.pdf (ja-3pages.pdf; RFC 2047 "
     "name= and RFC 2231 filename*=), 写真.jpg (photo-exif.jpg; RFC 2047 ISO-2022-JP), "
     "flat.png, invoice.pdf (the PE), `report<U+202E>fdp.exe` (the PE, shown as "
     "reportexe.pdf) and encrypted.pdf"),
]


def readme():
    out = ["# Document and image fixtures",
           "",
           "Generated by `scripts/gen-doc-fixtures.py` (run it with `/usr/bin/python3`: it needs",
           "Pillow); do not edit by hand, edit the script and re-run it (`--check` fails if a file",
           "is out of date). Output is byte-deterministic. All PDFs, PNGs, the GIF, BMP and TIFF",
           "are written byte by byte by the script; `photo-exif.jpg` (its pixels) and",
           "`sample.webp` go through Pillow's libjpeg and libwebp, so their bytes can differ",
           "with other library versions.",
           "",
           "Marker strings sit where a sanitiser must not carry anything over; the checkers",
           "`tests/integration/check-pdf.py` and `check-image.py` fail if any appears in an output:",
           "",
           "| marker | where |",
           "|---|---|"]
    for m, where in [(MARK_EMBEDDED, "active-content.pdf: embedded file"),
                     (MARK_METADATA, "active-content.pdf: XMP /Metadata stream"),
                     (MARK_AUTHOR, "active-content.pdf: Info /Author"),
                     (MARK_JS, "active-content.pdf: JavaScript source"),
                     (EVIL_URI, "active-content.pdf: Link annotation /URI"),
                     (MARK_EXIF, "photo-exif.jpg: EXIF Make, Model, Artist, UserComment"),
                     (MARK_XMP, "photo-exif.jpg: XMP APP1"),
                     (MARK_COMMENT, "photo-exif.jpg: COM segment"),
                     (MARK_TRAILER, "photo-exif.jpg, flat.png: ZIP appended after the image"),
                     (MARK_PNGTEXT, "flat.png: tEXt, iTXt, eXIf chunks")]:
        out.append("| `%s` | %s |" % (m, where))
    out += ["",
            "| file | bytes | `file --mime-type` (file 5.44) | why |",
            "|---|---|---|---|"]
    return out


def outputs():
    files = {}
    for name, fn, _, _ in FIXTURES:
        if fn is not None:
            files[name] = fn()
    ja = files["ja-3pages.pdf"]
    files["truncated.pdf"] = ja[:len(ja) * 60 // 100]
    files["mail-attachments.eml"] = gen_mail(files)
    lines = readme()
    for name, _, mime, why in FIXTURES:
        lines.append("| `%s` | %d | `%s` | %s |" % (name, len(files[name]), mime,
                                                    why.replace("|", "\\|")))
    lines += ["",
              "`ja-3pages.ref/` is not written by this script: it is the committed reference",
              "render of ja-3pages.pdf for `check-pdf.py --like-ref`, made by `check-pdf.py",
              "--make-ref` where the install step's CJK fonts and poppler-data are in place.",
              "`--like` compares with a render made on the test machine, so a machine without",
              "them passes its own tofu (or blank text) for Japanese; `--like-ref` does not.",
              "Worst tile per page against it (the limit is 21): mugai's output 5.2, pdftocairo",
              "with the installed fonts 0.0, pdftocairo without CJK fonts (tofu) 41.5-51.7,",
              "without any font or without poppler-data (blank) 43.2-56.0. Its README says how",
              "it was made, what was measured and when to regenerate it.",
              "",
              "What mugai must do with each (verdict, action, reason code, output names) is",
              "asserted by `tests/integration/docs.sh`; the checkers' thresholds and the",
              "measurements behind them are in the comments at the top of the checkers.",
              ""]
    files["README.md"] = "\n".join(lines).encode("utf-8")
    for name, data in files.items():
        assert len(data) < 200 * 1024, (name, len(data))
    return [(os.path.join(OUT_DIR, n), files[n]) for n in sorted(files)]


def main(argv):
    check = "--check" in argv[1:]
    stale = fixture_files.sync(outputs(), ROOT, check)
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
