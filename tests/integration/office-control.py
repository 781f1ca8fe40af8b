#!/usr/bin/python3
"""office-control.py - what LibreOffice itself does with the macro fixtures,
outside mugai (the control for tests/integration/office.sh).

Usage: office-control.py modules FILE...
         For each FILE (loaded hidden, macros never run): one line per Basic
         or VBA module LibreOffice imported from it, "FILE: LIBRARY.MODULE:
         Sub NAME, Sub NAME" -- proof that the document does carry the macro.
       office-control.py run FILE
         Open FILE in a LibreOffice that allows every macro (security level
         Low, macro execution on, opened visibly with ALWAYS_EXECUTE_NO_WARN)
         and print its text as LibreOffice then has it -- proof that the
         macro is live and would run if allowed.

Each run uses a new LibreOffice profile in a temporary directory and ends the
LibreOffice it started. Needs python3-uno; run with /usr/bin/python3. Exit 2 on
usage errors or when LibreOffice cannot be started.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SOFFICE = os.environ.get("MUGAI_SOFFICE", "/usr/lib/libreoffice/program/soffice.bin")


def xcu(items):
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
           'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">']
    for path, name, value in items:
        out.append('<item oor:path="%s"><prop oor:name="%s" oor:op="fuse"><value>%s</value>'
                   "</prop></item>" % (path, name, value))
    return "\n".join(out + ["</oor:items>", ""])


def ooo_version():
    main = os.path.join(os.path.dirname(os.path.dirname(SOFFICE)), "share", "registry",
                        "main.xcd")
    try:
        with open(main, encoding="utf-8") as f:
            m = re.search(r'<prop oor:name="ooSetupVersion">\s*<value>([0-9.]+)</value>', f.read())
        return m.group(1) if m else None
    except OSError:
        return None


def start(tmp, allow_macros):
    import uno
    profile = os.path.join(tmp, "profile")
    os.makedirs(os.path.join(profile, "user", "extensions"))
    level, disabled = ("0", "false") if allow_macros else ("3", "true")
    items = [("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", level),
             ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution",
              disabled)]
    version = ooo_version()
    if version:  # skips the graphics self-test of a new profile (seconds)
        items.append(("/org.openoffice.Setup/Product", "ooSetupLastVersion", version))
    with open(os.path.join(profile, "user", "registrymodifications.xcu"), "w") as f:
        f.write(xcu(items))
    with open(os.path.join(os.path.dirname(SOFFICE), "versionrc")) as f:
        m = re.search(r"^buildid=(.+)$", f.read(), re.M)
    if m:
        with open(os.path.join(profile, "user", "extensions", "buildid"), "w") as f:
            f.write(m.group(1).strip())
    pipe = "mugai_control_%d" % os.getpid()
    env = dict(os.environ, HOME=tmp, SAL_USE_VCLPLUGIN="svp")
    env.pop("DISPLAY", None)
    proc = subprocess.Popen(
        [SOFFICE, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
         "-env:UserInstallation=" + uno.systemPathToFileUrl(profile),
         "--accept=pipe,name=%s;urp;" % pipe],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + 60
    while True:
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                print("office-control: LibreOffice did not start")
                sys.exit(2)
            time.sleep(0.05)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    return proc, desktop


def stop(proc, desktop):
    try:
        desktop.terminate()
    except Exception:
        pass
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def props(**kw):
    from com.sun.star.beans import PropertyValue
    return tuple(PropertyValue(Name=k, Value=v) for k, v in kw.items())


def load(desktop, path, **kw):
    import uno
    return desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)),
                                        "_blank", 0, props(**kw))


def modules(desktop, files):
    for path in files:
        doc = load(desktop, path, Hidden=True, ReadOnly=True, MacroExecutionMode=0)
        if doc is None:
            print("%s: cannot be loaded" % os.path.basename(path))
            continue
        try:
            libs = doc.BasicLibraries
            for lib in libs.getElementNames():
                libs.loadLibrary(lib)
                mods = libs.getByName(lib)
                for mod in mods.getElementNames():
                    source = mods.getByName(mod)
                    subs = re.findall(r"(?im)^\s*(?:private\s+|public\s+)?sub\s+(\w+)", source)
                    print("%s: %s.%s: %s" % (os.path.basename(path), lib, mod,
                                             ", ".join("Sub " + s for s in subs) or "-"))
        finally:
            doc.close(True)


def run(desktop, path):
    doc = load(desktop, path, Hidden=False, MacroExecutionMode=4)  # ALWAYS_EXECUTE_NO_WARN
    if doc is None:
        print("%s: cannot be loaded" % os.path.basename(path))
        return
    try:
        time.sleep(1)  # the open-document event runs as the document opens
        print(doc.getText().getString())
    finally:
        doc.close(True)


def main(argv):
    if len(argv) < 3 or argv[1] not in ("modules", "run") or (argv[1] == "run" and len(argv) != 3):
        print(__doc__.split("\n\n")[1])
        return 2
    tmp = tempfile.mkdtemp(prefix="mugai-office-control-")
    proc = desktop = None
    try:
        proc, desktop = start(tmp, argv[1] == "run")
        if argv[1] == "modules":
            modules(desktop, argv[2:])
        else:
            run(desktop, argv[2])
    finally:
        if proc:
            stop(proc, desktop)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
