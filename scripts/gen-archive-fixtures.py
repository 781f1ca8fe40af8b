#!/usr/bin/python3
"""gen-archive-fixtures.py - generate the archive fixtures of issue 4 into
tests/fixtures/archives/.

ZIP files are written byte by byte here (local headers, central directory,
ZipCrypto and WinZip AES encryption, symlink entries, CP932 names without the
UTF-8 flag, and the 1 GiB-of-zeros bomb, whose deflate stream is one dynamic
Huffman block of our own making). So are the two RAR files (stored members:
no free tool writes RAR). tar files come from Python's tarfile with fixed
owners and times; gzip, bzip2 and xz from Python's zlib, bz2 and lzma. The
tools the install step provides make the rest: zstd (tar.zst), 7z (7z, the
encrypted 7z files), jlha (lzh, CP932 names) and gcab (cab); their output
depends on their versions, so on another machine `--check` may report exactly
those files, and nothing else. The encrypted 7z files are different every time
7-Zip makes them (a random salt): an existing one is kept as long as 7z opens
it with the password and lists the expected names.

The member documents are the committed doc fixtures (tests/fixtures/docs:
ja-3pages.pdf, flat.png, photo-exif.jpg): their marker strings must not
survive into a rebuilt archive either.

Usage:
  /usr/bin/python3 scripts/gen-archive-fixtures.py          write the fixtures
  /usr/bin/python3 scripts/gen-archive-fixtures.py --check  exit 1 if a file would change
"""

import base64
import bz2
import calendar
import gzip
import hashlib
import hmac
import io
import lzma
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_files  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures", "archives")
DOCS = os.path.join(ROOT, "tests", "fixtures", "docs")

PASSWORD = "himitsu-2026"       # every encrypted fixture
MTIME = calendar.timegm((2026, 4, 1, 9, 0, 0))
DOS_TIME = (9 << 11) | (0 << 5) | 0
DOS_DATE = ((2026 - 1980) << 9) | (4 << 5) | 1

MEMO = ("令和8年度 道路補修工事 見積資料\n"
        "①②③ ㈱ 髙橋 ｶﾀｶﾅ 〜\n"
        "この文書はアーカイブの中から取り出されました。\n")
MEMO_CP932 = MEMO.replace("〜", "～")   # U+301C has no CP932 code; U+FF5E does


def doc(name):
    with open(os.path.join(DOCS, name), "rb") as f:
        return f.read()


# ---------------------------------------------------------------------------
# ZIP, byte by byte
# ---------------------------------------------------------------------------

class ZipEntry:
    """One member: NAME as stored (bytes), DATA as stored (compressed and/or
    encrypted already), the sizes and CRC of the original."""

    def __init__(self, name, data, usize, crc, method=0, flags=0, extra=b"",
                 unix_mode=None, version=20):
        self.name, self.data, self.usize, self.crc = name, data, usize, crc
        self.method, self.flags, self.extra = method, flags, extra
        self.unix_mode, self.version = unix_mode, version


def zip_file(name, data, deflate=False, encoding="utf-8"):
    """A regular file; names are UTF-8 with the language encoding flag
    unless ENCODING says otherwise (then the flag is not set)."""
    raw = name.encode(encoding)
    flags = 0x800 if encoding == "utf-8" and not name.isascii() else 0
    if deflate:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        stored = c.compress(data) + c.flush()
    else:
        stored = data
    return ZipEntry(raw, stored, len(data), zlib.crc32(data), 8 if deflate else 0, flags,
                    unix_mode=0o100644)


def zip_symlink(name, target):
    t = target.encode()
    return ZipEntry(name.encode(), t, len(t), zlib.crc32(t), unix_mode=0o120777)


def zip_dir(name):
    return ZipEntry(name.encode(), b"", 0, 0, flags=0x800 if not name.isascii() else 0,
                    unix_mode=0o040755)


def build_zip(entries):
    out = bytearray()
    central = bytearray()
    for e in entries:
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, e.version, e.flags, e.method, DOS_TIME,
                           DOS_DATE, e.crc, len(e.data), e.usize, len(e.name), len(e.extra))
        out += e.name + e.extra + e.data
        attr = (e.unix_mode << 16) if e.unix_mode else 0
        if e.unix_mode and e.unix_mode & 0o040000 and not e.unix_mode & 0o100000:
            attr |= 0x10    # MS-DOS directory bit
        made_by = (3 << 8 | 63) if e.unix_mode else 20
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, made_by, e.version, e.flags,
                               e.method, DOS_TIME, DOS_DATE, e.crc, len(e.data), e.usize,
                               len(e.name), len(e.extra), 0, 0, 0, attr, offset)
        central += e.name + e.extra
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central),
                       cd_offset, 0)
    return bytes(out)


# ZipCrypto (PKWARE traditional encryption) ---------------------------------

_CRC_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def _crc_byte(crc, b):
    return _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)


class _ZipCrypto:
    def __init__(self, password):
        self.k = [0x12345678, 0x23456789, 0x34567890]
        for b in password:
            self.update(b)

    def update(self, b):
        k = self.k
        k[0] = _crc_byte(k[0], b)
        k[1] = ((k[1] + (k[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k[2] = _crc_byte(k[2], k[1] >> 24)

    def encrypt(self, data):
        out = bytearray()
        for p in data:
            t = (self.k[2] | 2) & 0xFFFF
            out.append(p ^ (((t * (t ^ 1)) >> 8) & 0xFF))
            self.update(p)
        return bytes(out)


def zip_file_zipcrypto(name, data, deflate=True):
    e = zip_file(name, data, deflate)
    # 11 bytes that would be random, fixed here, then the CRC's high byte
    head = hashlib.sha256(b"zipcrypto:" + e.name).digest()[:11] + bytes([e.crc >> 24])
    e.data = _ZipCrypto(PASSWORD.encode()).encrypt(head + e.data)
    e.flags |= 1
    return e


# AES-256 (encryption only, for WinZip AES) ---------------------------------

def _aes_sbox():
    sbox = [0] * 256
    p = q = 1
    while True:
        p = (p ^ (p << 1) ^ (0x1B if p & 0x80 else 0)) & 0xFF
        q ^= q << 1
        q ^= q << 2
        q ^= q << 4
        q &= 0xFF
        if q & 0x80:
            q ^= 0x09
        x = q
        for s in (1, 2, 3, 4):
            x ^= ((q << s) | (q >> (8 - s))) & 0xFF
        sbox[p] = x ^ 0x63
        if p == 1:
            break
    sbox[0] = 0x63
    return sbox


_SBOX = _aes_sbox()


def _xtime(b):
    return ((b << 1) ^ 0x1B) & 0xFF if b & 0x80 else b << 1


def _aes256_round_keys(key):
    w = [list(key[i:i + 4]) for i in range(0, 32, 4)]
    rcon = 1
    for i in range(8, 60):
        t = list(w[i - 1])
        if i % 8 == 0:
            t = [_SBOX[b] for b in t[1:] + t[:1]]
            t[0] ^= rcon
            rcon = _xtime(rcon)
        elif i % 8 == 4:
            t = [_SBOX[b] for b in t]
        w.append([a ^ b for a, b in zip(w[i - 8], t)])
    return [sum(w[r * 4:r * 4 + 4], []) for r in range(15)]


def _aes_encrypt_block(rk, block):
    s = [a ^ b for a, b in zip(block, rk[0])]
    for r in range(1, 15):
        s = [_SBOX[b] for b in s]
        s = [s[(i + 4 * (i % 4)) % 16] for i in range(16)]        # ShiftRows
        if r < 14:
            m = []
            for c in range(4):
                a = s[4 * c:4 * c + 4]
                t = a[0] ^ a[1] ^ a[2] ^ a[3]
                m += [a[i] ^ t ^ _xtime(a[i] ^ a[(i + 1) % 4]) for i in range(4)]
            s = m
        s = [a ^ b for a, b in zip(s, rk[r])]
    return bytes(s)


def zip_file_aes(name, data, deflate=True):
    """WinZip AES-256, AE-1 (the CRC is kept)."""
    e = zip_file(name, data, deflate)
    salt = hashlib.sha256(b"aes-salt:" + e.name).digest()[:16]
    dk = hashlib.pbkdf2_hmac("sha1", PASSWORD.encode(), salt, 1000, 66)
    rk = _aes256_round_keys(dk[:32])
    ct = bytearray()
    for i in range(0, len(e.data), 16):
        ks = _aes_encrypt_block(rk, (i // 16 + 1).to_bytes(16, "little"))
        ct += bytes(a ^ b for a, b in zip(e.data[i:i + 16], ks))
    mac = hmac.new(dk[32:64], bytes(ct), hashlib.sha1).digest()[:10]
    e.extra = struct.pack("<HHH2sBH", 0x9901, 7, 1, b"AE", 3, e.method)
    e.data = salt + dk[64:66] + bytes(ct) + mac
    e.method = 99
    e.flags |= 1
    e.version = 51
    return e


# The 1 GiB bomb: one dynamic-Huffman deflate block --------------------------

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

    def huff(self, code):                 # a code as a string of bits, MSB first
        for c in code:
            self.put(int(c), 1)

    def zeros(self, nbits):
        while self.n and nbits:
            self.put(0, 1)
            nbits -= 1
        self.out += bytes(nbits // 8)
        self.put(0, nbits % 8)

    def flush(self):
        if self.n:
            self.out.append(self.acc & 0xFF)
        return bytes(self.out)


def deflate_zeros(n):
    """N zero bytes as raw deflate: literal 0, then (length 258, distance 1)
    matches at 2 bits each, then literals, then end of block. Codes:
    literal/length 285 '0', 0 '10', 256 '11'; distance 0 '0'."""
    b = _Bits()
    b.put(1, 1)             # BFINAL
    b.put(2, 2)             # BTYPE dynamic
    b.put(286 - 257, 5)     # HLIT
    b.put(1 - 1, 5)         # HDIST
    b.put(18 - 4, 4)        # HCLEN
    cl_len = {18: 1, 2: 2, 0: 3, 1: 3}
    order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1]
    for sym in order:
        b.put(cl_len.get(sym, 0), 3)
    cl_code = {18: "0", 2: "10", 0: "110", 1: "111"}

    def zero_run(count):
        while count:
            k = min(count, 138)
            b.huff(cl_code[18])
            b.put(k - 11, 7)
            count -= k
    b.huff(cl_code[2])      # literal 0: length 2
    zero_run(255)           # literals 1..255
    b.huff(cl_code[2])      # 256 (end of block): length 2
    zero_run(28)            # 257..284
    b.huff(cl_code[1])      # 285 (length 258): length 1
    b.huff(cl_code[1])      # distance code 0: length 1
    b.huff("10")            # literal 0
    matches, rest = divmod(n - 1, 258)
    b.zeros(2 * matches)    # '0' (285) '0' (distance 1), MATCHES times
    for _ in range(rest):
        b.huff("10")
    b.huff("11")            # end of block
    return b.flush()


def crc_zeros(n):
    crc = 0
    block = bytes(1 << 20)
    while n:
        k = min(n, len(block))
        crc = zlib.crc32(block[:k], crc)
        n -= k
    return crc


def gen_bomb_1gib():
    n = 1 << 30
    data = deflate_zeros(n)
    return build_zip([ZipEntry(b"zeros.bin", data, n, crc_zeros(n), method=8,
                               unix_mode=0o100644)])


def gen_bomb_nested(levels=30):
    inner = build_zip([zip_file("core.txt", b"the innermost level\n")])
    for level in range(levels, 1, -1):
        inner = build_zip([zip_file("level-%02d.zip" % level, inner)])
    return inner


# ---------------------------------------------------------------------------
# tar and compressors
# ---------------------------------------------------------------------------

def tar_bytes(members, fmt=tarfile.GNU_FORMAT):
    """MEMBERS: (name, data) for files, or a TarInfo (links, devices)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt, encoding="utf-8") as t:
        for m in members:
            if isinstance(m, tarfile.TarInfo):
                t.addfile(m)
                continue
            name, data = m
            ti = tarfile.TarInfo(name)
            if data is None:
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
            else:
                ti.size = len(data)
                ti.mode = 0o644
            ti.mtime = MTIME
            ti.uname = ti.gname = "mugai"
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def tar_special(name, kind, **kw):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mtime = MTIME
    ti.uname = ti.gname = "root"
    ti.mode = kw.pop("mode", 0o644)
    for k, v in kw.items():
        setattr(ti, k, v)
    return ti


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0, filename="") as f:
        f.write(data)
    return buf.getvalue()


def xz(data, preset=9):
    return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=preset)


def run(cmd, cwd=None, env=None, stdin=None):
    e = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8")
    e.update(env or {})
    p = subprocess.run(cmd, cwd=cwd, env=e, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("%s failed: %s" % (cmd[0], p.stderr.decode(errors="replace")))
    return p.stdout


def zstd(data):
    return run(["zstd", "-19", "-q", "-c", "-"], stdin=data)


def on_disk(members):
    """A temporary directory holding MEMBERS ((relative path, bytes)), files
    0644 and directories 0755, all dated MTIME; returns its path."""
    d = tempfile.mkdtemp(prefix="mugai-fixtures-")
    for name, data in members:
        path = os.path.join(d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
    for dirpath, dirnames, filenames in os.walk(d):
        for n in dirnames:
            os.chmod(os.path.join(dirpath, n), 0o755)
    for dirpath, dirnames, filenames in os.walk(d, topdown=False):
        for n in filenames + dirnames:
            os.utime(os.path.join(dirpath, n), (MTIME, MTIME))
    return d


def with_tool(members, make):
    """MAKE(dir, out) with MEMBERS on disk; the bytes it wrote to OUT."""
    d = on_disk(members)
    out = os.path.join(d, ".out")
    try:
        make(d, out)
        with open(out, "rb") as f:
            return f.read()
    finally:
        subprocess.run(["rm", "-rf", d])


def gen_7z(members, password=None, encrypt_names=False):
    names = [n for n, _ in members]
    cmd = ["7z", "a", "-bd", "-bso0", "-bsp0", "-mx=9", "-t7z"]
    if password:
        cmd += ["-p" + password, "-mhe=on" if encrypt_names else "-mhe=off"]
    return with_tool(members, lambda d, out: run(cmd + [out] + names, cwd=d))


def gen_lzh(members):
    names = [n for n, _ in members]
    # jlha writes header names in lha.encoding (ISO8859_1 by default, which
    # turns Japanese into '?'); MS932 is what Windows LHA tools write.
    env = {"JAVA_TOOL_OPTIONS": "-Dlha.encoding=MS932 -Dsun.jnu.encoding=UTF-8"}
    return with_tool(members, lambda d, out: run(["lha", "-a", out] + names, cwd=d, env=env))


def gen_cab(members):
    names = [n for n, _ in members]
    return with_tool(members, lambda d, out: run(["gcab", "-c", "-z", out] + names, cwd=d))


def seven_zip_ok(data, names):
    """Whether DATA is a 7z that 7-Zip opens with PASSWORD and whose members
    are NAMES (files only)."""
    with tempfile.NamedTemporaryFile(suffix=".7z") as f:
        f.write(data)
        f.flush()
        p = subprocess.run(["7z", "l", "-slt", "-p" + PASSWORD, f.name], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=dict(os.environ, LC_ALL="C.UTF-8"))
        t = subprocess.run(["7z", "t", "-p" + PASSWORD, f.name], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    if p.returncode != 0 or t.returncode != 0:
        return False
    listed = [line[7:] for line in p.stdout.decode(errors="replace").splitlines()
              if line.startswith("Path = ")][1:]
    return sorted(listed) == sorted(names)


def keep_or_make(name, make, names):
    """An encrypted 7z: the committed file while it is still good."""
    try:
        with open(os.path.join(OUT_DIR, name), "rb") as f:
            old = f.read()
        if seven_zip_ok(old, names):
            return old
    except FileNotFoundError:
        pass
    return make()


# ---------------------------------------------------------------------------
# RAR, byte by byte (stored members)
# ---------------------------------------------------------------------------

def _rar4_block(htype, flags, body, add=b""):
    size = 7 + len(body)
    head = struct.pack("<BHH", htype, flags, size) + body
    return struct.pack("<H", zlib.crc32(head) & 0xFFFF) + head + add


def _rar4_unicode_name(name):
    """RAR 2.9's FHD_UNICODE name: ASCII fallback, NUL, then the encoded
    UTF-16 (high byte 0, then every character as op 2: low, high)."""
    units = name.encode("utf-16-le")
    chars = [units[i:i + 2] for i in range(0, len(units), 2)]
    enc = bytearray([0])
    for i in range(0, len(chars), 4):
        group = chars[i:i + 4]
        flags = 0
        for j in range(len(group)):
            flags |= 2 << (6 - 2 * j)
        enc.append(flags)
        for c in group:
            enc += c
    fallback = name.encode("ascii", "replace")
    return fallback + b"\0" + bytes(enc)


def gen_rar4(members):
    out = bytearray(b"Rar!\x1a\x07\x00")
    out += _rar4_block(0x73, 0, struct.pack("<HI", 0, 0))
    for name, data in members:
        raw = name if name.isascii() else None
        flags = 0x8000 | (0 if raw else 0x200)
        fname = name.encode() if raw else _rar4_unicode_name(name)
        body = struct.pack("<IIBIIBBHI", len(data), len(data), 3, zlib.crc32(data),
                           DOS_DATE << 16 | DOS_TIME, 29, 0x30, len(fname), 0o100644) + fname
        out += _rar4_block(0x74, flags, body, data)
    out += _rar4_block(0x7B, 0x4000, b"")
    return bytes(out)


def _vint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _rar5_block(htype, hflags, fields, data=b""):
    body = _vint(htype) + _vint(hflags) + fields
    head = _vint(len(body)) + body
    return struct.pack("<I", zlib.crc32(head)) + head + data


def gen_rar5(members):
    out = bytearray(b"Rar!\x1a\x07\x01\x00")
    out += _rar5_block(1, 0, _vint(0))                         # main header
    for name, data in members:
        n = name.encode()
        fields = (_vint(len(data))                               # data size (flag 0x2)
                  + _vint(0x2 | 0x4)                             # mtime and CRC present
                  + _vint(len(data)) + _vint(0o100644)          # unpacked size, attributes
                  + struct.pack("<II", MTIME, zlib.crc32(data))
                  + _vint(0)                                     # version 0, store
                  + _vint(1)                                     # host OS: Unix
                  + _vint(len(n)) + n)
        out += _rar5_block(2, 0x2, fields, data)
    out += _rar5_block(5, 0, _vint(0))                         # end of archive
    return bytes(out)


# ---------------------------------------------------------------------------
# The fixtures
# ---------------------------------------------------------------------------

def small_set():
    """What every format's sample holds: Japanese names, a directory."""
    return [("メモ.txt", MEMO.encode()), ("資料/flat.png", doc("flat.png"))]


def gen_ja_docs_zip():
    return build_zip([
        zip_file("メモ.txt", MEMO.encode(), deflate=True),
        zip_dir("資料/"),
        zip_file("資料/2026/見積書.pdf", doc("ja-3pages.pdf")),
        zip_file("資料/写真/flat.png", doc("flat.png")),
        zip_file("資料/写真/photo.jpg", doc("photo-exif.jpg")),
        zip_file("資料/readme.html",
                 "<html><body><p>資料の説明</p><script>alert(1)</script></body></html>\n"
                 .encode(), deflate=True),
    ])


CP932_NAMES = ["議事録①.txt", "ソフト表/髙橋ﾒﾓ.txt", "ＮＥＣ特殊文字㈱№.txt"]


def gen_cp932_zip():
    return build_zip([zip_file(n, MEMO_CP932.encode("cp932"), encoding="cp932")
                      for n in CP932_NAMES])


UNSAFE_NAMES = ["../evil.txt", "../../../../etc/cron.d/evil", "/etc/passwd",
                "C:\\Users\\Public\\evil.txt", "dir/../../up.txt", "bell\x07name.txt",
                "請求書\u202egpj.exe"]


def gen_unsafe_zip():
    entries = [zip_file("ok.txt", b"an ordinary member\n")]
    entries += [zip_file(n, ("member stored as %r\n" % n).encode()) for n in UNSAFE_NAMES]
    entries.append(zip_symlink("link-to-passwd", "/etc/passwd"))
    return build_zip(entries)


def gen_devices_tar():
    return tar_bytes([
        ("ok.txt", b"an ordinary member\n"),
        tar_special("etc-link", tarfile.SYMTYPE, linkname="/etc", mode=0o777),
        tar_special("hard-ok", tarfile.LNKTYPE, linkname="ok.txt"),
        tar_special("dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3),
        tar_special("dev/sda", tarfile.BLKTYPE, devmajor=8, devminor=0),
        tar_special("pipe", tarfile.FIFOTYPE),
        ("../tar-evil.txt", b"stored with ../\n"),
        ("/abs-tar.txt", b"stored absolute\n"),
    ], fmt=tarfile.USTAR_FORMAT)


def gen_nested():
    inner = build_zip([zip_file("深い.txt", "三段目のテキスト\n".encode()),
                       zip_file("写真.png", doc("flat.png"))])
    mid = build_zip([zip_file("中間.txt", "二段目のテキスト\n".encode()),
                     zip_file("inner.zip", inner)])
    return gz(tar_bytes([("外側.txt", "一段目のテキスト\n".encode()), ("中/", None),
                         ("中/mid.zip", mid)]))


def gen_bomb_members(n=100000):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for i in range(n):
            ti = tarfile.TarInfo("m/%05d" % i)
            ti.mtime = MTIME
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(b""))
    # preset 3: 70 KB in a second (9 with "extreme" makes 35 KB in two minutes)
    return xz(buf.getvalue(), preset=3)


def gen_ppap(attachment):
    boundary = "=_fixture_ppap_41c7"
    body = ("道路課 ご担当者様\n"
            "\n"
            "お世話になっております。株式会社架空建設の高橋です。\n"
            "見積書を送付いたします。パスワードは別メールにてお送りします。\n"
            "\n"
            "よろしくお願いいたします。\n")
    name = "見積書.zip"
    enc_name = "=?UTF-8?B?" + base64.b64encode(name.encode()).decode() + "?="
    star = "UTF-8''" + "".join("%%%02X" % c for c in name.encode())
    b64 = base64.b64encode(attachment)
    out = [b"From: takahashi@kakuu-kensetsu.example.co.jp",
           b"To: road@city.example.lg.jp",
           b"Subject: =?ISO-2022-JP?B?" + base64.b64encode("【見積書送付】道路補修工事".encode(
               "iso2022_jp")) + b"?=",
           b"Date: Wed, 01 Apr 2026 09:00:00 +0900",
           b"Message-ID: <ppap@fixtures.mugai.example.jp>",
           b"MIME-Version: 1.0",
           b"X-Fixture-Why: PPAP: a ZipCrypto-encrypted zip, the password to follow by mail",
           b"Content-Type: multipart/mixed; boundary=\"" + boundary.encode() + b"\"",
           b"",
           b"--" + boundary.encode(),
           b"Content-Type: text/plain; charset=ISO-2022-JP",
           b"Content-Transfer-Encoding: 7bit",
           b"",
           body.encode("iso2022_jp"),
           b"--" + boundary.encode(),
           b"Content-Type: application/zip; name=\"" + enc_name.encode() + b"\"",
           b"Content-Disposition: attachment; filename*=" + star.encode(),
           b"Content-Transfer-Encoding: base64",
           b""]
    out += [b64[i:i + 76] for i in range(0, len(b64), 76)]
    out += [b"--" + boundary.encode() + b"--", b""]
    return b"\n".join(out)


ENCRYPTED_MEMBERS = [("見積書.pdf", None), ("メモ.txt", None)]


def encrypted_set():
    return [("見積書.pdf", doc("ja-3pages.pdf")), ("メモ.txt", MEMO.encode())]


# (file, `file --mime-type` with file 5.44, why); generators in outputs()
FIXTURES = [
    ("ja-docs.zip", "application/zip",
     "UTF-8 names (flag set) in nested directories: メモ.txt (deflated), 資料/2026/見積書.pdf "
     "(ja-3pages.pdf), 資料/写真/flat.png and photo.jpg (with their metadata markers), "
     "資料/readme.html with a script, a directory entry. Every member sanitised and rebuilt "
     "into a new ZIP under the same paths; no marker survives"),
    ("cp932-names.zip", "application/zip",
     "names in CP932 without the UTF-8 flag, as Japanese Windows writes them: %s (NEC "
     "row 13, IBM extensions, half-width katakana, 0x5C as a second byte in ソ and 表); "
     "text in CP932" % ", ".join(CP932_NAMES)),
    ("unsafe-paths.zip", "application/zip",
     "ok.txt, then members stored as %s, and a symlink link-to-passwd -> /etc/passwd. "
     "Each becomes a safe relative path (with a remark), the control and bidi characters "
     "go, the .exe is blocked, the link is listed as removed"
     % ", ".join("`%s`" % n.encode("unicode_escape").decode() for n in UNSAFE_NAMES)),
    ("devices.tar", "application/x-tar",
     "ok.txt, a symlink etc-link -> /etc, a hard link hard-ok -> ok.txt, character and "
     "block devices dev/null and dev/sda, a FIFO, ../tar-evil.txt and /abs-tar.txt: the "
     "links and devices are listed as removed, never created"),
    ("nested.tar.gz", "application/gzip",
     "外側.txt and 中/mid.zip, which holds 中間.txt and inner.zip, which holds 深い.txt and "
     "写真.png: rebuilt as nested ZIPs (中/mid.zip inside the outer ZIP, inner.zip inside "
     "it)"),
    ("ja-docs.tar.gz", "application/gzip", "メモ.txt and 資料/flat.png; tar (GNU) + gzip"),
    ("ja-docs.tar.bz2", "application/x-bzip2", "the same; tar + bzip2"),
    ("ja-docs.tar.xz", "application/x-xz", "the same; tar + xz"),
    ("ja-docs.tar.zst", "application/zstd", "the same; tar + zstd (zstd -19)"),
    ("ja-docs.7z", "application/x-7z-compressed", "the same; 7-Zip (LZMA2, solid)"),
    ("ja-docs.lzh", "application/x-lzh-compressed",
     "the same; LHA (jlha, -lh5-), names in CP932 as Windows LHA tools write them"),
    ("ja-docs.cab", "application/vnd.ms-cab-compressed", "the same; cabinet (gcab, MSZIP)"),
    ("ja-docs.rar", "application/x-rar",
     "the same; RAR 2.9 format, stored, Unicode names (FHD_UNICODE): written by this script"),
    ("ja-docs-v5.rar", "application/x-rar",
     "the same; RAR 5 format, stored, UTF-8 names: written by this script"),
    ("議事録.txt.gz", "application/gzip",
     "a lone gzip-compressed text file (not a tar): expanded to its one member, 議事録.txt, "
     "delivered as itself (no ZIP)"),
    ("truncated.zip", "application/zip",
     "ja-docs.zip cut at 60% of its bytes (no central directory): removed, never a crash"),
    ("zipcrypto.zip", "application/zip",
     "見積書.pdf and メモ.txt, ZipCrypto, password `%s`: held without the password, "
     "opened with it" % PASSWORD),
    ("aes.zip", "application/zip",
     "the same with WinZip AES-256 (AE-1), password `%s`" % PASSWORD),
    ("encrypted.7z", "application/x-7z-compressed",
     "the same, 7z AES-256, names visible, password `%s`: held (libarchive cannot decrypt "
     "7z, so even with the password)" % PASSWORD),
    ("encrypted-names.7z", "application/x-7z-compressed",
     "the same with the names encrypted too (-mhe=on): held"),
    ("ppap.eml", "message/rfc822",
     "a mail: ISO-2022-JP text body and 見積書.zip (zipcrypto.zip) with the password to "
     "follow: the attachment held, the notice saying so in Japanese and English, the body "
     "delivered"),
    ("bomb-1gib.zip", "application/zip",
     "one member, zeros.bin: 1 GiB of zeros in a 1 MB deflate stream (ratio 1032): removed "
     "(archive-limit) after the first MiB, in bounded memory"),
    ("bomb-nested.zip", "application/zip",
     "zip in zip, 30 levels (level-02.zip ... level-30.zip, core.txt innermost): the level "
     "past limits.max_depth is removed (depth-limit), nothing deeper is opened"),
    ("bomb-members.tar.xz", "application/x-xz",
     "100,000 empty files (m/00000 ...): removed (archive-limit) at [archive] max_members"),
]


def outputs():
    files = {}
    small = small_set()
    files["ja-docs.zip"] = gen_ja_docs_zip()
    files["cp932-names.zip"] = gen_cp932_zip()
    files["unsafe-paths.zip"] = gen_unsafe_zip()
    files["devices.tar"] = gen_devices_tar()
    files["nested.tar.gz"] = gen_nested()
    tar = tar_bytes([("メモ.txt", small[0][1]), ("資料/", None), ("資料/flat.png", small[1][1])])
    files["ja-docs.tar.gz"] = gz(tar)
    files["ja-docs.tar.bz2"] = bz2.compress(tar, 9)
    files["ja-docs.tar.xz"] = xz(tar)
    files["ja-docs.tar.zst"] = zstd(tar)
    files["ja-docs.7z"] = gen_7z(small)
    files["ja-docs.lzh"] = gen_lzh(small)
    files["ja-docs.cab"] = gen_cab(small)
    files["ja-docs.rar"] = gen_rar4(small)
    files["ja-docs-v5.rar"] = gen_rar5(small)
    files["議事録.txt.gz"] = gz(MEMO.encode())
    ja = files["ja-docs.zip"]
    files["truncated.zip"] = ja[:len(ja) * 60 // 100]
    enc = encrypted_set()
    files["zipcrypto.zip"] = build_zip([zip_file_zipcrypto(n, d) for n, d in enc])
    files["aes.zip"] = build_zip([zip_file_aes(n, d) for n, d in enc])
    names = [n for n, _ in enc]
    files["encrypted.7z"] = keep_or_make("encrypted.7z", lambda: gen_7z(enc, PASSWORD), names)
    files["encrypted-names.7z"] = keep_or_make(
        "encrypted-names.7z", lambda: gen_7z(enc, PASSWORD, encrypt_names=True), names)
    files["ppap.eml"] = gen_ppap(files["zipcrypto.zip"])
    files["bomb-1gib.zip"] = gen_bomb_1gib()
    files["bomb-nested.zip"] = gen_bomb_nested()
    files["bomb-members.tar.xz"] = gen_bomb_members()
    assert sorted(files) == sorted(n for n, _, _ in FIXTURES)
    total = sum(len(d) for d in files.values())
    assert total < 2 * 1024 * 1024, total

    lines = ["# Archive fixtures",
             "",
             "Generated by `scripts/gen-archive-fixtures.py` (run it with `/usr/bin/python3`);",
             "do not edit by hand, edit the script and re-run it (`--check` fails if a file is",
             "out of date). ZIP and RAR files are written byte by byte by the script (with",
             "ZipCrypto and WinZip AES of its own, and a hand-made deflate stream for the",
             "1 GiB bomb), tar files by Python's tarfile, gzip/bzip2/xz by Python; `zstd`, `7z`,",
             "`lha` (jlha) and `gcab` make the .tar.zst, .7z, .lzh and .cab files, so those can",
             "differ with other versions of the tools. The two encrypted 7z files differ every",
             "time 7-Zip makes them (a random salt): the committed ones are kept while 7z",
             "opens them with the password.",
             "",
             "Every encrypted fixture's password is `%s`. The member documents are the doc" % PASSWORD,
             "fixtures (`tests/fixtures/docs`): their marker strings (`*-MARKER-*`) must not",
             "appear in any rebuilt archive.",
             "",
             "What mugai must do with each is asserted by `tests/integration/archives.sh`;",
             "`tests/integration/bomb-variants.py` makes two more bombs from `bomb-1gib.zip` at",
             "test time (its sizes claiming 1 KiB, and its deflate stream as a lone .gz), and",
             "`bench/archive-bomb` measures all of them.",
             "",
             "| file | bytes | `file --mime-type` (file 5.44) | why |",
             "|---|---|---|---|"]
    for name, mime, why in FIXTURES:
        lines.append("| `%s` | %d | `%s` | %s |" % (name, len(files[name]), mime,
                                                    why.replace("|", "\\|")))
    lines += ["", "Total: %d bytes." % total, ""]
    files["README.md"] = "\n".join(lines).encode("utf-8")
    return [(os.path.join(OUT_DIR, n), files[n]) for n in sorted(files)]


def main(argv):
    check = "--check" in argv[1:]
    stale = fixture_files.sync(outputs(), ROOT, check)
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
