# MugaiCoreDeps.cmake - the libraries the core (mugaicore: src/core, text,
# mail, sandbox, quarantine, filters) links with, found with pkg-config.
# Included by the top-level CMakeLists.txt and by tests/fuzz, which builds
# the same sources with clang. Sets MUGAI_CORE_DEPS to their imported targets.
find_package(PkgConfig REQUIRED)
pkg_check_modules(GLIB REQUIRED IMPORTED_TARGET glib-2.0>=2.72 gio-2.0 gmodule-2.0)
pkg_check_modules(GMIME REQUIRED IMPORTED_TARGET gmime-3.0>=3.2)
pkg_check_modules(MAGIC REQUIRED IMPORTED_TARGET libmagic)
pkg_check_modules(XML REQUIRED IMPORTED_TARGET libxml-2.0>=2.9)
pkg_check_modules(JSONGLIB REQUIRED IMPORTED_TARGET json-glib-1.0>=1.6)
pkg_check_modules(CRYPTO REQUIRED IMPORTED_TARGET libcrypto>=3.0)
# The trusted side encodes pixels: libpng, libjpeg-turbo, libdeflate.
pkg_check_modules(PNG REQUIRED IMPORTED_TARGET libpng>=1.6)
pkg_check_modules(JPEG REQUIRED IMPORTED_TARGET libjpeg)
pkg_check_modules(DEFLATE REQUIRED IMPORTED_TARGET libdeflate)
# Archives: read only in the worker; the parent writes the rebuilt ZIP.
pkg_check_modules(ARCHIVE REQUIRED IMPORTED_TARGET libarchive>=3.6)
# The quarantine index (src/quarantine/store-sqlite.c); RETURNING needs 3.35.
pkg_check_modules(SQLITE REQUIRED IMPORTED_TARGET sqlite3>=3.35)
set(MUGAI_CORE_DEPS
    PkgConfig::GLIB PkgConfig::GMIME PkgConfig::MAGIC PkgConfig::XML PkgConfig::JSONGLIB
    PkgConfig::CRYPTO PkgConfig::PNG PkgConfig::JPEG PkgConfig::DEFLATE PkgConfig::ARCHIVE
    PkgConfig::SQLITE)
