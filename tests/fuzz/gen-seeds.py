#!/usr/bin/env python3
"""gen-seeds.py - write the committed seed inputs of the harnesses whose
input format is their own (a selector byte, frames, NUL-separated names):
tests/fuzz/seeds/<harness>/. Rerun after changing a harness's input format;
scripts/fuzz adds the fixture files on top of these.
"""
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")

JA = "【御見積】道路補修工事（令和6年度）①㈱髙﨑 見積書送付のご案内\r\nｶﾀｶﾅ ～－∥ ≒≡∫∮\r\n"


def put(harness, name, data):
    d = os.path.join(SEEDS, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def html():
    docs = {
        "basic": b"<html><head><title>t</title><style>p{}</style></head><body><p>Hello <b>world</b><br>line</p></body></html>",
        "links": b'<p><a href="https://evil.example/">https://bank.example.jp/</a> <a href="javascript:alert(1)">x</a> <img src="data:image/png;base64,AAAA" alt="\xe7\x94\xbb\xe5\x83\x8f"></p>',
        "table": b"<table><tr><td>a</td><td>b</td></tr><tr><th>c</th></tr></table><ol><li>one<li>two</ol><ul><li>x</ul>",
        "script": b"<script>alert(1)</script><iframe src=x></iframe><object data=x></object><svg onload=alert(1)><foreignObject>t</foreignObject></svg><div style=\"background:expression(alert(1))\" onclick=\"x()\">d</div>",
        "entities": b"&lt;&gt;&amp;&quot;&#x3042;&#12354;&nbsp;&copy;&bogus; &#0; &#xD800; &#x110000;",
        "meta-sjis": "<meta charset=\"shift_jis\"><p>".encode() + JA.encode("cp932") + b"</p>",
        "meta-http-equiv": '<meta http-equiv="Content-Type" content="text/html; charset=euc-jp"><p>'.encode() + JA.encode("euc_jp", "replace") + b"</p>",
        "broken": b"<p><b><i>unclosed <a href='x'>a<table><td>cell<!-- comment <p> --> <![CDATA[x]]> </",
        "pre": b"<pre>  keep\n   spaces\t</pre><blockquote>q</blockquote><h1>head</h1><hr>",
    }
    for name, body in docs.items():
        put("html", name, b"\x00" + body)
    put("html", "iso2022jp", b"\x02" + ("<p>" + "見積書①㈱" + "</p>").encode("iso2022_jp_ext", "replace"))
    put("html", "utf8-label", b"\x01" + ("<p>" + JA + "</p>").encode())


def charset():
    # labels[] in fuzz-charset.c: 0 none, 1 iso-2022-jp, 2 shift_jis, 3 euc-jp, 4 utf-8, 5 us-ascii,
    # 10 iso-8859-1, 12 gb2312, 16 utf-16
    text = JA
    put("charset", "iso2022jp", b"\x01\x01" + text.encode("iso2022_jp_ext", "replace"))
    put("charset", "iso2022jp-nec", b"\x01\x03" + b"\x1b$B-!-\"-j-k\x1b(B \x1b(I12\x1b(B \x1b$@$\"\x1b(J~\x1b(B")
    put("charset", "cp932", b"\x02\x05" + text.encode("cp932"))
    put("charset", "cp932-ibm", b"\x02\x01" + b"\xfa\x40\xfa\x55\xfb\xfc\xed\x40\x87\x40\x81\x5f\xa0\xfd")
    put("charset", "eucjp", b"\x03\x02" + text.encode("euc_jp", "replace") + b"\x8e\xb1\x8f\xa2\xaf\xad\xa1")
    put("charset", "utf8", b"\x04\x07" + text.encode() + b"\xf0\x9f\x98\x80\xed\xa0\x80\xc0\xaf")
    put("charset", "ascii-8bit", b"\x05\x03" + text.encode("cp932"))
    put("charset", "detect-sjis", b"\x00\x04" + text.encode("cp932"))
    put("charset", "detect-euc", b"\x00\x04" + text.encode("euc_jp", "replace"))
    put("charset", "detect-jis", b"\x00\x04" + text.encode("iso2022_jp_ext", "replace"))
    put("charset", "latin1", b"\x0a\x02caf\xe9 na\xefve")
    put("charset", "gb2312", b"\x0c\x02" + "中文测试".encode("gb2312"))
    put("charset", "utf16", b"\x10\x01" + text.encode("utf-16"))


def header():
    vals = [
        (0, b"=?ISO-2022-JP?B?GyRCOCsbKEI=?= =?ISO-2022-JP?B?GyRCQVEbKEI=?="),
        (0, b"=?utf-8?q?caf=C3=A9_=E2=91=A0?= plain =?shift_jis?B?jKmPkQ==?="),
        (0, b"Re: " + JA.encode("cp932")),
        (0, b"=?iso-2022-jp?B?GyRCJFskMhsoQg?=\r\n =?iso-2022-jp?B?GyRCJCIbKEI=?= =?bogus?x?y?= =?utf-8?b?!!!?="),
        (0, "株式会社 髙﨑 <a@example.jp>".encode("euc_jp", "replace")),
        (1, b'attachment; filename*=UTF-8\'\'%E8%A6%8B%E7%A9%8D%E6%9B%B8.pdf'),
        (1, b"attachment; filename*0*=ISO-2022-JP''%1B%24B; filename*1*=%38%2B%1B%28B; filename*2=.txt"),
        (1, b'attachment; filename="=?UTF-8?B?6KaL56mN5pu4LnBkZg==?="'),
        (1, b'attachment; filename="' + "見積書.pdf".encode("cp932") + b'"'),
        (1, b'inline; filename="a\\"b\\\\c.txt"; size=10'),
        (4, b'text/plain; charset="iso-2022-jp"; format=flowed'),
        (7, b'text/plain; name*=shift_jis\'ja\'%8C%A9%8F%91.txt; name=fallback.txt'),
        (10, b'multipart/mixed; boundary="----=_Part_0_1234.5678"'),
        (2, b"  Text/HTML ; charset=utf-8"),
        (5, b"ATTACHMENT;filename=x"),
    ]
    for i, (sel, v) in enumerate(vals):
        put("header", "h%02d" % i, bytes([sel]) + v)


def frame(t, index, payload):
    return struct.pack("<B3xIQ", ord(t), index, len(payload)) + payload


def wire():
    page = struct.pack("<6I", 4, 2, 3, 0, 595000, 842000) + bytes(range(24))
    pdf = b"MGW1" + frame("D", 0, struct.pack("<II", 1, 0)) + frame("T", 0, JA.encode()) + frame("P", 0, page) + frame("Z", 0, b"")
    put("wire", "pdf", b"\x00" + pdf)
    put("wire", "pdf-sink", b"\x80" + pdf)
    grey = struct.pack("<6I", 3, 3, 1, 0, 0, 0) + bytes(9)
    rgba = struct.pack("<6I", 2, 2, 4, 0, 0, 0) + bytes(16)
    put("wire", "image", b"\x01" + b"MGW1" + frame("D", 0, struct.pack("<II", 1, 1)) + frame("P", 0, grey) + frame("Z", 0, b""))
    put("wire", "image-rgba", b"\x81" + b"MGW1" + frame("D", 0, struct.pack("<II", 1, 0)) + frame("P", 0, rgba) + frame("Z", 0, b""))
    put("wire", "error", b"\x00" + b"MGW1" + frame("E", 0, struct.pack("<I", 2) + b"password needed"))
    name1 = "資料/見積書.txt".encode("cp932")
    name2 = b"../../etc/passwd"
    arc = b"MGW1" + frame("M", 0, struct.pack("<II", 2, 5) + b"docs/")
    arc += frame("M", 1, struct.pack("<II", 1, len(name1)) + name1) + frame("B", 1, b"hello") + frame("B", 1, b" world")
    arc += frame("M", 2, struct.pack("<II", 3, len(name2)) + name2)
    arc += frame("M", 3, struct.pack("<II", 1, 0)) + frame("B", 3, b"gz")
    arc += frame("Z", 0, b"")
    put("wire", "archive", b"\x02" + arc)


def names():
    ns = [
        "資料/2026/見積書.pdf".encode("cp932"),
        "資料/議事録.txt".encode(),
        "データ/表.xlsx".encode("euc_jp"),
        b"../../../etc/passwd",
        b"/abs/path.txt",
        b"C:\\Windows\\System32\\evil.exe",
        b"C:relative.txt",
        b"a/./b/../c//d",
        b"CON", b"nul.txt", b"aux.", b"trailing. ", b"a:b", b"\xe2\x80\xaegpj.exe", b"x" * 300,
        b"\x01\x02ctl\x7f\x1b[31m",
        b"dup.txt", b"DUP.txt", b"dup (2).txt", b".", b"..", b"/", b"", b"\\\\server\\share\\x",
        b".hidden", b"a/", "ｶﾀｶﾅ.txt".encode("cp932"),
    ]
    put("names", "mixed", b"\x00".join(ns))
    for i, n in enumerate(ns):
        put("names", "n%02d" % i, n)


def main():
    if os.path.isdir(SEEDS):
        shutil.rmtree(SEEDS)
    html()
    charset()
    header()
    wire()
    names()
    return 0


if __name__ == "__main__":
    sys.exit(main())
