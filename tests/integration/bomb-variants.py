"""bomb-variants.py FIXTURES OUT - two variants of bomb-1gib.zip whose
declared sizes do not give them away, made at test time (each is 1 MB;
committing them would double the size of the fixtures):

  bomb-1gib-lying.zip  the same member, its sizes in the local header and the
                       central directory claiming 1 KiB: the limits must trip
                       while inflating, not from the header;
  bomb-1gib.gz         the same deflate stream as a lone gzip file, which
                       declares no size before its trailer.

Used by tests/integration/archives.sh and bench/archive-bomb.
"""
import os
import struct
import sys


def main(fixtures, out):
    data = bytearray(open(os.path.join(fixtures, "bomb-1gib.zip"), "rb").read())
    sig, _, _, method, _, _, crc, csize, usize, nlen, elen = struct.unpack_from(
        "<IHHHHHIIIHH", data, 0)
    assert sig == 0x04034B50 and method == 8
    stream = bytes(data[30 + nlen + elen:30 + nlen + elen + csize])
    cd = struct.unpack_from("<I", data, len(data) - 22 + 16)[0]
    struct.pack_into("<I", data, 22, 1024)          # local header: uncompressed size
    struct.pack_into("<I", data, cd + 24, 1024)     # central directory: the same
    with open(os.path.join(out, "bomb-1gib-lying.zip"), "wb") as f:
        f.write(data)
    with open(os.path.join(out, "bomb-1gib.gz"), "wb") as f:
        f.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + stream
                + struct.pack("<II", crc, (1 << 30) & 0xFFFFFFFF))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
