/*
 * block.c - filter: things that run are removed, whatever they are called.
 *
 * Executables, scripts, shortcuts, installers, disk images and HTML
 * applications cannot be made harmless by re-encoding; they are removed
 * with a notice. The decision comes from the content (libmagic); a name
 * with such an extension is removed too even when its content looks like
 * plain text (a .vbs or .bat is text that Windows runs) - the name can only
 * make mugai stricter, never more lenient. Mail body text is never blocked:
 * it is flattened to text like any other body.
 */
#include <string.h>

#include "core/run-private.h"

static const char *const blocked_types[] = {
  "application/x-dosexec",
  "application/vnd.microsoft.portable-executable",
  "application/x-msdownload",
  "application/x-executable",
  "application/x-sharedlib",
  "application/x-pie-executable",
  "application/x-mach-binary",
  "application/x-object",
  "application/x-coredump",
  "application/x-msi",
  "application/x-ms-installer",
  "application/vnd.ms-msi",
  "application/x-ms-shortcut",
  "application/x-ms-reg",
  "application/x-iso9660-image",
  "application/x-apple-diskimage",
  "application/x-virtualbox-vhd",
  "application/x-qemu-disk",
  "application/vnd.debian.binary-package",
  "application/x-rpm",
  "application/vnd.android.package-archive",
  "application/java-archive",
  "application/x-java-applet",
  "application/x-java-jnlp-file",
  "application/x-bytecode.python",
  "application/javascript",
  "application/x-javascript",
  "text/javascript",
  "application/hta",
  "text/x-shellscript",
  "text/x-python",
  "text/x-perl",
  "text/x-ruby",
  "text/x-php",
  "text/x-tcl",
  "text/x-lua",
  "text/x-msdos-batch",
  "text/x-ms-regedit",
  NULL,
};

/* Extensions Windows or a desktop will run, open as a program, or mount. */
static const char *const blocked_extensions[] = {
  "exe",  "com",        "scr",        "pif", "cpl",  "msi", "msp", "mst",  "bat",
  "cmd",  "vbs",        "vbe",        "js",  "jse",  "wsf", "wsh", "wsc",  "ps1",
  "psm1", "psd1",       "hta",        "lnk", "url",  "scf", "reg", "inf",  "jar",
  "jnlp", "apk",        "app",        "dmg", "iso",  "img", "vhd", "vhdx", "xll",
  "msc",  "gadget",     "chm",        "sh",  "bash", "ksh", "zsh", "csh",  "py",
  "pyc",  "pl",         "rb",         "php", "dll",  "sys", "drv", "ocx",  "appx",
  "msix", "appxbundle", "msixbundle", "deb", "rpm",  "run", "elf", "so",   "settingcontent-ms",
  NULL,
};

/* blocked_extension - the name's extension when it is one of the above */
static const char *
blocked_extension(const char *name)
{
  const char *dot = name ? strrchr(name, '.') : NULL;
  g_autofree char *lower = NULL;

  if (!dot || !dot[1])
    return NULL;
  lower = g_ascii_strdown(dot + 1, -1);
  for (guint i = 0; blocked_extensions[i]; i++)
    if (!strcmp(lower, blocked_extensions[i]))
      return dot;
  return NULL;
}

static int
block_bid(const MugaiItem *item, const MugaiRun *run)
{
  const char *t = mugai_item_get_detected_type(item);

  if (mugai_item_get_role(item) == MUGAI_ROLE_BODY || !mugai_item_get_data(item))
    return MUGAI_BID_NONE;
  /* Above every converter: a disguised program must never be "rendered". */
  if (t && g_strv_contains(blocked_types, t))
    return MUGAI_BID_MAX;
  if (blocked_extension(mugai_item_get_name(item)))
    return MUGAI_BID_MAX;
  return MUGAI_BID_NONE;
}

static MugaiFilterResult
block_run(MugaiItem *item, MugaiRun *run, GError **error)
{
  const char *t = mugai_item_get_detected_type(item);
  const char *ext = blocked_extension(mugai_item_get_name(item));

  if (t && g_strv_contains(blocked_types, t))
    mugai_item_set_outcome(item, MUGAI_ACTION_REMOVED, MUGAI_REASON_BLOCKED, "content is %s", t);
  else
    mugai_item_set_outcome(item, MUGAI_ACTION_REMOVED, MUGAI_REASON_BLOCKED,
                           "name ends in %s (content looks like %s)", ext ? ext : "?",
                           t ? t : "unknown");
  return MUGAI_FILTER_OK;
}

const MugaiFilter mugai_filter_block = {
  .abi_version = MUGAI_FILTER_ABI_VERSION,
  .name = "block",
  .flags = MUGAI_FILTER_FLAG_NONE,
  .bid = block_bid,
  .run = block_run,
};
