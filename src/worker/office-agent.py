#!/usr/bin/python3
"""office-agent.py - one LibreOffice instance that turns office documents into PDF.

Started only by `mugai-worker office-launch` (src/worker/office.c), which has
already confined this process (rlimits, no_new_privs, Landlock, seccomp: no
network) and everything it starts. It is handed a private directory DIR that
it alone may write; it starts LibreOffice there with a fresh profile in which
macros are disabled, drives it over UNO through a pipe, and converts one
document at a time for mugai (src/sandbox/office.c) on its standard input and
output:

  agent -> mugai   "MGO1", then READY (payload: the LibreOffice version, ';',
                   how the launcher confined it, e.g. seccomp+landlock-v7)
  mugai -> agent   CONVERT: u32 n, n bytes of format hint; u32 m, m bytes
                   of password (0: none); the rest of the payload is the
                   document
  agent -> mugai   PDF (payload: the PDF bytes) or ERROR (u32 code, ASCII
                   message); then waits for the next CONVERT

Every frame is a 16-byte header - type byte, three zero bytes, u32 zero, u64
payload length (little-endian) - and the payload. End of input means stop:
LibreOffice is ended and the agent exits. mugai believes nothing it is sent:
the PDF is rendered again to pixels in other sandboxed workers.

The document is loaded with the filter LibreOffice's type detection names, and
only if that filter belongs to the family libmagic saw (FAMILIES): a file
libmagic called RTF is never handed to another import filter. Loading is
hidden and read-only, macros are never executed (MacroExecutionMode NEVER)
and links are never updated (UpdateDocMode NO_UPDATE); every question
LibreOffice asks (a password, a repair) is answered "abort".
"""

import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time

import uno
import unohelper
from com.sun.star.beans import PropertyValue
from com.sun.star.task import XInteractionHandler

# Frame types (src/sandbox/office.h) and error codes (src/sandbox/wire.h).
READY, CONVERT, PDF, ERROR = b"R", b"C", b"P", b"E"
ERR_MALFORMED, ERR_ENCRYPTED, ERR_LIMIT, ERR_UNSUPPORTED, ERR_INTERNAL = 1, 2, 3, 4, 5
MAGIC = b"MGO1"
MAX_REQUEST = 1 << 32  # the parent caps documents far below this
MAX_HINT = 16
MAX_PASSWORD = 1024

# com.sun.star.document.MacroExecMode.NEVER_EXECUTE, UpdateDocMode.NO_UPDATE
NEVER_EXECUTE = 0
NO_UPDATE = 0

# Restart codes of soffice.bin (desktop/source/inc/exithelper.h): a fresh
# profile asks for one restart, which oosplash would otherwise do.
RESTART_CODES = (79, 81)

# The LibreOffice types (TypeDetection names) each format hint admits.
_WORD97 = ("writer_MS_Word_97", "writer_MS_Word_95", "writer_MS_Word_97_Vorlage",
           "writer_MS_Word_95_Vorlage")
_EXCEL97 = ("calc_MS_Excel_97", "calc_MS_Excel_95", "calc_MS_Excel_5095",
            "calc_MS_Excel_97_VorlageTemplate", "calc_MS_Excel_95_VorlageTemplate",
            "calc_MS_Excel_5095_VorlageTemplate")
_PPT97 = ("impress_MS_PowerPoint_97", "impress_MS_PowerPoint_97_AutoPlay",
          "impress_MS_PowerPoint_97_Vorlage")
_DOCX = ("writer_MS_Word_2007", "writer_MS_Word_2007_VBA", "writer_MS_Word_2007_Template")
_XLSX = ("MS Excel 2007 XML", "MS Excel 2007 VBA XML", "MS Excel 2007 XML Template")
_PPTX = ("MS PowerPoint 2007 XML", "MS PowerPoint 2007 XML VBA",
         "MS PowerPoint 2007 XML AutoPlay", "MS PowerPoint 2007 XML Template")
FAMILIES = {
    "doc": _WORD97,
    "xls": _EXCEL97,
    "ppt": _PPT97,
    "docx": _DOCX,
    "xlsx": _XLSX,
    "pptx": _PPTX,
    "odt": ("writer8", "writer8_template"),
    "ods": ("calc8", "calc8_template"),
    "odp": ("impress8", "impress8_template"),
    "rtf": ("writer_Rich_Text_Format",),
    # A compound file libmagic could not name: a binary Office document, or
    # an encrypted OOXML one (its package sits in an encrypted stream).
    "ole": _WORD97 + _EXCEL97 + _PPT97 + _DOCX + _XLSX + _PPTX,
    # A ZIP libmagic did not name that looks like an office package.
    "zip": _DOCX + _XLSX + _PPTX + ("writer8", "writer8_template", "calc8", "calc8_template",
                                    "impress8", "impress8_template"),
}
EXTENSIONS = {"ole": "bin"}

# Configuration written into the fresh profile before LibreOffice starts.
# Macros: security level 3 (Very High: only signed macros from trusted
# locations, and there are none) and execution disabled outright. Linked
# images from untrusted documents are not fetched. ooSetupLastVersion set to
# this version skips the graphics self-test a new profile otherwise runs
# (four seconds at every converter start).
XCU_ITEMS = [
    ("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "int", "3"),
    ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "boolean", "true"),
    ("/org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "boolean", "true"),
    ("/org.openoffice.Office.Common/Security/Scripting", "WarnAlienFormat", "boolean", "false"),
    ("/org.openoffice.Office.Common/Misc", "FirstRun", "boolean", "false"),
    ("/org.openoffice.Office.Common/Misc", "UseLocking", "boolean", "false"),
    ("/org.openoffice.Office.Common/Misc", "CollectUsageInformation", "boolean", "false"),
    ("/org.openoffice.Office.Common/Save/Document", "CreateBackup", "boolean", "false"),
    ("/org.openoffice.Office.Recovery/AutoSave", "Enabled", "boolean", "false"),
    ("/org.openoffice.Office.Recovery/RecoveryInfo", "Enabled", "boolean", "false"),
    ("/org.openoffice.Setup/Office", "ooSetupInstCompleted", "boolean", "true"),
    ("/org.openoffice.Office.Calc/Filter/Import/VBA", "Executable", "boolean", "false"),
    ("/org.openoffice.Office.Writer/Filter/Import/VBA", "Executable", "boolean", "false"),
    ("/org.openoffice.Office.Impress/Filter/Import/VBA", "Executable", "boolean", "false"),
]

# PDF export: pages only. Nothing of it survives mugai's re-rendering anyway;
# leaving these out keeps the intermediate PDF small and simple.
PDF_OPTIONS = {
    "ExportNotes": False,
    "ExportNotesPages": False,
    "ExportBookmarks": False,
    "ExportFormFields": False,
    "UseTaggedPDF": False,
    "ExportLinksRelativeFsys": False,
    "ReduceImageResolution": False,
    "Quality": 90,
}


def log(msg):
    sys.stderr.write("office-agent: %s\n" % msg)
    sys.stderr.flush()


def props(**kw):
    return tuple(PropertyValue(Name=k, Value=v) for k, v in kw.items())


class Questions(unohelper.Base, XInteractionHandler):
    """Answers every question LibreOffice asks with "abort", remembering what
    was asked: a password request means the document is encrypted."""

    def __init__(self):
        self.asked = []

    def handle(self, request):
        # What is asked is told by the continuations offered: a password
        # request offers XInteractionPassword. (pyuno cannot convert some
        # requests themselves, such as DocumentMSPasswordRequest2.)
        offered = [[t.typeName for t in c.getTypes()] for c in request.getContinuations()]
        self.asked.append(offered)
        for c, types in zip(request.getContinuations(), offered):
            if "com.sun.star.task.XInteractionAbort" in types:
                c.select()
                return

    def wanted_password(self):
        return any(t.startswith("com.sun.star.task.XInteractionPassword")
                   for offered in self.asked for types in offered for t in types)


class Failure(Exception):
    def __init__(self, code, message):
        Exception.__init__(self, message)
        self.code = code


# --- frames -----------------------------------------------------------------

def read_exact(f, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = f.read(min(n - len(buf), 1 << 20))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def send(out, kind, payload=b""):
    out.write(kind + b"\0\0\0" + struct.pack("<IQ", 0, len(payload)))
    out.write(payload)
    out.flush()


def send_error(out, code, message):
    send(out, ERROR, struct.pack("<I", code) + message.encode("ascii", "replace")[:256])


def read_request(inp):
    """(hint, password, document) or None at the end of input."""
    head = read_exact(inp, 16)
    if head is None:
        return None
    kind, length = head[:1], struct.unpack("<Q", head[8:])[0]
    if kind != CONVERT or head[1:4] != b"\0\0\0" or length < 8 or length > MAX_REQUEST:
        raise SystemExit("office-agent: a malformed request")
    body = read_exact(inp, length)
    if body is None:
        return None
    n = struct.unpack("<I", body[:4])[0]
    if n > MAX_HINT or 4 + n + 4 > len(body):
        raise SystemExit("office-agent: a malformed request")
    hint = body[4:4 + n].decode("ascii", "replace")
    m = struct.unpack("<I", body[4 + n:8 + n])[0]
    if m > MAX_PASSWORD or 8 + n + m > len(body):
        raise SystemExit("office-agent: a malformed request")
    password = body[8 + n:8 + n + m].decode("utf-8", "replace") if m else None
    return hint, password, memoryview(body)[8 + n + m:]


# --- LibreOffice ------------------------------------------------------------

def product_version(program_dir):
    """The x.y version LibreOffice calls itself, from its configuration."""
    main = os.path.join(os.path.dirname(program_dir), "share", "registry", "main.xcd")
    try:
        with open(main, encoding="utf-8") as f:
            m = re.search(r'<prop oor:name="ooSetupVersion">\s*<value>([0-9.]+)</value>', f.read())
        return m.group(1) if m else None
    except OSError:
        return None


def build_id(program_dir):
    """LibreOffice's build id (versionrc), which a profile records."""
    try:
        with open(os.path.join(program_dir, "versionrc"), encoding="utf-8") as f:
            m = re.search(r"^buildid=(.+)$", f.read(), re.M)
        return m.group(1).strip() if m else None
    except OSError:
        return None


def write_profile(profile, version, build):
    user = os.path.join(profile, "user")
    os.makedirs(user, exist_ok=True)
    if build:
        # A profile without it has its extension cache rebuilt and asks for
        # a restart; the restart then finds the first start's single-instance
        # socket in /tmp, which the sandbox does not let it remove.
        os.makedirs(os.path.join(user, "extensions"), exist_ok=True)
        with open(os.path.join(user, "extensions", "buildid"), "w", encoding="utf-8") as f:
            f.write(build)
    items = list(XCU_ITEMS)
    if version:
        items.append(("/org.openoffice.Setup/Product", "ooSetupLastVersion", "string", version))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<oor:items xmlns:oor="http://openoffice.org/2001/registry"'
             ' xmlns:xs="http://www.w3.org/2001/XMLSchema"'
             ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">']
    for path, name, kind, value in items:
        lines.append('<item oor:path="%s"><prop oor:name="%s" oor:op="fuse" oor:type="xs:%s">'
                     '<value>%s</value></prop></item>' % (path, name, kind, value))
    lines.append("</oor:items>")
    with open(os.path.join(user, "registrymodifications.xcu"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


class Office:
    def __init__(self, soffice, private, pipe):
        self.soffice = soffice
        self.private = private
        self.pipe = pipe
        self.profile = os.path.join(private, "profile")
        self.work = os.path.join(private, "work")
        self.proc = None
        self.desktop = None
        self.detection = None
        self.version = product_version(os.path.dirname(soffice))
        self.build = build_id(os.path.dirname(soffice))

    def spawn(self):
        args = [self.soffice, "--headless", "--invisible", "--norestore", "--nologo",
                "--nodefault", "--nolockcheck",
                "-env:UserInstallation=" + uno.systemPathToFileUrl(self.profile),
                "--accept=pipe,name=%s;urp;" % self.pipe]
        # Its output is diagnostics: standard error, never the frames.
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=2, stderr=2,
                                     cwd=self.private, close_fds=True)

    def start(self, timeout):
        write_profile(self.profile, self.version, self.build)
        os.makedirs(self.work, exist_ok=True)
        deadline = time.monotonic() + timeout
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        url = "uno:pipe,name=%s;urp;StarOffice.ComponentContext" % self.pipe
        self.spawn()
        restarts = 0
        while True:
            try:
                ctx = resolver.resolve(url)
                break
            except Exception:  # NoConnectException until it listens
                pass
            rc = self.proc.poll()
            if rc is not None:
                if rc in RESTART_CODES and restarts < 3:
                    restarts += 1
                    self.spawn()
                    continue
                raise Failure(ERR_INTERNAL, "LibreOffice exited with status %d at start" % rc)
            if time.monotonic() > deadline:
                raise Failure(ERR_INTERNAL, "LibreOffice did not start in time")
            time.sleep(0.02)
        smgr = ctx.ServiceManager
        self.desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        self.detection = smgr.createInstanceWithContext("com.sun.star.document.TypeDetection",
                                                        ctx)
        about = None
        try:
            cp = smgr.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider",
                                                ctx)
            node = cp.createInstanceWithArguments(
                "com.sun.star.configuration.ConfigurationAccess",
                props(nodepath="/org.openoffice.Setup/Product"))
            about = node.getByName("ooSetupVersionAboutBox")
        except Exception:
            pass
        return about or self.version or "unknown"

    def stop(self):
        if self.proc is None:
            return
        try:
            if self.desktop is not None:
                self.desktop.terminate()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def died(self, e):
        """Raise a Failure (internal) if E means LibreOffice itself died:
        a crash on a hostile document is not the document being malformed."""
        try:
            rc = self.proc.wait(timeout=1) if "Disposed" in type(e).__name__ else self.proc.poll()
        except subprocess.TimeoutExpired:
            rc = None
        if rc is not None or "Disposed" in type(e).__name__:
            raise Failure(ERR_INTERNAL, "LibreOffice stopped while reading it (%s)" %
                          ("status %d" % rc if rc is not None else type(e).__name__))

    def detect(self, url, hint, password, questions):
        """The LibreOffice type of the file at URL, if HINT's family admits it."""
        allowed = FAMILIES.get(hint)
        if allowed is None:
            raise Failure(ERR_UNSUPPORTED, "no office format %r" % hint)
        d = dict(URL=url, InteractionHandler=questions, ReadOnly=True)
        if password is not None:
            d["Password"] = password
        try:
            kind = self.detection.queryTypeByDescriptor(props(**d), True)[0]
        except Exception as e:
            self.died(e)
            if questions.wanted_password():
                raise Failure(ERR_ENCRYPTED, "password required")
            raise Failure(ERR_MALFORMED, "type detection failed: %s" % type(e).__name__)
        if questions.wanted_password():
            raise Failure(ERR_ENCRYPTED, "password required" if password is None
                          else "the password given does not open it")
        if not kind:
            raise Failure(ERR_MALFORMED, "LibreOffice does not recognise it as a %s document"
                          % hint)
        if kind not in allowed:
            raise Failure(ERR_MALFORMED, "LibreOffice sees %s, not a %s document" % (kind, hint))
        info = dict((p.Name, p.Value) for p in self.detection.getByName(kind))
        return kind, info.get("PreferredFilter") or ""

    def convert(self, hint, password, data):
        """PDF bytes of DATA, or a Failure."""
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        src = os.path.join(self.work, "document." + EXTENSIONS.get(hint, hint))
        out = os.path.join(self.work, "document.pdf")
        with open(src, "wb") as f:
            f.write(data)
        url = uno.systemPathToFileUrl(src)
        questions = Questions()
        kind, filt = self.detect(url, hint, password, questions)
        load = dict(FilterName=filt, Hidden=True, ReadOnly=True,
                    MacroExecutionMode=NEVER_EXECUTE, UpdateDocMode=NO_UPDATE,
                    InteractionHandler=questions, RepairPackage=False)
        if password is not None:
            load["Password"] = password
        try:
            doc = self.desktop.loadComponentFromURL(url, "_blank", 0, props(**load))
        except Exception as e:
            self.died(e)
            doc = None
            why = type(e).__name__
        else:
            why = "nothing loaded"
        if doc is None:
            if questions.wanted_password():
                raise Failure(ERR_ENCRYPTED, "password required" if password is None
                              else "the password given does not open it")
            raise Failure(ERR_MALFORMED, "LibreOffice cannot open it as %s (%s)" % (kind, why))
        try:
            if doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
                export = "calc_pdf_Export"
            elif doc.supportsService("com.sun.star.presentation.PresentationDocument"):
                export = "impress_pdf_Export"
            elif doc.supportsService("com.sun.star.drawing.DrawingDocument"):
                export = "draw_pdf_Export"
            else:
                export = "writer_pdf_Export"
            options = uno.Any("[]com.sun.star.beans.PropertyValue", props(**PDF_OPTIONS))
            uno.invoke(doc, "storeToURL",
                       (uno.systemPathToFileUrl(out), props(FilterName=export, FilterData=options)))
        except Exception as e:
            self.died(e)
            raise Failure(ERR_MALFORMED, "LibreOffice could not export it: %s" % type(e).__name__)
        finally:
            try:
                doc.close(True)
            except Exception:
                try:
                    doc.dispose()
                except Exception:
                    pass
        try:
            with open(out, "rb") as f:
                pdf = f.read()
        except OSError:
            raise Failure(ERR_MALFORMED, "LibreOffice wrote no PDF")
        shutil.rmtree(self.work, ignore_errors=True)
        if not pdf.startswith(b"%PDF-"):
            raise Failure(ERR_INTERNAL, "LibreOffice wrote something that is not a PDF")
        return pdf


def watch_mugai():
    """End the whole converter, LibreOffice with it, when mugai is gone.

    mugai holds the only other end of standard input and ends a converter
    by killing its process group; if mugai itself is killed (kill -9 of the
    daemon), nobody would. The pipe then reports a hang-up, which poll sees
    without taking any bytes from the requests the main thread reads.
    """
    p = select.poll()
    p.register(0, 0)  # hang-up and errors are always reported
    while True:
        for _fd, ev in p.poll():
            if ev & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
                os.killpg(0, signal.SIGKILL)


def main(argv):
    opts = dict(a[2:].split("=", 1) for a in argv[1:] if a.startswith("--") and "=" in a)
    for key in ("soffice", "dir", "pipe"):
        if key not in opts:
            sys.exit("office-agent: started by mugai-worker office-launch, not by hand")
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    threading.Thread(target=watch_mugai, daemon=True).start()
    office = Office(opts["soffice"], opts["dir"], opts["pipe"])
    out.write(MAGIC)
    try:
        version = office.start(float(opts.get("start-timeout", "60")))
    except Failure as f:
        send_error(out, f.code, str(f))
        office.stop()
        return 1
    confinement = opts.get("confinement", "unknown")
    send(out, READY, ("%s;%s" % (version[:31], confinement[:64])).encode("ascii", "replace"))
    try:
        while True:
            req = read_request(inp)
            if req is None:
                break
            hint, password, data = req
            try:
                pdf = office.convert(hint, password, data)
            except Failure as f:
                send_error(out, f.code, str(f))
                if f.code == ERR_INTERNAL:
                    break
                continue
            except Exception as e:  # LibreOffice died or the bridge broke
                send_error(out, ERR_INTERNAL, "LibreOffice failed: %s" % type(e).__name__)
                break
            send(out, PDF, pdf)
    finally:
        office.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
