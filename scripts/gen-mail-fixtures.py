#!/usr/bin/env python3
"""gen-mail-fixtures.py - generate the hostile and Japanese test mails.

Writes one .eml per case into tests/fixtures/mail/, plus
  tests/fixtures/mail/README.md      the case table (name, why, expectations)
  tests/fixtures/mail/expected.ini   the same, as a GLib key file for tests
  tests/fixtures/samples/ja-sample.eml   a realistic municipal mail for docs

Every message is assembled from raw bytes here: the email package's generator
is never used because it normalises exactly the things these fixtures exist to
get wrong (folding, charsets, boundaries, broken encodings). Output is
deterministic: fixed dates, Message-IDs and boundaries, no clocks, no
randomness, no zlib compression (deflate output differs between zlib and
zlib-ng), so re-running produces identical bytes.

Japanese encoders (standard library codecs cannot produce CP50220):
  cp932(text, ibm=True)  Shift_JIS as Windows writes it: NEC row 13, and
                         IBM extensions (0xFA40-0xFC4B) rather than the
                         NEC-selected duplicates (0xED40-0xEEFC) that
                         Python's cp932 codec prefers; JIS-only code points
                         (U+301C wave dash, U+2212 minus, ...) map to the
                         bytes a JIS encoder would use.
  iso2022jp(text)        ISO-2022-JP as CP50220/CP50221 encoders write it:
                         ESC $ B for JIS X 0208 plus NEC row 13 (JIS row
                         0x2D) and NEC-selected IBM extensions (JIS rows
                         0x79-0x7C); ESC ( B before every ASCII run and at
                         the end. Half-width katakana is rejected.
Every Japanese encoding is round-tripped through an independent decoder
before it is written, so a fixture cannot silently contain mojibake.

Usage:
  scripts/gen-mail-fixtures.py            write the fixtures
  scripts/gen-mail-fixtures.py --check    exit 1 if any file would change
"""

import base64
import binascii
import hashlib
import io
import os
import struct
import sys
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_files  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAIL_DIR = os.path.join(ROOT, "tests", "fixtures", "mail")
SAMPLE_DIR = os.path.join(ROOT, "tests", "fixtures", "samples")

DATE = b"Mon, 15 Apr 2024 10:23:45 +0900"
NL = b"\n"

# ---------------------------------------------------------------------------
# Japanese encoders
# ---------------------------------------------------------------------------

# Code points that only a JIS-table (not Microsoft-table) encoder produces,
# mapped to the Shift_JIS code a Japanese MUA writes for them.
JIS_ONLY = {
    "\u301c": 0x8160,  # WAVE DASH          (cp932 has U+FF5E there)
    "\u2212": 0x817C,  # MINUS SIGN         (cp932: U+FF0D)
    "\u2016": 0x8161,  # DOUBLE VERTICAL LINE (cp932: U+2225)
    "\u2014": 0x815C,  # EM DASH            (cp932: U+2015)
    "\u00a2": 0x8191,  # CENT SIGN          (cp932: U+FFE0)
    "\u00a3": 0x8192,  # POUND SIGN         (cp932: U+FFE1)
    "\u00ac": 0x81CA,  # NOT SIGN           (cp932: U+FFE2)
}
# What a CP932/CP50220 decoder turns those codes into.
MS_FORM = {"\u301c": "\uff5e", "\u2212": "\uff0d", "\u2016": "\u2225",
           "\u2014": "\u2015", "\u00a2": "\uffe0", "\u00a3": "\uffe1",
           "\u00ac": "\uffe2"}


def _dbcs(lead, trail):
    try:
        s = bytes([lead, trail]).decode("cp932")
    except UnicodeDecodeError:
        return None
    return s if len(s) == 1 else None


def _ibm_maps():
    nec_sel = {}
    for lead in (0xED, 0xEE):
        for trail in range(0x40, 0xFD):
            u = _dbcs(lead, trail)
            if u is not None:
                nec_sel[u] = (lead << 8) | trail
    nec2ibm, ibm2nec = {}, {}
    for lead in (0xFA, 0xFB, 0xFC):
        for trail in range(0x40, 0xFD):
            u = _dbcs(lead, trail)
            if u is not None and u in nec_sel:
                nec2ibm[nec_sel[u]] = (lead << 8) | trail
                ibm2nec[(lead << 8) | trail] = nec_sel[u]
    return nec2ibm, ibm2nec


NEC2IBM, IBM2NEC = _ibm_maps()


def sjis_code(ch, ibm):
    if ch in JIS_ONLY:
        return JIS_ONLY[ch]
    b = ch.encode("cp932")
    if len(b) == 1:
        return b[0]
    code = (b[0] << 8) | b[1]
    return NEC2IBM.get(code, code) if ibm else IBM2NEC.get(code, code)


def cp932(text, ibm=True):
    out = bytearray()
    for ch in text:
        code = sjis_code(ch, ibm)
        if code < 0x100:
            out.append(code)
        else:
            out += bytes([code >> 8, code & 0xFF])
    result = bytes(out)
    assert result.decode("cp932") == ms_form(text), text
    return result


def ms_form(text):
    return "".join(MS_FORM.get(c, c) for c in text)


def sjis_to_jis(code):
    s1, s2 = code >> 8, code & 0xFF
    if s1 >= 0xE0:
        s1 -= 0x40
    row = (s1 - 0x81) * 2
    if s2 >= 0x9F:
        row += 1
        col = s2 - 0x9F
    else:
        col = s2 - 0x40 - (1 if s2 > 0x7F else 0)
    return row + 0x21, col + 0x21


def jis_to_sjis(j1, j2):
    r, c = j1 - 0x21, j2 - 0x21
    s1 = (r >> 1) + 0x81
    if s1 > 0x9F:
        s1 += 0x40
    if r & 1:
        s2 = c + 0x9F
    else:
        s2 = c + 0x40
        if s2 >= 0x7F:
            s2 += 1
    return s1, s2


def iso2022jp(text):
    out = bytearray()
    jis = False
    for ch in text:
        if ord(ch) < 0x80:
            if jis:
                out += b"\x1b(B"
                jis = False
            out.append(ord(ch))
            continue
        code = sjis_code(ch, ibm=False)
        if code < 0x100:
            raise ValueError("half-width katakana in ISO-2022-JP: %r" % ch)
        if code >= 0xF040:
            raise ValueError("no ISO-2022-JP code for %r (%04X)" % (ch, code))
        if not jis:
            out += b"\x1b$B"
            jis = True
        out += bytes(sjis_to_jis(code))
    if jis:
        out += b"\x1b(B"
    result = bytes(out)
    assert decode_iso2022jp(result) == ms_form(text), text
    return result


def decode_iso2022jp(data):
    """Independent CP50220-style decoder used only to verify the encoder."""
    out, i, jis = [], 0, False
    while i < len(data):
        if data[i:i + 3] == b"\x1b$B":
            jis, i = True, i + 3
        elif data[i:i + 3] == b"\x1b(B":
            jis, i = False, i + 3
        elif jis and data[i] not in (0x0A, 0x0D):
            out.append(bytes(jis_to_sjis(data[i], data[i + 1])).decode("cp932"))
            i += 2
        else:
            out.append(chr(data[i]))
            i += 1
    return "".join(out)


def eucjp(text):
    b = text.encode("euc_jp")
    assert b.decode("euc_jp") == text
    return b


# ---------------------------------------------------------------------------
# MIME building blocks (bytes in, bytes out; "\n" line ends until render)
# ---------------------------------------------------------------------------

def b64_lines(data, width=76):
    enc = base64.b64encode(data)
    return b"".join(enc[i:i + width] + NL for i in range(0, len(enc), width))


def qp(data):
    out = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    return out if out.endswith(NL) else out + NL


def ew(charset, raw):
    return b"=?" + charset + b"?B?" + base64.b64encode(raw) + b"?="


def ew_fold(text, charset=b"ISO-2022-JP", limit=66):
    """Encode TEXT as folded RFC 2047 B words, each word self-contained."""
    enc = iso2022jp if charset.upper() == b"ISO-2022-JP" else (
        lambda t: t.encode(charset.decode("ascii")))
    words, chunk = [], ""
    for ch in text:
        if chunk and len(ew(charset, enc(chunk + ch))) > limit:
            words.append(ew(charset, enc(chunk)))
            chunk = ch
        else:
            chunk += ch
    if chunk:
        words.append(ew(charset, enc(chunk)))
    return b"\n ".join(words)


# Percent-encode everything but alphanumerics and "-._" (what most MUAs do;
# RFC 2231 would allow a few more attribute-chars literally).
ATTR_CHARS = set(b"-._0123456789"
                 b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def pct(raw):
    return b"".join(bytes([c]) if c in ATTR_CHARS else b"%%%02X" % c
                    for c in raw)


def rfc2231(param, text, charset=b"UTF-8", segment=None):
    """param*=charset''pct, or param*0*=..;param*1*=.. split every SEGMENT
    octets (deliberately ignoring character boundaries, as RFC 2231 allows)."""
    raw = iso2022jp(text) if charset == b"ISO-2022-JP" else text.encode(
        charset.decode("ascii"))
    if segment is None:
        return param + b"*=" + charset + b"''" + pct(raw)
    parts = []
    for n, i in enumerate(range(0, len(raw), segment)):
        head = charset + b"''" if n == 0 else b""
        parts.append(b"%s*%d*=%s%s" % (param, n, head, pct(raw[i:i + segment])))
    return b";\n ".join(parts)


def render_headers(headers):
    out = b""
    for name, value in headers:
        out += name + b": " + value + NL
    return out


def part(headers, body):
    if body and not body.endswith(NL):
        body += NL
    return render_headers(headers) + NL + body


def multipart(boundary, parts, preamble=b"This is a multi-part message in MIME format.\n",
              epilogue=b"", close=True):
    out = preamble + (NL if preamble else b"")
    for p in parts:
        out += b"--" + boundary + NL + p
    if close:
        out += b"--" + boundary + b"--" + NL + epilogue
    return out


def ctype_multipart(subtype, boundary, extra=b""):
    return b"multipart/" + subtype + b";" + extra + b"\n boundary=\"" + boundary + b"\""


def bnd(case, n=0):
    return b"=_mugai_fixture_" + case.encode("ascii") + b"_%02d" % n


def junk(seed, n):
    """Deterministic pseudo-random bytes."""
    out, i = b"", 0
    while len(out) < n:
        out += hashlib.sha256(b"%s:%d" % (seed, i)).digest()
        i += 1
    return out[:n]


# ---------------------------------------------------------------------------
# Binary blobs, written by hand so they are byte-stable
# ---------------------------------------------------------------------------

def pdf_blob(text=b"Mitsumorisho No. 2024-0415"):
    """A minimal valid one-page A4 PDF with a correct xref table."""
    content = b"BT /F1 24 Tf 72 760 Td (" + text + b") Tj ET\n"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, xref)
    return out


def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", binascii.crc32(kind + data) & 0xFFFFFFFF))


def zlib_stored(data):
    """zlib stream with one stored (uncompressed) deflate block."""
    assert len(data) < 65536
    return (b"\x78\x01" + b"\x01" + struct.pack("<HH", len(data), len(data) ^ 0xFFFF)
            + data + struct.pack(">I", zlib.adler32(data) & 0xFFFFFFFF))


def png_blob(rgb=(0x1E, 0x5A, 0xA0)):
    """A valid 1x1 RGB PNG."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    raw = b"\x00" + bytes(rgb)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib_stored(raw)) + png_chunk(b"IEND", b""))


def jpeg_blob():
    """A valid baseline JFIF: 1x1 grey, one 8x8 block, DC diff 0 and EOB.

    Both Huffman tables hold a single 1-bit code ("0"), so the entropy-coded
    data is the bits 0 (DC category 0) 0 (EOB) padded with ones: 0x3F."""
    seg = lambda marker, data: b"\xff" + marker + struct.pack(">H", len(data) + 2) + data
    return (b"\xff\xd8"
            + seg(b"\xe0", b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + seg(b"\xdb", b"\x00" + b"\x01" * 64)
            + seg(b"\xc0", b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
            + seg(b"\xc4", b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
            + seg(b"\xc4", b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00")
            + seg(b"\xda", b"\x01\x01\x00\x00\x3f\x00")
            + b"\x3f" + b"\xff\xd9")


def zip_blob(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 4, 15, 10, 23, 44))
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def pe_blob(seed=b"pe"):
    """MZ header + DOS stub + PE32 (GUI, i386) headers + junk: what file(1)
    calls "PE32 executable (GUI) Intel 80386, for MS Windows"."""
    dos = bytearray(0x40)
    dos[0:2] = b"MZ"
    struct.pack_into("<HHHHHHHH", dos, 2, 0x90, 3, 0, 4, 0, 0xFFFF, 0, 0xB8)
    struct.pack_into("<H", dos, 0x18, 0x40)
    struct.pack_into("<I", dos, 0x3C, 0x80)
    stub = (b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21"
            b"This program cannot be run in DOS mode.\r\r\n$")
    stub = stub.ljust(0x40, b"\x00")
    coff = struct.pack("<4sHHIIIHH", b"PE\x00\x00", 0x014C, 1, 0x66000000, 0, 0, 0xE0, 0x0102)
    opt = bytearray(0xE0)
    struct.pack_into("<HBB", opt, 0, 0x010B, 14, 0)
    struct.pack_into("<I", opt, 16, 0x1000)        # AddressOfEntryPoint
    struct.pack_into("<I", opt, 28, 0x00400000)    # ImageBase
    struct.pack_into("<II", opt, 32, 0x1000, 0x200)
    struct.pack_into("<HH", opt, 40, 6, 0)         # OS version
    struct.pack_into("<HH", opt, 48, 6, 0)         # subsystem version
    struct.pack_into("<II", opt, 56, 0x2000, 0x200)
    struct.pack_into("<H", opt, 68, 2)             # IMAGE_SUBSYSTEM_WINDOWS_GUI
    struct.pack_into("<I", opt, 92, 16)            # NumberOfRvaAndSizes
    section = struct.pack("<8sIIIIIIHHI", b".text", 0x200, 0x1000, 0x200, 0x200,
                          0, 0, 0, 0, 0x60000020)
    head = bytes(dos) + stub + coff + bytes(opt) + section
    head = head.ljust(0x200, b"\x00")
    return head + b"\xcc" * 16 + junk(seed, 0x200 - 16)


def tnef_blob():
    """winmail.dat: TNEF signature 0x223E9F78, key, and a few attributes."""
    def attr(level, ident, data):
        return (struct.pack("<BII", level, ident, len(data)) + data
                + struct.pack("<H", sum(data) & 0xFFFF))
    return (struct.pack("<IH", 0x223E9F78, 0x0C31)
            + attr(1, 0x00089006, struct.pack("<I", 0x00010000))   # attTnefVersion
            + attr(1, 0x00069007, struct.pack("<II", 932, 0))      # attOemCodepage
            + attr(1, 0x00078008, b"IPM.Microsoft Mail.Note\x00")  # attMessageClass
            + attr(1, 0x00018004, cp932("見積書の件") + b"\x00")     # attSubject
            + attr(2, 0x0006800F, junk(b"tnef", 96)))              # attAttachData


def p7s_blob():
    """DER-shaped junk that starts like a CMS SignedData (not a real signature)."""
    body = (b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"
            + b"\xa0\x82\x01\x00" + junk(b"p7s", 256))
    return b"\x30\x82" + struct.pack(">H", len(body)) + body


# ---------------------------------------------------------------------------
# Message assembly
# ---------------------------------------------------------------------------

FROM_TAKASAKI = lambda: ew_fold("株式会社髙﨑建設 総務部 髙橋一郎") + b" <takahashi@takasaki-kensetsu.example.co.jp>"
TO_SOUMU = b"soumu@city.example.lg.jp"


class Case:
    def __init__(self, name, why, fn, subject=None, contains=(), absent=(), names=(),
                 sample=False):
        assert why.isascii() and "\n" not in why, name
        self.name, self.why, self.fn = name, why, fn
        self.subject, self.contains, self.absent, self.names = subject, contains, absent, names
        self.sample = sample

    @property
    def path(self):
        if self.sample:
            return os.path.join(SAMPLE_DIR, self.name + ".eml")
        return os.path.join(MAIL_DIR, self.name + ".eml")


CASES = []


def case(name, why, **kw):
    def deco(fn):
        CASES.append(Case(name, why, fn, **kw))
        return fn
    return deco


def message(c, content_headers, body, subject=None, from_=None, to=TO_SOUMU,
            extra=(), mime=True, nl=NL, prefix=b""):
    """Top-level headers in the usual order, then CONTENT_HEADERS, then BODY.
    BODY None means no body at all (not even the blank separator line)."""
    if subject is None:
        subject = ew_fold(c.subject) if c.subject is not None else None
    h = []
    h.extend(extra)
    h.append((b"From", from_ if from_ is not None else FROM_TAKASAKI()))
    h.append((b"To", to))
    if subject is not None:
        h.append((b"Subject", subject))
    h.append((b"Date", DATE))
    h.append((b"Message-ID", b"<" + c.name.encode("ascii") + b"@fixtures.mugai.example.jp>"))
    h.append((b"X-Fixture-Why", c.why.encode("ascii")))
    if mime:
        h.append((b"MIME-Version", b"1.0"))
    h.extend(content_headers)
    out = prefix + render_headers(h)
    if body is not None:
        out += NL + body
    if nl != NL:
        out = out.replace(NL, nl)
    return out


def text_headers(charset=b"ISO-2022-JP", cte=b"7bit"):
    return [(b"Content-Type", b"text/plain; charset=" + charset),
            (b"Content-Transfer-Encoding", cte)]


def text_part(text, charset=b"ISO-2022-JP"):
    if charset == b"ISO-2022-JP":
        return part(text_headers(), iso2022jp(text))
    return part(text_headers(charset, b"base64"), b64_lines(text.encode(charset.decode())))


def attachment(ctype, filename_params, data, name_param=None):
    ct = ctype + (b";\n name=" + name_param if name_param else b"")
    return part([(b"Content-Type", ct),
                 (b"Content-Disposition", b"attachment;\n " + filename_params),
                 (b"Content-Transfer-Encoding", b"base64")], b64_lines(data))


# ---------------------------------------------------------------------------
# Shared Japanese text
# ---------------------------------------------------------------------------

NEC_BODY = """関係各位

いつもお世話になっております。
株式会社髙﨑建設 総務部の髙橋でございます。

下記のとおり「第3回 防災計画検討会」を開催いたしますので、ご案内申し上げます。

記

① 日時：令和6年5月20日（月）14:00〜16:00
② 場所：架空市役所 本庁舎3階 第1会議室
③ 議題：
　　Ⅰ．前回議事録の確認
　　Ⅱ．避難所の収容人数（約1,200人≒定員の95％）
　　Ⅲ．備蓄倉庫の寸法（幅180㎝×奥行90㎝）
④ 出席者：㈱山田設備、㈲佐藤電機、架空市 危機管理課

※ 資料は㍻31年度版を参照してください（資料№12）。
※ 計算式 ∑（備蓄量）≡ ∫（消費量）dt は参考値です。

以上

──────────────────
株式会社髙﨑建設 総務部　髙橋 一郎
〒100-0001 東京都架空区見本町1-2-3
℡ 03-0000-0000
──────────────────
"""
NEC_CHARS = ["①", "②", "③", "Ⅰ", "Ⅱ", "Ⅲ", "㈱", "㈲", "㍻", "㎝", "≒", "≡", "∫",
             "∑", "№", "℡", "髙", "﨑"]

MEETING = """総務課 各位

お疲れ様です。総務課の山﨑です。
来週の課内会議の会議室が変更になりましたのでお知らせします。

日時：4月22日（月）10時から
場所：本庁舎2階 第3会議室

よろしくお願いいたします。
"""

QUOTE = """架空市役所 契約課 御中

株式会社髙﨑建設の髙橋です。
先日ご依頼いただきました道路補修工事の見積書を送付いたします。

① 見積金額：1,234,000円（税込）
② 有効期限：令和6年5月31日
③ 工期：約2か月

ご査収のほど、よろしくお願い申し上げます。
"""

# Shift_JIS body text with the traps: NEC row 13, IBM extensions, the 0x5C
# trail byte (表 0x955C, ソ 0x835C, 能 0x945C), wave dash, minus, half-width kana.
SJIS_BODY = """架空市役所 情報政策課 御中

いつも大変お世話になっております。
㈱髙田ソフト 営業部の髙橋です。

ソフトウェア保守契約の更新について、料金表を下記のとおりご案内します。

① 基本保守　　　　　　 120,000円
② 機能追加（表示性能の改善） 80,000円
③ 出張対応　　　　　　 　 ｼﾞｭｳｹﾞﾝﾏﾝｴﾝ
※ 受付時間 9:00～17:00（土日祝を除く）
※ 差額 −5,000円 は値引き分です。

ﾓﾝﾀﾞｲｻﾞｲﾀｸ　ｶﾀｶﾅﾉｷﾞｮｳ
以上、よろしくお願いいたします。
"""


# ---------------------------------------------------------------------------
# Cases: charsets
# ---------------------------------------------------------------------------

@case("iso2022jp-nec",
      "ISO-2022-JP body and RFC 2047 subject with NEC row 13 and NEC-selected IBM chars (CP50220)",
      subject="【会議のご案内】①第3回 防災計画検討会",
      contains=NEC_CHARS + ["株式会社髙﨑建設", "防災計画検討会"])
def _(c):
    return message(c, text_headers(), iso2022jp(NEC_BODY))


@case("iso2022jp-subject-split",
      "Subject split into two encoded words in the middle of a JIS double-byte char",
      subject="見積書送付のお願い（道路補修工事）",
      contains=["見積書を送付いたします"])
def _(c):
    raw = iso2022jp(c.subject)
    cut = 3 + 2 * 5 + 1           # ESC $ B, five chars, then half of the sixth
    assert raw[:3] == b"\x1b$B" and raw[cut - 1] >= 0x21
    subject = ew(b"ISO-2022-JP", raw[:cut]) + b"\n " + ew(b"ISO-2022-JP", raw[cut:])
    return message(c, text_headers(), iso2022jp(QUOTE), subject=subject)


@case("sjis-cp932",
      "charset=Shift_JIS 8bit body that is really CP932: NEC row 13, IBM ext 0xFBFC, 0x5C trail bytes, half-width kana",
      subject="ソフトウェア保守契約の更新について",
      contains=["①", "㈱髙田ソフト", "ソフトウェア保守契約", "表示性能", "ｼﾞｭｳｹﾞﾝﾏﾝｴﾝ"])
def _(c):
    body = cp932(SJIS_BODY)
    assert b"\xfb\xfc" in body and b"\x81\x60" in body and b"\x81\x7c" in body
    return message(c, text_headers(b"Shift_JIS", b"8bit"), body)


@case("cp932-label",
      "charset=windows-31j label with a quoted-printable CP932 body",
      subject="請求書の送付について",
      contains=["①", "②", "㈱", "髙", "﨑", "ソフト", "表"])
def _(c):
    text = ("架空市役所 会計課 御中\n\n㈱山﨑商会の髙橋です。\n"
            "① 4月分 ソフト利用料の請求書\n② 一覧表（別紙）\nご確認をお願いします。\n")
    body = cp932(text)
    assert b"\xfa\xb1" in body     # 﨑 as IBM extension
    return message(c, text_headers(b"windows-31j", b"quoted-printable"), qp(body))


@case("eucjp",
      "charset=EUC-JP 8bit body with wave dash 0xA1C1, a JIS X 0212 char (0x8F plane) and half-width kana (0x8E)",
      subject="住民説明会の開催について",
      contains=["住民説明会", "丂", "ｶﾅ"])
def _(c):
    text = ("市民の皆様へ\n\n住民説明会を開催します。\n"
            "日時：6月1日 13時〜15時\n会場：架空市 丂田地区公民館\n"
            "半角カナ表記：ｶﾅ\n")
    body = eucjp(text)
    assert b"\xa1\xc1" in body and b"\x8f\xb0\xa1" in body and b"\x8e\xb6" in body
    return message(c, text_headers(b"EUC-JP", b"8bit"), body,
                   subject=ew_fold(c.subject, b"UTF-8"))


@case("utf8-base64",
      "UTF-8 base64 body with emoji (ZWJ, skin tone, VS16) and an astral kanji (U+20BB7)",
      subject="🎌 市民まつりのお知らせ 🏯",
      contains=["市民まつり", "🏯", "👨‍👩‍👧", "👍🏽", "❤️", "𠮷"])
def _(c):
    text = ("皆様\n\n今年も市民まつりを開催します🎌🏯\n"
            "家族連れ👨‍👩‍👧大歓迎、ボランティアも募集中です👍🏽\n"
            "担当：𠮷田（つちよし）❤️\n")
    return message(c, text_headers(b"UTF-8", b"base64"), b64_lines(text.encode()),
                   subject=ew_fold(c.subject, b"UTF-8"))


@case("mislabel-sjis-as-iso2022jp",
      "Shift_JIS 8-bit bytes labelled charset=ISO-2022-JP with CTE 7bit (must not crash; detection is a bonus)",
      subject="打合せ日程の件")
def _(c):
    text = "契約課 御中\n\n打合せの日程ですが、4月25日（木）15時でいかがでしょうか。\n髙橋\n"
    return message(c, text_headers(b"ISO-2022-JP", b"7bit"), cp932(text))


@case("mislabel-utf8-as-latin1",
      "UTF-8 Japanese body labelled charset=iso-8859-1 (mojibake risk; must not crash)",
      subject="Re: 議事録の確認")
def _(c):
    text = "山﨑様\n\n議事録を確認しました。修正点はありません。\n髙橋\n"
    return message(c, text_headers(b"iso-8859-1", b"8bit"), text.encode(),
                   subject=ew_fold(c.subject, b"UTF-8"))


@case("unlabelled-eucjp",
      "text/plain without a charset parameter, 8bit EUC-JP body (needs detection, not US-ASCII)",
      subject="庁内LANメンテナンスのお知らせ")
def _(c):
    text = "職員各位\n\n4月27日（土）9時〜17時、庁内LANのメンテナンスを行います。\n情報政策課\n"
    return message(c, [(b"Content-Type", b"text/plain"),
                       (b"Content-Transfer-Encoding", b"8bit")], eucjp(text),
                   subject=ew_fold(c.subject, b"UTF-8"))


@case("unlabelled-sjis-header",
      "raw 8-bit Shift_JIS Subject and From display name, no encoded words; Subject has 0x5C trail bytes",
      subject="ソフト保守の料金表について",
      contains=["料金表を添付"])
def _(c):
    subject = cp932(c.subject)
    assert b"\x83\x5c" in subject and b"\x95\x5c" in subject
    from_ = cp932("株式会社髙田商事 営業部") + b" <eigyo@takada-shoji.example.co.jp>"
    body = iso2022jp("情報政策課 御中\n\nソフト保守の料金表を添付のとおりお送りします。\n髙田商事\n")
    return message(c, text_headers(), body, subject=subject, from_=from_)


@case("raw-utf8-header",
      "raw 8-bit UTF-8 Subject and From display name (RFC 6532 / SMTPUTF8 style)",
      subject="防災訓練の実施について",
      contains=["防災訓練"])
def _(c):
    from_ = "危機管理課 山﨑花子".encode() + b" <kiki@city.example.lg.jp>"
    body = "職員各位\n\n5月15日に防災訓練を実施します。\n".encode()
    return message(c, text_headers(b"UTF-8", b"8bit"), body,
                   subject=c.subject.encode(), from_=from_)


@case("crlf",
      "CRLF line endings throughout (as on the SMTP wire) with an ISO-2022-JP body",
      subject="会議のご案内（第2会議室）",
      contains=["第3会議室"])
def _(c):
    return message(c, text_headers(), iso2022jp(MEETING), nl=b"\r\n")


@case("mbox-from-line",
      "starts with an mbox 'From ' envelope line; body has a '>From ' quoted line",
      subject="議事録（4月15日開催分）",
      contains=["議事録を送付します", ">From the minutes"])
def _(c):
    body = iso2022jp("各位\n\n議事録を送付します。\n>From the minutes: 次回は5月13日です。\n")
    return message(c, text_headers(), body,
                   prefix=b"From sender@example.com Mon Jan  1 00:00:00 2024\n")


@case("no-mime",
      "plain RFC 822 message without MIME-Version or Content-Type, 7-bit ASCII English",
      subject="Meeting on Monday",
      contains=["Please find the agenda below."])
def _(c):
    body = (b"Dear colleagues,\n\nPlease find the agenda below.\n\n"
            b"1. Budget review\n2. Disaster drill schedule\n\nRegards,\nJohn Smith\n")
    return message(c, [], body, subject=c.subject.encode(), mime=False,
                   from_=b"John Smith <john.smith@example.com>")


@case("empty-body",
      "ISO-2022-JP text/plain headers only: no blank separator line and no body",
      subject="（本文なし）")
def _(c):
    return message(c, text_headers(), None)


# ---------------------------------------------------------------------------
# Cases: attachment names
# ---------------------------------------------------------------------------

@case("rfc2231-filename",
      "RFC 2231 names: filename*= percent-encoded ISO-2022-JP, and UTF-8 continuations split mid-character",
      subject="会議資料の送付",
      names=["会議次第.txt", "令和6年度_道路補修工事_見積明細書（改訂版）.txt"],
      contains=["資料を2点お送りします"])
def _(c):
    b = bnd(c.name)
    name2 = "令和6年度_道路補修工事_見積明細書（改訂版）.txt"
    params2 = rfc2231(b"filename", name2, segment=20)
    assert b"filename*=" not in params2 and b"filename*1*=" in params2
    parts = [
        text_part("各位\n\n資料を2点お送りします。\n髙橋\n"),
        attachment(b"text/plain; charset=UTF-8",
                   rfc2231(b"filename", "会議次第.txt", b"ISO-2022-JP"),
                   "1. 開会\n2. 議題\n3. 閉会\n".encode()),
        attachment(b"text/plain; charset=UTF-8", params2,
                   "項目,数量,金額\n舗装,120,840000\n".encode()),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b))], multipart(b, parts))


@case("rfc2047-filename",
      "Outlook-style RFC 2047 encoded words inside quoted name=/filename= (folded), CP932 text attachment",
      subject="見積書送付の件",
      names=["御見積書_令和6年度_道路補修工事_第2回変更分.txt"],
      contains=["見積書を添付いたします"])
def _(c):
    b = bnd(c.name)
    name = "御見積書_令和6年度_道路補修工事_第2回変更分.txt"
    enc = ew_fold(name, limit=60)
    assert b"\n " in enc
    quoted = b"\"" + enc + b"\""
    parts = [
        text_part("契約課 御中\n\n見積書を添付いたします。\n髙橋\n"),
        attachment(b"text/plain; charset=\"Shift_JIS\"", b"filename=" + quoted,
                   cp932("御見積書\n① 舗装工事 840,000円\n② 区画線 120,000円\n"),
                   name_param=quoted),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b))], multipart(b, parts))


@case("raw-sjis-filename",
      "raw 8-bit Shift_JIS bytes in quoted name=/filename= (old Japanese MUAs), CP932 attachment",
      subject="見積書",
      names=["見積書.txt"])
def _(c):
    b = bnd(c.name)
    q = b"\"" + cp932("見積書.txt") + b"\""
    parts = [
        text_part("契約課 御中\n\n見積書をお送りします。\n"),
        attachment(b"text/plain; charset=Shift_JIS", b"filename=" + q,
                   cp932("見積書\n合計 ①1,234,000円\n"), name_param=q),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b))], multipart(b, parts))


@case("raw-sjis-filename-backslash",
      "raw Shift_JIS filename whose trail bytes are 0x5C inside a quoted-string (looks like a quoted-pair escape)",
      subject="ソフト保守料金表",
      names=["ソフト保守料金表.txt"])
def _(c):
    b = bnd(c.name)
    raw = cp932("ソフト保守料金表.txt")
    assert b"\x83\x5c" in raw and b"\x95\x5c" in raw
    q = b"\"" + raw + b"\""
    parts = [
        text_part("情報政策課 御中\n\n料金表をお送りします。\n"),
        attachment(b"text/plain; charset=Shift_JIS", b"filename=" + q,
                   cp932("ソフト保守料金表\n基本 120,000円\n"), name_param=q),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b))], multipart(b, parts))


@case("bidi-filename",
      "executable named invoice<U+202E>txt.exe via RFC 2231 (displays as invoiceexe.txt)",
      subject="Invoice / 請求書",
      names=["invoice\u202etxt.exe"])
def _(c):
    b = bnd(c.name)
    name = "invoice\u202etxt.exe"
    parts = [
        text_part("請求書を添付します。ご確認ください。\n"),
        attachment(b"application/octet-stream", rfc2231(b"filename", name), pe_blob(b"bidi"),
                   name_param=b"\"" + ew(b"UTF-8", name.encode()) + b"\""),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b))], multipart(b, parts),
                   subject=ew_fold(c.subject, b"UTF-8"))


@case("disguised-exe",
      "PE executable declared as application/pdf with a Japanese .pdf name (invoice); sniffing must win over the label",
      subject="請求書（4月分）",
      names=["請求書.pdf"])
def _(c):
    b = bnd(c.name)
    parts = [
        text_part("会計課 御中\n\n4月分の請求書をお送りします。\n"),
        attachment(b"application/pdf", rfc2231(b"filename", "請求書.pdf"), pe_blob(b"disguised"),
                   name_param=b"\"" + ew(b"UTF-8", "請求書.pdf".encode()) + b"\""),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b))], multipart(b, parts))


# ---------------------------------------------------------------------------
# Cases: HTML
# ---------------------------------------------------------------------------

HTML_BASIC = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="UTF-8"><title>会議のご案内</title>
<style>p { color: red; } .x::after { content: "STYLE-MUST-VANISH"; }</style>
<script type="text/javascript">alert(1); document.write("SCRIPT-MUST-VANISH");</script>
</head>
<body>
<!-- COMMENT-MUST-VANISH -->
<p>各位</p>
<p>お疲れ様です。総務課の髙橋です。<br>下記のとおり会議を開催します。<br/>ご出席をお願いします。</p>
<ul>
  <li>日時：5月20日（月）14時</li>
  <li>場所：本庁舎3階
    <ol><li>第1会議室</li><li>第2会議室（予備）</li></ol>
  </li>
  <li>持ち物：筆記用具</li>
</ul>
<table border="1">
  <tr><th>項目</th><th>金額</th><th>備考</th></tr>
  <tr><td>資料印刷</td><td>12,000円</td><td>税込</td></tr>
</table>
<p>A&amp;B社 &lt;重要&gt; 平仮名&#x3042;と&#12356;&nbsp;です。</p>
<p><img src="cid:none@example.jp" alt="ロゴ" width="120" height="40"></p>
<p>詳細は<a href="https://www.city.example.lg.jp/kaigi/">会議ページ</a>、
または<a href="javascript:alert(2)">こちら</a>をご覧ください。</p>
</body></html>
"""


@case("html-basic",
      "text/html UTF-8 QP: paragraphs, br, nested lists, table, entities, img alt, script/style/comment, javascript: link",
      subject="会議のご案内（HTML）",
      contains=["各位", "第1会議室", "第2会議室（予備）", "資料印刷", "12,000円", "A&B社",
                "<重要>", "あ", "い", "ロゴ", "会議ページ", "https://www.city.example.lg.jp/kaigi/"],
      absent=["alert(1)", "SCRIPT-MUST-VANISH", "STYLE-MUST-VANISH", "COMMENT-MUST-VANISH",
              "color: red", "&amp;", "&nbsp;", "<p>"])
def _(c):
    return message(c, [(b"Content-Type", b"text/html; charset=UTF-8"),
                       (b"Content-Transfer-Encoding", b"quoted-printable")],
                   qp(HTML_BASIC.encode()), subject=ew_fold(c.subject, b"UTF-8"))


@case("html-deceptive-link",
      "anchor text shows the city URL but href goes elsewhere; the real target must be visible",
      subject="【重要】パスワード有効期限のお知らせ",
      contains=["http://evil.example.net/login", "https://www.city.example.lg.jp.evil.example.net/"])
def _(c):
    html = """<html><head><meta charset="UTF-8"></head><body>
<p>職員各位</p>
<p>パスワードの有効期限が近づいています。下記から更新してください。</p>
<p><a href="http://evil.example.net/login">https://www.city.example.lg.jp/</a></p>
<p><a href="https://www.city.example.lg.jp.evil.example.net/">架空市 職員ポータル</a></p>
<p>情報政策課</p>
</body></html>
"""
    return message(c, [(b"Content-Type", b"text/html; charset=UTF-8"),
                       (b"Content-Transfer-Encoding", b"base64")],
                   b64_lines(html.encode()), subject=ew_fold(c.subject, b"UTF-8"),
                   from_=b"=?UTF-8?B?" + base64.b64encode("架空市 情報政策課".encode())
                   + b"?= <it-support@evil.example.net>")


@case("html-sjis-meta",
      "text/html without charset parameter; Shift_JIS body declared only by <meta http-equiv>",
      subject="ソフトウェア保守料金表（HTML）",
      contains=["ソフトウェア保守", "料金表", "①", "髙"])
def _(c):
    html = ("<html><head>\n"
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">\n"
            "<title>料金表</title></head><body>\n"
            "<p>㈱髙田ソフトのソフトウェア保守料金表です。</p>\n"
            "<table><tr><td>①基本保守</td><td>120,000円</td></tr>"
            "<tr><td>②表示改善</td><td>80,000円</td></tr></table>\n"
            "</body></html>\n")
    return message(c, [(b"Content-Type", b"text/html"),
                       (b"Content-Transfer-Encoding", b"8bit")], cp932(html),
                   subject=ew_fold(c.subject))


@case("html-iso2022jp",
      "text/html; charset=ISO-2022-JP with NEC row 13 and NEC-selected IBM chars",
      subject="防災計画検討会（HTML）",
      contains=["①", "②", "㈱", "㍻", "髙", "﨑", "防災計画検討会"])
def _(c):
    html = ("<html><head><title>会議のご案内</title></head><body>\n"
            "<p>株式会社髙﨑建設の髙橋です。</p>\n"
            "<ol><li>①日時：5月20日</li><li>②場所：第1会議室</li></ol>\n"
            "<p>出席：㈱山田設備（㍻元年創業）</p>\n"
            "<p>防災計画検討会 事務局</p>\n"
            "</body></html>\n")
    return message(c, [(b"Content-Type", b"text/html; charset=ISO-2022-JP"),
                       (b"Content-Transfer-Encoding", b"7bit")], iso2022jp(html))


# ---------------------------------------------------------------------------
# Cases: MIME structure
# ---------------------------------------------------------------------------

@case("alternative",
      "multipart/alternative with different plain and HTML wording so a test can tell which was chosen",
      subject="会議室の変更について",
      contains=["会議室の変更"])
def _(c):
    b = bnd(c.name)
    plain = "[TEXT/PLAIN 版]\n会議室の変更について：第3会議室になりました。\n"
    html = ("<html><body><p>[TEXT/HTML 版]</p>"
            "<p>会議室の変更について：<b>第5会議室</b>になりました。</p></body></html>\n")
    parts = [
        text_part(plain),
        part([(b"Content-Type", b"text/html; charset=UTF-8"),
              (b"Content-Transfer-Encoding", b"base64")], b64_lines(html.encode())),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"alternative", b))],
                   multipart(b, parts))


@case("alternative-related",
      "multipart/alternative [text/plain, multipart/related [text/html, inline image/png by cid]]",
      subject="広報誌の原稿について",
      contains=["広報誌"])
def _(c):
    b0, b1 = bnd(c.name, 0), bnd(c.name, 1)
    html = ("<html><body><p><img src=\"cid:logo.20240415@city.example.lg.jp\" alt=\"市章\"></p>"
            "<p>広報誌5月号の原稿を確認してください。</p></body></html>\n")
    related = multipart(b1, [
        part([(b"Content-Type", b"text/html; charset=UTF-8"),
              (b"Content-Transfer-Encoding", b"base64")], b64_lines(html.encode())),
        part([(b"Content-Type", b"image/png; name=\"logo.png\""),
              (b"Content-Transfer-Encoding", b"base64"),
              (b"Content-ID", b"<logo.20240415@city.example.lg.jp>"),
              (b"Content-Disposition", b"inline; filename=\"logo.png\"")], b64_lines(png_blob())),
    ], preamble=b"")
    parts = [
        text_part("広報誌5月号の原稿を確認してください。\n"),
        part([(b"Content-Type", ctype_multipart(b"related", b1, b" type=\"text/html\";"))], related),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"alternative", b0))],
                   multipart(b0, parts))


@case("mixed-attachments",
      "body plus .txt (UTF-8), PDF, ZIP and JPEG attachments; only the text survives the current pipeline",
      subject="工事関係書類一式",
      names=["議事録.txt", "見積書.pdf", "資料一式.zip", "IMG_0001.JPG"],
      contains=["書類一式をお送りします"])
def _(c):
    b = bnd(c.name)
    z = zip_blob([("議事録.txt", "第1回 工程会議 議事録\n".encode()),
                  ("資料/readme.txt", b"site photos and drawings\n")])
    parts = [
        text_part("契約課 御中\n\n書類一式をお送りします。\n髙橋\n"),
        attachment(b"text/plain; charset=UTF-8", rfc2231(b"filename", "議事録.txt"),
                   "第1回 工程会議 議事録\n出席者：髙橋、山﨑\n".encode(),
                   name_param=b"\"" + ew(b"UTF-8", "議事録.txt".encode()) + b"\""),
        attachment(b"application/pdf", rfc2231(b"filename", "見積書.pdf"), pdf_blob()),
        attachment(b"application/zip",
                   b"filename=\"" + ew(b"UTF-8", "資料一式.zip".encode()) + b"\"", z),
        attachment(b"image/jpeg", b"filename=\"IMG_0001.JPG\"", jpeg_blob(),
                   name_param=b"\"IMG_0001.JPG\""),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b))], multipart(b, parts))


@case("signed",
      "multipart/signed with text/plain and an application/pkcs7-signature part (signature is junk)",
      subject="入札結果のお知らせ",
      contains=["入札結果"])
def _(c):
    b = bnd(c.name)
    parts = [
        text_part("関係各位\n\n入札結果をお知らせします。\n架空市 契約課\n"),
        attachment(b"application/pkcs7-signature", b"filename=\"smime.p7s\"", p7s_blob(),
                   name_param=b"\"smime.p7s\""),
    ]
    ct = ctype_multipart(b"signed", b, b" protocol=\"application/pkcs7-signature\";"
                         b"\n micalg=sha-256;")
    return message(c, [(b"Content-Type", ct)],
                   multipart(b, parts, preamble=b"This is an S/MIME signed message\n"))


@case("nested-message",
      "multipart/mixed with a forwarded message/rfc822 that has its own ISO-2022-JP subject, body and .txt attachment",
      subject="Fw: 仕様書の件",
      contains=["転送します", "仕様書の件（原文）", "仕様書を添付します"],
      names=["仕様書.txt"])
def _(c):
    b0, b1 = bnd(c.name, 0), bnd(c.name, 1)
    inner_parts = [
        text_part("髙橋様\n\n仕様書を添付します。\n山﨑\n"),
        attachment(b"text/plain; charset=ISO-2022-JP", rfc2231(b"filename", "仕様書.txt"),
                   iso2022jp("仕様書\n① 舗装厚 5㎝\n② 延長 120m\n")),
    ]
    inner = render_headers([
        (b"From", ew_fold("山﨑花子") + b" <yamazaki@city.example.lg.jp>"),
        (b"To", b"takahashi@takasaki-kensetsu.example.co.jp"),
        (b"Subject", ew_fold("仕様書の件（原文）")),
        (b"Date", b"Fri, 12 Apr 2024 17:05:00 +0900"),
        (b"Message-ID", b"<inner.nested-message@fixtures.mugai.example.jp>"),
        (b"MIME-Version", b"1.0"),
        (b"Content-Type", ctype_multipart(b"mixed", b1)),
    ]) + NL + multipart(b1, inner_parts)
    parts = [
        text_part("各位\n\n以下のメールを転送します。\n"),
        part([(b"Content-Type", b"message/rfc822"),
              (b"Content-Disposition", b"attachment; filename=\"forwarded.eml\"")], inner),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b0))], multipart(b0, parts))


@case("deep-nesting",
      "multipart/mixed nested 60 levels deep with one text leaf at the bottom (recursion limit)",
      subject="深い入れ子",
      # Beyond the default depth limit (20) the leaf is removed with a notice.
      contains=["入れ子が深すぎるため削除しました", "nested too deeply"],
      absent=["最深部の本文です"])
def _(c):
    depth = 60
    inner = text_part("最深部の本文です（60階層）。\n", b"UTF-8")
    for level in range(depth - 1, 0, -1):
        b = bnd(c.name, level)
        inner = part([(b"Content-Type", ctype_multipart(b"mixed", b))],
                     multipart(b, [inner], preamble=b""))
    b = bnd(c.name, 0)
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b))],
                   multipart(b, [inner], preamble=b""))


@case("many-parts",
      "multipart/mixed with 1500 tiny text/plain attachments (part-count limit)",
      subject="添付ファイル多数")
def _(c):
    b = bnd(c.name)
    parts = [text_part("添付ファイルが1500件あります。\n", b"UTF-8")]
    for i in range(1, 1501):
        parts.append(part([(b"Content-Type", b"text/plain; charset=UTF-8"),
                           (b"Content-Disposition", b"attachment; filename=\"memo-%04d.txt\"" % i),
                           (b"Content-Transfer-Encoding", b"8bit")],
                          ("メモ %d/1500\n" % i).encode()))
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b))], multipart(b, parts))


@case("calendar",
      "text/calendar; method=REQUEST invite attachment (default deny for now)",
      subject="招待: 防災会議 2024/05/20 14:00",
      names=["invite.ics"],
      contains=["会議招待"])
def _(c):
    b = bnd(c.name)
    ics = ("BEGIN:VCALENDAR\r\nPRODID:-//Example//Calendar 1.0//JA\r\nVERSION:2.0\r\n"
           "METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:fixture-calendar-0001@city.example.lg.jp\r\n"
           "DTSTAMP:20240415T012345Z\r\nDTSTART;TZID=Asia/Tokyo:20240520T140000\r\n"
           "DTEND;TZID=Asia/Tokyo:20240520T160000\r\nSUMMARY:防災会議\r\n"
           "LOCATION:本庁舎3階 第1会議室\r\nURL:http://evil.example.net/meeting\r\n"
           "ORGANIZER;CN=危機管理課:mailto:kiki@city.example.lg.jp\r\n"
           "ATTENDEE;RSVP=TRUE:mailto:soumu@city.example.lg.jp\r\n"
           "END:VEVENT\r\nEND:VCALENDAR\r\n")
    parts = [
        text_part("会議招待をお送りします。\n"),
        part([(b"Content-Type", b"text/calendar; charset=UTF-8; method=REQUEST;\n name=\"invite.ics\""),
              (b"Content-Disposition", b"attachment; filename=\"invite.ics\""),
              (b"Content-Transfer-Encoding", b"base64")], b64_lines(ics.encode())),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b))], multipart(b, parts),
                   subject=ew_fold(c.subject))


@case("tnef",
      "application/ms-tnef winmail.dat (Outlook RTF wrapper, signature 78 9F 3E 22)",
      subject="見積書の件",
      names=["winmail.dat"],
      contains=["見積書の件で"])
def _(c):
    b = bnd(c.name)
    parts = [
        text_part("見積書の件でご連絡します。\n"),
        attachment(b"application/ms-tnef", b"filename=\"winmail.dat\"", tnef_blob(),
                   name_param=b"\"winmail.dat\""),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b))], multipart(b, parts))


# ---------------------------------------------------------------------------
# Cases: broken encodings and hostile structure
# ---------------------------------------------------------------------------

@case("broken-base64",
      "base64 body with invalid characters, padding in the middle and a truncated last quantum",
      subject="文字化けテスト（base64）",
      contains=["お世話になっております。"])
def _(c):
    good = b64_lines("お世話になっております。\n".encode())
    rest = base64.b64encode("総務課の髙橋です。本文の後半が壊れています。\n".encode())
    body = (good
            + rest[:20] + b"!!*" + rest[20:40] + b"\n"       # invalid characters
            + rest[40:48] + b"-_" + rest[48:60] + b"\n"      # URL-safe alphabet
            + b"QQ==" + rest[60:72] + b"\n"                  # padding mid-stream
            + rest[72:] + b"\n"
            + b"44G\n")                                      # truncated quantum
    return message(c, text_headers(b"UTF-8", b"base64"), body,
                   subject=ew_fold(c.subject, b"UTF-8"))


@case("broken-qp",
      "quoted-printable with =ZZ, a lone =4, lowercase hex, '= ' soft break, '=' + bare CR, a long line, '=' at EOF",
      subject="文字化けテスト（QP）",
      contains=["お知らせ"])
def _(c):
    enc = lambda s: b"".join(b"=%02X" % x for x in s.encode())
    body = (enc("お知らせ") + b"\n"
            + b"invalid escape =ZZ here\n"
            + b"single digit =4 here\n"
            + b"lowercase " + enc("あ").lower() + b"\n"
            + b"soft break with trailing space = \n"
            + b"continued\n"
            + b"soft break with bare CR =\rcontinued on the same line\n"
            + b"long " + b"x" * 200 + b"\n"
            + enc("終わり") + b" =")
    return message(c, text_headers(b"UTF-8", b"quoted-printable"), body,
                   subject=ew_fold(c.subject, b"UTF-8"))


@case("missing-boundary",
      "multipart/mixed whose closing boundary is missing and whose last part is truncated mid-base64",
      subject="議事録の送付",
      contains=["議事録をお送りします"])
def _(c):
    b = bnd(c.name)
    att = b64_lines(("議事録\n" * 40).encode())
    parts = [
        text_part("各位\n\n議事録をお送りします。\n"),
        render_headers([(b"Content-Type", b"text/plain; charset=UTF-8"),
                        (b"Content-Disposition", b"attachment; filename=\"minutes.txt\""),
                        (b"Content-Transfer-Encoding", b"base64")])
        + NL + att[:len(att) // 2 + 7],
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b))],
                   multipart(b, parts, close=False))


@case("nul-bytes",
      "UTF-8 8bit text/plain with NUL, C0/C1 controls, ANSI/OSC escapes, bare CR overwrite and U+202E/U+200B/U+FEFF",
      subject="制御文字テスト",
      contains=["通知", "安全です"])
def _(c):
    body = ("通知\x00\x00です。\n"
            "ベル\x07 バックスペース\x08\x08 垂直タブ\x0b 改ページ\x0c DEL\x7f\n"
            "\x1b[2J\x1b[31m赤字\x1b[0m \x1b]0;pwned\x07 \x1b$B JIS escape\n"
            "安全です\r危険です\n"
            "ファイル名 invoice\u202etxt.exe ゼロ幅\u200bスペース \ufeffBOM\n"
            "C1 NEL\u0085 CSI\u009b31m\n").encode()
    return message(c, text_headers(b"UTF-8", b"8bit"), body,
                   subject=ew_fold(c.subject, b"UTF-8"))


@case("huge-header",
      "300 KiB folded Subject and 5000 Received headers (header size and count limits)",
      contains=["巨大ヘッダ"])
def _(c):
    received = []
    for i in range(5000):
        received.append((b"Received", b"from mx%04d.example.net (mx%04d.example.net [192.0.2.%d])\n"
                         b"\tby relay.example.jp (Postfix) with ESMTP id %08X\n"
                         b"\tfor <soumu@city.example.lg.jp>; Mon, 15 Apr 2024 10:23:45 +0900"
                         % (i, i, i % 254 + 1, i * 2654435761 & 0xFFFFFFFF)))
    words, size, i = [], 0, 0
    while size < 300 * 1024:
        w = ew(b"UTF-8", ("【重要】住民税の納付について%05d" % i).encode())
        words.append(w)
        size += len(w) + 2
        i += 1
    body = "巨大ヘッダのテストです。\n".encode()
    out = message(c, text_headers(b"UTF-8", b"8bit"), body, subject=b"\n ".join(words),
                  extra=received)
    assert len(out) < 2 * 1024 * 1024
    return out


@case("huge-part-header",
      "one attachment part with a 300 KiB Content-Disposition header (per-header limit inside a part)",
      subject="巨大パートヘッダ",
      contains=["本文は正常です"])
def _(c):
    b = bnd(c.name)
    params, size, i = [b"attachment", b"filename=\"memo.txt\""], 0, 0
    while size < 300 * 1024:
        p = b"x-pad-%05d=\"%s\"" % (i, b"A" * 64)
        params.append(p)
        size += len(p) + 3
        i += 1
    parts = [
        text_part("本文は正常です。\n", b"UTF-8"),
        part([(b"Content-Type", b"text/plain; charset=UTF-8"),
              (b"Content-Disposition", b";\n ".join(params)),
              (b"Content-Transfer-Encoding", b"8bit")], "メモ\n".encode()),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b))], multipart(b, parts))


# ---------------------------------------------------------------------------
# The README sample (tests/fixtures/samples/ja-sample.eml)
# ---------------------------------------------------------------------------

@case("ja-sample",
      "realistic municipal mail for the docs: ISO-2022-JP alternative, NEC chars, deceptive link, .txt and PDF",
      subject="【御見積】道路補修工事（令和6年度）① 見積書送付のご案内",
      contains=["①", "②", "㈱", "髙", "﨑", "http://evil.example.net/mitsumori"],
      names=["見積明細（概要）.txt", "見積書.pdf"], sample=True)
def _(c):
    b0, b1 = bnd("ja-sample", 0), bnd("ja-sample", 1)
    plain = """架空市役所 建設部 道路課
山﨑 花子 様

いつも大変お世話になっております。
株式会社髙﨑建設 営業部の髙橋でございます。

先日ご依頼いただきました「市道3号線 道路補修工事」の御見積書を
お送りいたします。

① 見積金額：1,234,000円（税込）
② 工期　　：令和6年6月1日〜7月31日
③ 施工範囲：延長120m、舗装厚5㎝

明細は添付の「見積明細（概要）.txt」、正式な見積書はPDFをご覧ください。
見積書の閲覧は弊社ポータルからも可能です：
http://evil.example.net/mitsumori

ご不明な点がございましたら、お気軽にお問い合わせください。
何卒よろしくお願い申し上げます。

──────────────────
㈱髙﨑建設 営業部　髙橋 一郎
℡ 03-0000-0000
──────────────────
"""
    html = """<html><head><title>御見積書送付のご案内</title></head><body>
<p>架空市役所 建設部 道路課<br>山﨑 花子 様</p>
<p>いつも大変お世話になっております。<br>株式会社髙﨑建設 営業部の髙橋でございます。</p>
<p>先日ご依頼いただきました「市道3号線 道路補修工事」の御見積書をお送りいたします。</p>
<ul>
<li>① 見積金額：1,234,000円（税込）</li>
<li>② 工期：令和6年6月1日〜7月31日</li>
<li>③ 施工範囲：延長120m、舗装厚5㎝</li>
</ul>
<p>見積書の閲覧は弊社ポータルからも可能です：
<a href="http://evil.example.net/mitsumori">https://www.city.example.lg.jp/keiyaku/</a></p>
<p>何卒よろしくお願い申し上げます。</p>
<p>㈱髙﨑建設 営業部　髙橋 一郎<br>℡ 03-0000-0000</p>
</body></html>
"""
    alt = multipart(b1, [
        part(text_headers(), iso2022jp(plain)),
        part([(b"Content-Type", b"text/html; charset=ISO-2022-JP"),
              (b"Content-Transfer-Encoding", b"7bit")], iso2022jp(html)),
    ], preamble=b"")
    detail = ("見積明細（概要）\n"
              "① 既設舗装撤去　 120m　  240,000円\n"
              "② 舗装（5㎝）　 120m　  840,000円\n"
              "③ 区画線　　　　 一式　  154,000円\n"
              "合計　　　　　　　　　 1,234,000円\n")
    parts = [
        part([(b"Content-Type", ctype_multipart(b"alternative", b1))], alt),
        attachment(b"text/plain; charset=ISO-2022-JP",
                   rfc2231(b"filename", "見積明細（概要）.txt", b"ISO-2022-JP"),
                   iso2022jp(detail)),
        attachment(b"application/pdf", rfc2231(b"filename", "見積書.pdf"),
                   pdf_blob(b"Mitsumorisho: road repair 1,234,000 JPY"),
                   name_param=b"\"" + ew(b"ISO-2022-JP", iso2022jp("見積書.pdf")) + b"\""),
    ]
    return message(c, [(b"Content-Type", ctype_multipart(b"mixed", b0))],
                   multipart(b0, parts),
                   from_=ew_fold("株式会社髙﨑建設 営業部 髙橋一郎")
                   + b" <takahashi@takasaki-kensetsu.example.co.jp>",
                   to=ew_fold("架空市 道路課 山﨑花子") + b" <yamazaki@city.example.lg.jp>",
                   extra=[(b"Received", b"from mail.takasaki-kensetsu.example.co.jp "
                           b"(mail.takasaki-kensetsu.example.co.jp [192.0.2.25])\n"
                           b"\tby mx.city.example.lg.jp (Postfix) with ESMTPS id 4VJ2kQ1xZ9z9t\n"
                           b"\tfor <yamazaki@city.example.lg.jp>; Mon, 15 Apr 2024 10:23:47 +0900")])


# ---------------------------------------------------------------------------
# README and expected.ini
# ---------------------------------------------------------------------------

def md_cell(s):
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def md_list(items):
    return ", ".join("`%s`" % md_cell(i) for i in items)


def readme():
    out = ["# Mail fixtures",
           "",
           "Generated by `scripts/gen-mail-fixtures.py`; do not edit by hand, edit the script and",
           "re-run it (`--check` fails if a file is out of date). Output is byte-deterministic.",
           "Every message carries an `X-Fixture-Why:` header with the one-line reason below.",
           "",
           "Line endings are LF except in `crlf.eml`. The same table is in `expected.ini`",
           "(GLib key file, one group per case) for tests to read:",
           "",
           "- `why`: why the case exists;",
           "- `subject`: the Subject a correct decoder produces;",
           "- `contains`: strings the flattened text must contain (correct Japanese decoding,"
           " CP932 semantics: NEC row 13, IBM extensions as in Python's `cp932`);",
           "- `absent`: strings the flattened text must not contain;",
           "- `names`: attachment file names a correct decoder produces (in order).",
           "",
           "Wave dash: JIS 0x2141 / SJIS 0x8160 / EUC 0xA1C1 decode to U+FF5E under CP50220, CP932",
           "and eucJP-ms but to U+301C under plain JIS tables, so no expectation relies on it.",
           "Cases without `contains` (mislabelled charsets, huge or broken structure) only require",
           "that the sanitiser does not crash, and fails closed or degrades visibly.",
           "",
           "| case | why | expectations |",
           "|---|---|---|"]
    for c in CASES:
        if c.sample:
            continue
        exp = []
        if c.subject is not None:
            exp.append("subject: " + md_list([c.subject]))
        if c.contains:
            exp.append("contains: " + md_list(c.contains))
        if c.absent:
            exp.append("absent: " + md_list(c.absent))
        if c.names:
            exp.append("names: " + md_list([n.replace("\u202e", "<U+202E>") for n in c.names]))
        out.append("| `%s.eml` | %s | %s |" % (c.name, md_cell(c.why), "; ".join(exp)))
    s = [c for c in CASES if c.sample][0]
    out += ["",
            "## Sample",
            "",
            "`../samples/ja-sample.eml` (same generator): %s." % s.why,
            "Expected names: %s." % md_list(s.names),
            ""]
    return "\n".join(out).encode()


def ini_escape(s, in_list=False):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == ";" and in_list:
            out.append("\\;")
        else:
            out.append(ch)
    r = "".join(out)
    if r.startswith(" "):
        r = "\\s" + r[1:]
    return r


def expected_ini():
    out = ["# Generated by scripts/gen-mail-fixtures.py; see README.md.", ""]
    for c in CASES:
        out.append("[%s]" % c.name)
        out.append("file=%s" % os.path.relpath(c.path, MAIL_DIR))
        out.append("why=%s" % ini_escape(c.why))
        if c.subject is not None:
            out.append("subject=%s" % ini_escape(c.subject))
        for key in ("contains", "absent", "names"):
            vals = getattr(c, key)
            if vals:
                out.append("%s=%s;" % (key, ";".join(ini_escape(v, True) for v in vals)))
        out.append("")
    return "\n".join(out).encode()


def outputs():
    files = []
    for c in CASES:
        data = c.fn(c)
        assert b"X-Fixture-Why: " + c.why.encode() in data, c.name
        files.append((c.path, data))
    files.append((os.path.join(MAIL_DIR, "README.md"), readme()))
    files.append((os.path.join(MAIL_DIR, "expected.ini"), expected_ini()))
    return files


def main(argv):
    check = "--check" in argv[1:]
    stale = fixture_files.sync(outputs(), ROOT, check)
    known = {c.name + ".eml" for c in CASES}
    for fn in sorted(os.listdir(MAIL_DIR)) if os.path.isdir(MAIL_DIR) else []:
        if fn.endswith(".eml") and fn not in known:
            print("warning: %s is not generated by this script" % fn, file=sys.stderr)
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
