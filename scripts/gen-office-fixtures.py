#!/usr/bin/python3
"""gen-office-fixtures.py - generate the office document fixtures (issue 4)
into tests/fixtures/office/.

How they are made, exactly:

1. This script writes three flat OpenDocument sources (XML, byte for byte
   here, Japanese content in IPA fonts): a Writer report, a Calc budget and
   an Impress deck, plus a Writer document whose Basic macro is bound to the
   "open document" event.
2. LibreOffice (the installed soffice.bin, headless, a throw-away profile in
   a temporary directory with macros disabled and Writer's rsids off) loads
   each source over UNO, read-only with MacroExecutionMode NEVER, and stores
   it with storeToURL in each target format (FILTERS below names the export
   filter of each file). Nothing else is done to the binary formats (.doc,
   .xls, .ppt, .rtf); LibreOffice writes them the same way every time.
3. The zip-based formats (.odt .ods .odp .docx .docm .xlsx .xlsm .pptx
   .pptm) are re-packed here: same members in the same order, fixed
   timestamps (2026-04-01 09:00), creation and modification dates in their
   metadata fixed, deflated by zlib at level 9 (mimetype stored, as ODF
   requires). Fonts of one family that LibreOffice lists in a different
   order at every run are put in one order (canon_odf_fonts; for the RTF
   font table, canon_rtf_fonts).
4. The VBA projects of macro-autoopen.docm (AutoOpen in a standard module)
   and macro-workbook.xlsm (Workbook_Open in ThisWorkbook) are written here:
   a compound file (MS-CFB, version 3) holding an MS-OVBA project whose
   source is compressed with literal tokens only and which has no compiled
   cache (_VBA_PROJECT version 0xFFFF: Office compiles the source on open).
   The package gets vbaProject.bin, its relationship and content type.
5. encrypted.docx: the Writer report stored by LibreOffice as MS Word 2007
   XML with the password ENCRYPTED_PASSWORD (ECMA-376 Standard encryption,
   AES-128, as LibreOffice's Save As with a password does).
   Its salt is random, so its bytes differ at every run: the committed file
   is kept as long as LibreOffice still opens it with the password and finds
   the report's text in it; only otherwise is a new one written.
6. corrupt.docx: ja-report.docx cut at 55% of its bytes (no central
   directory). parts-late.docx and parts-unnamed.docx: ja-report.docx
   re-packed with a padding part after [Content_Types].xml (reorder), which
   file(1) then calls a plain ZIP, or "Microsoft OOXML".

Every macro would, if it ran, write MACRO_CANARY_PREFIX + its case to /tmp
and put MACRO-RAN-<case> into the document's text (so a render would show
it); tests/integration/office.sh proves both absent from mugai's output, and
that the ODT's macro does run when LibreOffice is allowed to run macros.

Usage:
  /usr/bin/python3 scripts/gen-office-fixtures.py          write the fixtures
  /usr/bin/python3 scripts/gen-office-fixtures.py --check  exit 1 if a file would change

Requires LibreOffice (Writer, Calc, Impress) and python3-uno, and the IPA
fonts for the documents to look right (scripts/debian-packages.txt).
"""

import io
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_files  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures", "office")
SOFFICE = os.environ.get("MUGAI_SOFFICE", "/usr/lib/libreoffice/program/soffice.bin")

ZIP_DATE = (2026, 4, 1, 9, 0, 0)
ISO_DATE = "2026-04-01T09:00:00"
ENCRYPTED_PASSWORD = "Kagi-2026"
MACRO_CANARY_PREFIX = "/tmp/mugai-macro-canary-"

# ---------------------------------------------------------------------------
# Flat OpenDocument sources
# ---------------------------------------------------------------------------

NS = " ".join('xmlns:%s="%s"' % kv for kv in [
    ("office", "urn:oasis:names:tc:opendocument:xmlns:office:1.0"),
    ("style", "urn:oasis:names:tc:opendocument:xmlns:style:1.0"),
    ("text", "urn:oasis:names:tc:opendocument:xmlns:text:1.0"),
    ("table", "urn:oasis:names:tc:opendocument:xmlns:table:1.0"),
    ("draw", "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"),
    ("fo", "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"),
    ("xlink", "http://www.w3.org/1999/xlink"),
    ("dc", "http://purl.org/dc/elements/1.1/"),
    ("meta", "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"),
    ("number", "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"),
    ("presentation", "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"),
    ("svg", "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"),
    ("script", "urn:oasis:names:tc:opendocument:xmlns:script:1.0"),
    ("dom", "http://www.w3.org/2001/xml-events"),
    ("of", "urn:oasis:names:tc:opendocument:xmlns:of:1.2"),
    ("ooo", "http://openoffice.org/2004/office"),
    ("loext", "urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0"),
])

FONTS = """<office:font-face-decls>
  <style:font-face style:name="IPAMincho" svg:font-family="IPAMincho" style:font-family-generic="roman" style:font-pitch="variable"/>
  <style:font-face style:name="IPAGothic" svg:font-family="IPAGothic" style:font-family-generic="swiss" style:font-pitch="variable"/>
 </office:font-face-decls>"""


def meta(title):
    return ("<office:meta><meta:generator>mugai gen-office-fixtures.py</meta:generator>"
            "<dc:title>%s</dc:title><meta:creation-date>%s</meta:creation-date>"
            "<dc:date>%s</dc:date></office:meta>" % (title, ISO_DATE, ISO_DATE))


def text_props(font, size):
    return ('<style:text-properties style:font-name="%s" fo:font-size="%s" '
            'style:font-name-asian="%s" style:font-size-asian="%s" fo:language="ja" '
            'fo:country="JP" style:language-asian="ja" style:country-asian="JP"/>'
            % (font, size, font, size))


def macro_scripts(case, language_basic):
    """office:scripts: a Basic module whose OnOpen runs on "open document"."""
    canary = MACRO_CANARY_PREFIX + case
    code = "\n".join([
        "Sub OnOpen",
        "  Dim n As Integer",
        "  n = FreeFile",
        '  Open "%s" For Output As #n' % canary,
        '  Print #n, "MACRO-RAN-%s"' % case.upper(),
        "  Close #n",
        '  %s' % language_basic,
        "End Sub",
        ""])
    code = code.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return ("<office:scripts>"
            '<office:script script:language="ooo:Basic"><ooo:libraries>'
            '<ooo:library-embedded ooo:name="Standard"><ooo:module ooo:name="Module1">'
            "<ooo:source-code>%s</ooo:source-code></ooo:module></ooo:library-embedded>"
            "</ooo:libraries></office:script>"
            "<office:event-listeners>"
            '<script:event-listener script:language="ooo:script" script:event-name="dom:load" '
            'xlink:href="vnd.sun.star.script:Standard.Module1.OnOpen?language=Basic&amp;'
            'location=document" xlink:type="simple"/>'
            "</office:event-listeners></office:scripts>" % code)


REPORT_ROWS = [("①", "舗装工事", "一式", "1,200,000円"),
               ("②", "区画線工事", "一式", "350,000円"),
               ("③", "交通誘導員", "一式", "180,000円")]


def writer_source(title, paragraphs, scripts=""):
    rows = "".join(
        "<table:table-row>%s</table:table-row>" % "".join(
            '<table:table-cell office:value-type="string"><text:p text:style-name="Cell">%s'
            "</text:p></table:table-cell>" % c for c in row)
        for row in REPORT_ROWS)
    body = ['<text:h text:style-name="Title" text:outline-level="1">%s</text:h>' % title]
    body += ['<text:p text:style-name="Body">%s</text:p>' % p for p in paragraphs]
    body.append('<table:table table:name="明細" table:style-name="Tbl">'
                '<table:table-column table:number-columns-repeated="4"/>%s</table:table>' % rows)
    body.append('<text:p text:style-name="Body">合計　1,730,000円（税込）</text:p>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<office:document %s office:version="1.3" '
            'office:mimetype="application/vnd.oasis.opendocument.text">\n'
            ' %s\n %s\n %s\n'
            ' <office:styles>'
            '<style:default-style style:family="paragraph">%s</style:default-style>'
            '<style:style style:name="Title" style:family="paragraph">'
            '<style:paragraph-properties fo:margin-bottom="0.6cm"/>%s</style:style>'
            '<style:style style:name="Body" style:family="paragraph">'
            '<style:paragraph-properties fo:margin-bottom="0.3cm"/>%s</style:style>'
            '<style:style style:name="Cell" style:family="paragraph">%s</style:style>'
            "</office:styles>\n"
            ' <office:automatic-styles>'
            '<style:style style:name="Tbl" style:family="table">'
            '<style:table-properties style:width="16cm" table:align="left"/></style:style>'
            '<style:page-layout style:name="pm1"><style:page-layout-properties '
            'fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2.5cm" '
            'fo:margin-bottom="2.5cm" fo:margin-left="2.5cm" fo:margin-right="2.5cm"/>'
            "</style:page-layout></office:automatic-styles>\n"
            ' <office:master-styles><style:master-page style:name="Standard" '
            'style:page-layout-name="pm1"/></office:master-styles>\n'
            " <office:body><office:text>%s</office:text></office:body>\n"
            "</office:document>\n"
            % (NS, meta(title), scripts, FONTS, text_props("IPAMincho", "12pt"),
               text_props("IPAGothic", "28pt"), text_props("IPAMincho", "16pt"),
               text_props("IPAMincho", "16pt"), "".join(body))).encode("utf-8")


BUDGET = [("総務費", 1520000), ("民生費", 4830000), ("土木費", 2260000), ("教育費", 1980000)]


def calc_source():
    def cell(v, style="ce1"):
        if isinstance(v, int):
            return ('<table:table-cell table:style-name="%s" office:value-type="float" '
                    'office:value="%d"><text:p>%s</text:p></table:table-cell>'
                    % (style, v, "{:,}".format(v)))
        return ('<table:table-cell table:style-name="%s" office:value-type="string">'
                "<text:p>%s</text:p></table:table-cell>" % (style, v))
    rows = ['<table:table-row table:style-name="ro1">%s%s</table:table-row>'
            % (cell("款", "ce2"), cell("予算額（円）", "ce2"))]
    rows += ['<table:table-row table:style-name="ro1">%s%s</table:table-row>'
             % (cell(k), cell(v)) for k, v in BUDGET]
    total = sum(v for _, v in BUDGET)
    rows.append('<table:table-row table:style-name="ro1">%s'
                '<table:table-cell table:style-name="ce2" table:formula="of:=SUM([.B2:.B5])" '
                'office:value-type="float" office:value="%d"><text:p>%s</text:p>'
                "</table:table-cell></table:table-row>" % (cell("合計", "ce2"), total,
                                                           "{:,}".format(total)))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<office:document %s office:version="1.3" '
            'office:mimetype="application/vnd.oasis.opendocument.spreadsheet">\n'
            " %s\n %s\n"
            " <office:styles>"
            '<style:default-style style:family="table-cell">%s</style:default-style>'
            "</office:styles>\n"
            " <office:automatic-styles>"
            '<style:style style:name="co1" style:family="table-column">'
            '<style:table-column-properties style:column-width="6cm"/></style:style>'
            '<style:style style:name="ro1" style:family="table-row">'
            '<style:table-row-properties style:row-height="1.2cm"/></style:style>'
            '<style:style style:name="ce1" style:family="table-cell">%s</style:style>'
            '<style:style style:name="ce2" style:family="table-cell">%s</style:style>'
            '<style:page-layout style:name="pm1"><style:page-layout-properties '
            'fo:page-width="29.7cm" fo:page-height="21cm" style:print-orientation="landscape" '
            'fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2cm" '
            'fo:margin-right="2cm"/></style:page-layout>'
            "</office:automatic-styles>\n"
            # No header or footer: a master page that leaves them undefined
            # is saved in .ods with empty ones that print over the cells.
            ' <office:master-styles><style:master-page style:name="Default" '
            'style:page-layout-name="pm1"><style:header style:display="false"/>'
            '<style:footer style:display="false"/></style:master-page></office:master-styles>\n'
            ' <office:body><office:spreadsheet><table:table table:name="予算">'
            '<table:table-column table:style-name="co1" table:number-columns-repeated="2"/>'
            "%s</table:table></office:spreadsheet></office:body>\n"
            "</office:document>\n"
            % (NS, meta("令和8年度 予算表"), FONTS, text_props("IPAMincho", "14pt"),
               text_props("IPAMincho", "16pt"), text_props("IPAGothic", "16pt"),
               "".join(rows))).encode("utf-8")


SLIDES = [("無害化の仕組み", ["添付ファイルは画像に変換されます", "マクロは実行されません"]),
          ("説明資料", ["令和8年度 情報政策課", "問い合わせ：内線1234"])]


def impress_source():
    pages = []
    for i, (title, items) in enumerate(SLIDES, 1):
        bullets = "".join("<text:list-item><text:p>%s</text:p></text:list-item>" % t
                          for t in items)
        pages.append(
            '<draw:page draw:name="page%d" draw:master-page-name="M" '
            'presentation:presentation-page-layout-name="AL1T1">'
            '<draw:frame presentation:style-name="pr1" presentation:class="title" '
            'svg:x="1.5cm" svg:y="1cm" svg:width="25cm" svg:height="3cm">'
            "<draw:text-box><text:p>%s</text:p></draw:text-box></draw:frame>"
            '<draw:frame presentation:style-name="pr2" presentation:class="outline" '
            'svg:x="1.5cm" svg:y="5cm" svg:width="25cm" svg:height="12cm">'
            "<draw:text-box><text:list>%s</text:list></draw:text-box></draw:frame>"
            "</draw:page>" % (i, title, bullets))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<office:document %s office:version="1.3" '
            'office:mimetype="application/vnd.oasis.opendocument.presentation">\n'
            " %s\n %s\n"
            " <office:styles>"
            '<style:default-style style:family="graphic">%s</style:default-style>'
            "</office:styles>\n"
            " <office:automatic-styles>"
            '<style:page-layout style:name="PM1"><style:page-layout-properties '
            'fo:page-width="28cm" fo:page-height="21cm" style:print-orientation="landscape" '
            'fo:margin-top="0cm" fo:margin-bottom="0cm" fo:margin-left="0cm" '
            'fo:margin-right="0cm"/></style:page-layout>'
            '<style:style style:name="pr1" style:family="presentation">'
            '<style:graphic-properties draw:fill="none" draw:stroke="none"/>%s</style:style>'
            '<style:style style:name="pr2" style:family="presentation">'
            '<style:graphic-properties draw:fill="none" draw:stroke="none"/>%s</style:style>'
            "</office:automatic-styles>\n"
            ' <office:master-styles><style:master-page style:name="M" '
            'style:page-layout-name="PM1"/></office:master-styles>\n'
            " <office:body><office:presentation>%s</office:presentation></office:body>\n"
            "</office:document>\n"
            % (NS, meta("説明資料"), FONTS, text_props("IPAGothic", "24pt"),
               text_props("IPAGothic", "40pt"), text_props("IPAGothic", "28pt"),
               "".join(pages))).encode("utf-8")


REPORT_TITLE = "見積書（令和8年度）"
REPORT_PARAGRAPHS = ["㈱山田製作所　御中", "件名：市道3号線 道路補修工事", "担当：建設課　髙橋 一郎"]


def sources():
    """name -> (flat ODF bytes, its suffix)"""
    return {
        "report": (writer_source(REPORT_TITLE, REPORT_PARAGRAPHS), ".fodt"),
        "budget": (calc_source(), ".fods"),
        "slides": (impress_source(), ".fodp"),
        "onload": (writer_source(
            "マクロ付き文書", ["開いたときにマクロが動くように作られています。",
                         "mugai はマクロを実行しません。"],
            macro_scripts("odt", "ThisComponent.getText().getEnd().setString"
                                 '("MACRO-RAN-ODT")')), ".fodt"),
        "vba-writer": (writer_source(
            "VBAマクロ付き文書", ["AutoOpen マクロを含みます。", "mugai はマクロを実行しません。"]),
            ".fodt"),
        "vba-calc": (calc_source(), ".fods"),
    }


# (fixture, source, export filter). Their order is the README's.
FILTERS = [
    ("ja-report.odt", "report", "writer8"),
    ("ja-report.docx", "report", "MS Word 2007 XML"),
    ("ja-report.doc", "report", "MS Word 97"),
    ("ja-report.rtf", "report", "Rich Text Format"),
    ("ja-budget.ods", "budget", "calc8"),
    ("ja-budget.xlsx", "budget", "Calc MS Excel 2007 XML"),
    ("ja-budget.xls", "budget", "MS Excel 97"),
    ("ja-slides.odp", "slides", "impress8"),
    ("ja-slides.pptx", "slides", "Impress MS PowerPoint 2007 XML"),
    ("ja-slides.pptm", "slides", "Impress MS PowerPoint 2007 XML VBA"),
    ("ja-slides.ppt", "slides", "MS PowerPoint 97"),
    ("macro-onload.odt", "onload", "writer8"),
    ("macro-autoopen.docm", "vba-writer", "MS Word 2007 XML VBA"),
    ("macro-workbook.xlsm", "vba-calc", "Calc MS Excel 2007 VBA XML"),
]

WHY = {
    "ja-report.odt": "Writer report (見積書, 令和8年度, ㈱, 髙橋, ①②③, a table) in IPA fonts, A4",
    "ja-report.docx": "the same report as Word 2007+ (OOXML)",
    "ja-report.doc": "the same report as Word 97 (binary, CDFV2)",
    "ja-report.rtf": "the same report as RTF (Japanese as \\\\u escapes)",
    "ja-budget.ods": "Calc budget (予算, 土木費, 合計 with a SUM formula), A4 landscape",
    "ja-budget.xlsx": "the same budget as Excel 2007+",
    "ja-budget.xls": "the same budget as Excel 97 (binary, CDFV2)",
    "ja-slides.odp": "Impress deck, 2 slides (無害化の仕組み, 説明資料)",
    "ja-slides.pptx": "the same deck as PowerPoint 2007+",
    "ja-slides.pptm": "the same deck as a macro-enabled PowerPoint (no macro in it)",
    "ja-slides.ppt": "the same deck as PowerPoint 97 (binary, CDFV2)",
    "macro-onload.odt": "Basic macro on the open-document event: writes %sodt and puts "
                        "MACRO-RAN-ODT into the text (LibreOffice runs it when macros are "
                        "allowed; office.sh proves it)" % MACRO_CANARY_PREFIX,
    "macro-autoopen.docm": "VBA project (ThisDocument, Module1 with AutoOpen) that would write "
                           "%sdocm and insert MACRO-RAN-DOCM" % MACRO_CANARY_PREFIX,
    "macro-workbook.xlsm": "VBA project (ThisWorkbook.Workbook_Open, Sheet1) that would write "
                           "%sxlsm and put MACRO-RAN-XLSM in A1" % MACRO_CANARY_PREFIX,
    "encrypted.docx": "the report saved by LibreOffice with the password %s (ECMA-376 Standard "
                      "encryption, a CDFV2 container): held, reason encrypted; --password "
                      "opens it" % ENCRYPTED_PASSWORD,
    "corrupt.docx": "ja-report.docx cut at 55%% of its bytes: removed, reason malformed",
    "parts-late.docx": "ja-report.docx with a 12 KB stored part after [Content_Types].xml: "
                       "file(1) says Zip archive (application/zip); converted, not expanded",
    "parts-unnamed.docx": "the same with a 2 KB part: file(1) says Microsoft OOXML "
                          "(application/octet-stream); converted, not refused",
}

# ---------------------------------------------------------------------------
# LibreOffice, driven over UNO
# ---------------------------------------------------------------------------

XCU = [
    ("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "int", "3"),
    ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "boolean",
     "true"),
    ("/org.openoffice.Office.Writer/Comparison", "StoreRSID", "boolean", "false"),
    ("/org.openoffice.Office.Common/Save/Document", "WarnAlienFormat", "boolean", "false"),
    # No preview images (a .ppt's SummaryInformation would carry 590 KB of
    # bitmap) and no user name in the metadata.
    ("/org.openoffice.Office.Common/Save/Document", "GenerateThumbnail", "boolean", "false"),
    ("/org.openoffice.Office.Common/Save/Document", "UseUserData", "boolean", "false"),
    ("/org.openoffice.Office.Common/Filter/Microsoft/Export", "EnablePowerPointPreview",
     "boolean", "false"),
    ("/org.openoffice.Office.Common/Filter/Microsoft/Export", "EnableExcelPreview", "boolean",
     "false"),
    ("/org.openoffice.Office.Common/Filter/Microsoft/Export", "EnableWordPreview", "boolean",
     "false"),
    ("/org.openoffice.Office.Common/Misc", "FirstRun", "boolean", "false"),
]


def xcu(items):
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
             'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">']
    for path, name, kind, value in items:
        lines.append('<item oor:path="%s"><prop oor:name="%s" oor:op="fuse" oor:type="xs:%s">'
                     "<value>%s</value></prop></item>" % (path, name, kind, value))
    lines.append("</oor:items>")
    return "\n".join(lines) + "\n"


class Office:
    """One headless LibreOffice with a private profile."""

    def __init__(self, tmp, extra_xcu=()):
        import uno  # python3-uno
        self.uno = uno
        self.profile = os.path.join(tmp, "profile")
        os.makedirs(os.path.join(self.profile, "user", "extensions"))
        with open(os.path.join(self.profile, "user", "registrymodifications.xcu"), "w") as f:
            f.write(xcu(XCU + list(extra_xcu)))
        rc = open(os.path.join(os.path.dirname(SOFFICE), "versionrc")).read()
        m = re.search(r"^buildid=(.+)$", rc, re.M)
        if m:
            with open(os.path.join(self.profile, "user", "extensions", "buildid"), "w") as f:
                f.write(m.group(1).strip())
        self.pipe = "mugai_gen_%d" % os.getpid()
        env = dict(os.environ, HOME=tmp, SAL_USE_VCLPLUGIN="svp")
        env.pop("DISPLAY", None)
        self.proc = subprocess.Popen(
            [SOFFICE, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
             "--nolockcheck", "-env:UserInstallation=" + uno.systemPathToFileUrl(self.profile),
             "--accept=pipe,name=%s;urp;" % self.pipe],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd=tmp)
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + 60
        while True:
            try:
                ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext"
                                       % self.pipe)
                break
            except Exception:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("gen-office-fixtures: LibreOffice did not start")
                time.sleep(0.05)
        self.desktop = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", ctx)

    def props(self, **kw):
        from com.sun.star.beans import PropertyValue
        return tuple(PropertyValue(Name=k, Value=v) for k, v in kw.items())

    def load(self, path, **extra):
        url = self.uno.systemPathToFileUrl(path)
        return self.desktop.loadComponentFromURL(
            url, "_blank", 0, self.props(Hidden=True, ReadOnly=True, MacroExecutionMode=0,
                                         **extra))

    def store(self, src, dst, filt, password=None):
        doc = self.load(src)
        if doc is None:
            raise SystemExit("gen-office-fixtures: LibreOffice cannot load %s" % src)
        extra = {}
        if password:
            # What Save As with a password does for OOXML (sfx2): the
            # filter encrypts with ECMA-376 Standard encryption.
            from com.sun.star.beans import NamedValue
            extra["EncryptionData"] = self.uno.Any(
                "[]com.sun.star.beans.NamedValue",
                (NamedValue("OOXPassword", password), NamedValue("CryptoType", "Standard")))
        try:
            self.uno.invoke(doc, "storeToURL", (self.uno.systemPathToFileUrl(dst),
                                                self.props(FilterName=filt, **extra)))
        finally:
            doc.close(True)

    def text_of(self, path, password):
        """The text of a Writer document (None when it does not open)."""
        try:
            doc = self.load(path, Password=password)
        except Exception:
            return None
        if doc is None:
            return None
        try:
            return doc.getText().getString()
        finally:
            doc.close(True)

    def close(self):
        try:
            self.desktop.terminate()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------------------
# Zip packages: re-packed with fixed dates
# ---------------------------------------------------------------------------

FIXED_PATTERNS = [
    (re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)"),
     rb"\g<1>" + ISO_DATE.encode() + rb"Z\g<2>"),
    (re.compile(rb"(<meta:creation-date>)[^<]*(</meta:creation-date>)"),
     rb"\g<1>" + ISO_DATE.encode() + rb"\g<2>"),
    (re.compile(rb"(<dc:date>)[^<]*(</dc:date>)"), rb"\g<1>" + ISO_DATE.encode() + rb"\g<2>"),
    (re.compile(rb"(<meta:editing-duration>)[^<]*(</meta:editing-duration>)"),
     rb"\g<1>PT0S\g<2>"),
    (re.compile(rb"(<TotalTime>)[^<]*(</TotalTime>)"), rb"\g<1>0\g<2>"),
    # Writer's random session ids, even with StoreRSID off (settings.xml)
    (re.compile(rb'(config:name="Rsid(?:Root)?" config:type="int">)[0-9]+<'), rb"\g<1>0<"),
]


def canon_odf_fonts(body):
    """LibreOffice lists fonts of the same family (DejaVu Sans as roman and
    as swiss) in an order that changes from run to run, and names them X,
    X1, ... in that order. Name them by their attributes instead, list them
    by name, and rename their uses."""
    m = re.search(rb"<office:font-face-decls>(.*?)</office:font-face-decls>", body, re.S)
    if not m:
        return body
    faces = re.findall(rb"<style:font-face [^>]*/>", m.group(1))
    if len(faces) != m.group(1).count(b"<style:font-face "):
        return body  # not the simple form this handles

    def name(f):
        return re.search(rb'style:name="([^"]*)"', f).group(1)

    def base(n):
        return re.sub(rb"[0-9]+$", b"", n)

    groups = {}
    for f in faces:
        groups.setdefault(base(name(f)), []).append(f)
    rename, decls = {}, []
    for b in sorted(groups):
        for i, f in enumerate(sorted(groups[b], key=lambda f: re.sub(rb'style:name="[^"]*"', b"",
                                                                      f))):
            new = b + (str(i).encode() if i else b"")
            rename[name(f)] = new
            decls.append(re.sub(rb'style:name="[^"]*"', b'style:name="' + new + b'"', f))
    body = body[:m.start(1)] + b"".join(decls) + body[m.end(1):]
    return re.sub(rb'(style:font-name(?:-asian|-complex)?=")([^"]*)(")',
                  lambda x: x.group(1) + rename.get(x.group(2), x.group(2)) + x.group(3), body)


def canon_rtf_fonts(data):
    """The same for an RTF font table: entries in name order, renumbered,
    and every reference (\\fN, \\afN, \\deffN, \\stshf...N) with them."""
    start = data.find(b"{\\fonttbl")
    if start < 0:
        return data
    depth, end = 0, start
    for end in range(start, len(data)):
        if data[end:end + 1] == b"{":
            depth += 1
        elif data[end:end + 1] == b"}":
            depth -= 1
            if depth == 0:
                break
    inner = data[start + len(b"{\\fonttbl"):end]
    entries = re.findall(rb"\{\\f([0-9]+)([^{}]*)\}", inner)
    if b"".join(b"{\\f" + n + r + b"}" for n, r in entries) != inner:
        return data  # not the simple form this handles
    order = sorted(entries, key=lambda e: (e[1].split(b" ", 1)[-1], e[1]))
    renum = {e[0]: str(i).encode() for i, e in enumerate(order)}
    table = b"{\\fonttbl" + b"".join(b"{\\f" + renum[n] + r + b"}" for n, r in order) + b"}"
    fix = lambda part: re.sub(  # noqa: E731
        rb"\\(deff|adeff|a?f|stshf(?:dbch|loch|hich|bi))([0-9]+)(?![0-9])",
        lambda x: b"\\" + x.group(1) + renum.get(x.group(2), x.group(2)), part)
    return fix(data[:start]) + table + fix(data[end + 1:])


def repack(data, add=(), edit=None):
    """DATA's members in order, dates fixed; ADD: (name, bytes) appended;
    EDIT(name, bytes) -> bytes changes a member."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        members = [(i.filename, src.read(i.filename)) for i in src.infolist()] + list(add)
        for name, body in members:
            if name.endswith(".xml") or name.endswith(".rels"):
                for pat, rep in FIXED_PATTERNS:
                    body = pat.sub(rep, body)
            if name in ("content.xml", "styles.xml"):
                body = canon_odf_fonts(body)
            if edit:
                body = edit(name, body)
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.create_system = 0
            info.external_attr = 0
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                z.writestr(info, body)
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, body, compresslevel=9)
    return out.getvalue()


def reorder(package, pad):
    """PACKAGE with a stored customXml part of PAD bytes right after
    [Content_Types].xml: file(1) then no longer finds the main part where it
    looks, and calls it "Zip archive" (pad 12000) or "Microsoft OOXML"
    (pad 2000) instead of a Word document."""
    src = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        def put(name, body, method):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = method
            z.writestr(info, body, compresslevel=9 if method else None)
        put("[Content_Types].xml", src.read("[Content_Types].xml"), zipfile.ZIP_DEFLATED)
        put("customXml/item1.xml", b"<a>" + b"x" * pad + b"</a>", zipfile.ZIP_STORED)
        for name in src.namelist():
            if name != "[Content_Types].xml":
                put(name, src.read(name), zipfile.ZIP_DEFLATED)
    return out.getvalue()


# ---------------------------------------------------------------------------
# VBA projects (MS-OVBA) in a compound file (MS-CFB)
# ---------------------------------------------------------------------------

def ovba_compress(data):
    """MS-OVBA 2.4.1 CompressedContainer using literal tokens only (valid:
    a decompressor copies them as they are)."""
    out = bytearray(b"\x01")
    for start in range(0, max(len(data), 1), 4096):
        chunk = data[start:start + 4096]
        if len(chunk) == 4096:  # a raw chunk: exactly 4096 bytes, flag 0
            out += struct.pack("<H", 0x3FFF) + chunk
            continue
        assert len(chunk) <= 3640  # literals take 9 bytes per 8
        body = bytearray()
        for i in range(0, len(chunk), 8):
            body.append(0)  # flag byte: eight literals
            body += chunk[i:i + 8]
        # header: size - 3 in 12 bits, signature 0b011, compressed flag
        out += struct.pack("<H", ((len(body) + 2 - 3) & 0x0FFF) | 0x3000 | 0x8000)
        out += body
    return bytes(out)


def rec(rid, payload):
    return struct.pack("<HI", rid, len(payload)) + payload


def dir_stream(project, modules, codepage=932):
    """The VBA/dir stream (uncompressed), MS-OVBA 2.3.4.2."""
    name = project.encode("ascii")
    d = bytearray()
    d += rec(0x0001, struct.pack("<I", 1))                  # SYSKIND: 32-bit Windows
    d += rec(0x0002, struct.pack("<I", 0x0409))             # LCID: MUST be 0x409
    d += rec(0x0014, struct.pack("<I", 0x0409))             # LCIDINVOKE: likewise
    d += rec(0x0003, struct.pack("<H", codepage))           # CODEPAGE
    d += rec(0x0004, name)                                  # NAME
    d += rec(0x0005, b"") + rec(0x0040, b"")                # DOCSTRING (+unicode)
    d += rec(0x0006, b"") + rec(0x003D, b"")                # HELPFILEPATH 1 and 2
    d += rec(0x0007, struct.pack("<I", 0))                  # HELPCONTEXT
    d += rec(0x0008, struct.pack("<I", 0))                  # LIBFLAGS
    d += struct.pack("<HIIH", 0x0009, 4, 1, 0)              # VERSION (Reserved=4, major, minor)
    d += rec(0x000C, b"") + rec(0x003C, b"")                # CONSTANTS (+unicode)
    d += rec(0x000F, struct.pack("<H", len(modules)))       # PROJECTMODULES count
    d += rec(0x0013, struct.pack("<H", 0xFFFF))             # PROJECTCOOKIE
    for mod, kind, _ in modules:
        m = mod.encode("ascii")
        u = mod.encode("utf-16-le")
        d += rec(0x0019, m) + rec(0x0047, u)                # MODULENAME, MODULENAMEUNICODE
        d += rec(0x001A, m) + rec(0x0032, u)                # MODULESTREAMNAME (+unicode)
        d += rec(0x001C, b"") + rec(0x0048, b"")            # MODULEDOCSTRING (+unicode)
        d += rec(0x0031, struct.pack("<I", 0))              # MODULEOFFSET: no cache
        d += rec(0x001E, struct.pack("<I", 0))              # MODULEHELPCONTEXT
        d += rec(0x002C, struct.pack("<H", 0xFFFF))         # MODULECOOKIE
        d += struct.pack("<HI", 0x0021 if kind == "std" else 0x0022, 0)  # MODULETYPE
        d += struct.pack("<HI", 0x002B, 0)                  # terminator
    d += struct.pack("<HI", 0x0010, 0)                      # end of dir
    return bytes(d)


def project_stream(project, modules):
    """The PROJECT stream (MS-OVBA 2.3.1): text, CRLF."""
    lines = ['ID="{00000000-0000-0000-0000-000000000000}"']
    for mod, kind, _ in modules:
        lines.append(("Module=%s" if kind == "std" else "Document=%s/&H00000000") % mod)
    lines += ['Name="%s"' % project, 'HelpContextID="0"', 'VersionCompatible32="393222000"',
              'CMG="0000"', 'DPB="0000"', 'GC="0000"', "", "[Host Extender Info]",
              "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000", ""]
    return "\r\n".join(lines).encode("ascii")


def project_wm(modules):
    out = bytearray()
    for mod, _, _ in modules:
        out += mod.encode("ascii") + b"\0" + mod.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


def vba_project(project, modules):
    """vbaProject.bin: MODULES is [(name, "std"|"doc", source)]."""
    streams = {
        "PROJECT": project_stream(project, modules),
        "PROJECTwm": project_wm(modules),
        "VBA/_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0, 0),
        "VBA/dir": ovba_compress(dir_stream(project, modules)),
    }
    for mod, kind, source in modules:
        attrs = 'Attribute VB_Name = "%s"\r\n' % mod
        if kind == "doc":
            attrs += ("Attribute VB_Base = \"0{00020906-0000-0000-C000-000000000046}\"\r\n"
                      "Attribute VB_GlobalNameSpace = False\r\nAttribute VB_Creatable = False\r\n"
                      "Attribute VB_PredeclaredId = True\r\nAttribute VB_Exposed = True\r\n"
                      "Attribute VB_TemplateDerived = False\r\n"
                      "Attribute VB_Customizable = True\r\n")
        text = attrs + source.replace("\n", "\r\n")
        streams["VBA/" + mod] = ovba_compress(text.encode("cp932"))
    return cfb(streams)


def cfb_name_key(name):
    """MS-CFB 2.6.4: siblings are ordered by length, then by upper case."""
    return (len(name), name.upper())


def cfb(streams):
    """A version 3 compound file holding STREAMS ("dir/name" -> bytes, one
    level of storages), all of them in the mini stream (each < 4096 bytes)."""
    SECT, MINI = 512, 64
    ENDOFCHAIN, FREESECT, FATSECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    # Directory entries: 0 root, then storages and streams.
    entries = [{"name": "Root Entry", "type": 5, "children": []}]
    storages = {}
    for path in sorted(streams):
        parent = 0
        if "/" in path:
            sname, leaf = path.split("/", 1)
            if sname not in storages:
                storages[sname] = len(entries)
                entries.append({"name": sname, "type": 1, "children": []})
                entries[0]["children"].append(storages[sname])
            parent = storages[sname]
        else:
            leaf = path
        assert len(streams[path]) < 4096
        entries.append({"name": leaf, "type": 2, "data": streams[path], "children": []})
        entries[parent]["children"].append(len(entries) - 1)
    # Mini stream: each stream in whole 64-byte mini sectors.
    mini = bytearray()
    minifat = []
    for e in entries:
        if e["type"] != 2:
            continue
        n = (len(e["data"]) + MINI - 1) // MINI
        e["start"] = len(minifat) if n else ENDOFCHAIN
        for k in range(n):
            minifat.append(len(minifat) + 1 if k + 1 < n else ENDOFCHAIN)
        mini += e["data"] + b"\0" * (n * MINI - len(e["data"]))
    # Siblings as a degenerate tree: each child list sorted, chained by
    # right-sibling links, all black. A valid red-black tree is not needed
    # by readers; order is.
    for e in entries:
        e["left"] = e["right"] = e["child"] = FREESECT
    for e in entries:
        kids = sorted(e["children"], key=lambda i: cfb_name_key(entries[i]["name"]))
        if kids:
            e["child"] = kids[0]
            for a, b in zip(kids, kids[1:]):
                entries[a]["right"] = b
    # Layout: header, FAT, directory, mini FAT, mini stream (root's data).
    n_dir = (len(entries) * 128 + SECT - 1) // SECT
    n_minifat = (len(minifat) * 4 + SECT - 1) // SECT
    n_mini = (len(mini) + SECT - 1) // SECT
    n_fat = 1
    while (n_fat + n_dir + n_minifat + n_mini) > n_fat * (SECT // 4):
        n_fat += 1
    fat = [FATSECT] * n_fat
    first_dir = len(fat)
    for k in range(n_dir):
        fat.append(len(fat) + 1 if k + 1 < n_dir else ENDOFCHAIN)
    first_minifat = len(fat) if n_minifat else ENDOFCHAIN
    for k in range(n_minifat):
        fat.append(len(fat) + 1 if k + 1 < n_minifat else ENDOFCHAIN)
    first_mini = len(fat) if n_mini else ENDOFCHAIN
    for k in range(n_mini):
        fat.append(len(fat) + 1 if k + 1 < n_mini else ENDOFCHAIN)
    fat += [FREESECT] * (n_fat * (SECT // 4) - len(fat))
    entries[0]["start"] = first_mini
    entries[0]["data"] = bytes(mini)

    def dirent(e):
        name = e["name"].encode("utf-16-le") + b"\0\0"
        size = len(e.get("data", b"")) if e["type"] != 1 else 0
        start = e.get("start", 0) if e["type"] != 1 else 0
        return (name + b"\0" * (64 - len(name)) +
                struct.pack("<HBBIII16sIQQIQ", len(name), e["type"], 1, e["left"], e["right"],
                            e["child"], b"\0" * 16, 0, 0, 0, start, size))
    directory = b"".join(dirent(e) for e in entries)
    directory += (b"\0" * 64 + struct.pack("<HBBIII16sIQQIQ", 0, 0, 0, FREESECT, FREESECT,
                                           FREESECT, b"\0" * 16, 0, 0, 0, 0, 0)) * (
        n_dir * 4 - len(entries))
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII",
                         b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x003E, 0x0003,
                         0xFFFE, 9, 6, b"\0" * 6, 0, n_fat, first_dir, 0, 4096,
                         first_minifat, n_minifat, ENDOFCHAIN, 0)
    difat = list(range(n_fat)) + [FREESECT] * (109 - n_fat)
    header += struct.pack("<109I", *difat)
    body = struct.pack("<%dI" % len(fat), *fat) + directory
    mf = struct.pack("<%dI" % len(minifat), *minifat) if minifat else b""
    body += mf + b"\xff" * (n_minifat * SECT - len(mf))
    body += bytes(mini) + b"\0" * (n_mini * SECT - len(mini))
    return header + body


WORD_VBA = [
    ("ThisDocument", "doc", ""),
    ("Module1", "std", "\n".join([
        "Sub AutoOpen()",
        "    Dim n As Integer",
        "    n = FreeFile",
        '    Open "%sdocm" For Output As #n' % MACRO_CANARY_PREFIX,
        '    Print #n, "MACRO-RAN-DOCM"',
        "    Close #n",
        '    ActiveDocument.Content.InsertAfter "MACRO-RAN-DOCM"',
        "End Sub",
        ""])),
]
EXCEL_VBA = [
    ("ThisWorkbook", "doc", "\n".join([
        "Private Sub Workbook_Open()",
        "    Dim n As Integer",
        "    n = FreeFile",
        '    Open "%sxlsm" For Output As #n' % MACRO_CANARY_PREFIX,
        '    Print #n, "MACRO-RAN-XLSM"',
        "    Close #n",
        '    Worksheets(1).Range("A1").Value = "MACRO-RAN-XLSM"',
        "End Sub",
        ""])),
    ("Sheet1", "doc", ""),
]


def add_vba(package, main_rels, project, modules):
    """PACKAGE (OOXML bytes) with vbaProject.bin next to its main part."""
    part_dir = os.path.dirname(os.path.dirname(main_rels))
    bin_name = part_dir + "/vbaProject.bin"

    def edit(name, body):
        if name == "[Content_Types].xml" and b'Extension="bin"' not in body:
            body = body.replace(b"<Default ", b'<Default Extension="bin" ContentType='
                                b'"application/vnd.ms-office.vbaProject"/><Default ', 1)
        elif name == main_rels:
            body = body.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdVba1" Type="http://schemas.microsoft.com/office/2006/'
                b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
        return body
    return repack(package, add=[(bin_name, vba_project(project, modules))], edit=edit)


# ---------------------------------------------------------------------------

def readme(files):
    lines = [
        "# Office document fixtures",
        "",
        "Generated by `scripts/gen-office-fixtures.py` with LibreOffice over UNO (run it",
        "with `/usr/bin/python3`: it needs python3-uno); do not edit by hand, edit the script",
        "and re-run it (`--check` fails if a file is out of date). Its docstring says",
        "exactly how each file is made. The zip-based files are re-packed with fixed dates",
        "and the VBA projects are written by the script, so the output is deterministic for",
        "one LibreOffice version (7.4 here); `encrypted.docx` has a random salt and is kept",
        "as long as it still opens with its password.",
        "",
        "Every macro would write `%s<case>` and put `MACRO-RAN-<CASE>`" % MACRO_CANARY_PREFIX,
        "into the document if it ran; `tests/integration/office.sh` checks that neither",
        "happens in mugai, and that the ODT's macro does run in a LibreOffice that allows",
        "macros.",
        "",
        "| file | bytes | why |",
        "|---|---|---|",
    ]
    for name in [f for f, _, _ in FILTERS] + ["encrypted.docx", "corrupt.docx", "parts-late.docx",
                                               "parts-unnamed.docx"]:
        lines.append("| `%s` | %d | %s |" % (name, len(files[name]), WHY[name]))
    lines += ["", "What mugai must do with each is asserted by `tests/integration/office.sh`.", ""]
    return "\n".join(lines).encode("utf-8")


def outputs():
    files = {}
    tmp = tempfile.mkdtemp(prefix="mugai-gen-office-")
    office = None
    try:
        office = Office(tmp)
        srcs = {}
        for key, (data, suffix) in sources().items():
            srcs[key] = os.path.join(tmp, key + suffix)
            with open(srcs[key], "wb") as f:
                f.write(data)
        for name, key, filt in FILTERS:
            dst = os.path.join(tmp, "out-" + name)
            office.store(srcs[key], dst, filt)
            with open(dst, "rb") as f:
                data = f.read()
            if zipfile.is_zipfile(io.BytesIO(data)):
                data = repack(data)
            elif name.endswith(".rtf"):
                data = canon_rtf_fonts(data)
            files[name] = data
        files["macro-autoopen.docm"] = add_vba(files["macro-autoopen.docm"],
                                               "word/_rels/document.xml.rels", "Project",
                                               WORD_VBA)
        files["macro-workbook.xlsm"] = add_vba(files["macro-workbook.xlsm"],
                                               "xl/_rels/workbook.xml.rels", "VBAProject",
                                               EXCEL_VBA)
        report = files["ja-report.docx"]
        files["corrupt.docx"] = report[:len(report) * 55 // 100]
        files["parts-late.docx"] = reorder(report, 12000)
        files["parts-unnamed.docx"] = reorder(report, 2000)
        # encrypted.docx: the committed one while it still opens.
        old = os.path.join(OUT_DIR, "encrypted.docx")
        keep = None
        if os.path.exists(old):
            text = office.text_of(old, ENCRYPTED_PASSWORD)
            if text and "髙橋" in text and office.text_of(old, "wrong") is None:
                with open(old, "rb") as f:
                    keep = f.read()
        if keep is None:
            dst = os.path.join(tmp, "encrypted.docx")
            office.store(srcs["report"], dst, "MS Word 2007 XML", password=ENCRYPTED_PASSWORD)
            with open(dst, "rb") as f:
                keep = f.read()
        files["encrypted.docx"] = keep
    finally:
        if office:
            office.close()
        shutil.rmtree(tmp, ignore_errors=True)
    files["README.md"] = readme(files)
    for name, data in files.items():
        assert len(data) < 100 * 1024, (name, len(data))
    return [(os.path.join(OUT_DIR, n), files[n]) for n in sorted(files)]


def main(argv):
    check = "--check" in argv[1:]
    stale = fixture_files.sync(outputs(), ROOT, check)
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
