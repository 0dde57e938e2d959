#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_inflate. Byte 0: bit 7 round-trip mode;
inflate mode: bit 0 no context takeover, bits 1-3 output cap, bits 4-6 ratio
cap; round trip: bit 0 no context takeover, bits 1-3 window bits - 8,
bits 4-6 level. Byte 1: piece sizes (bits 0-1), vector output (bit 2), fin
with the last piece (bit 3). Then messages: 2-byte length, bytes."""
import struct
import zlib

from seed_util import Deflater, write

TARGET = "fuzz_inflate"


def messages(parts):
    return b"".join(struct.pack(">H", len(p)) + p for p in parts)


text = b"The quick brown fox jumps over the lazy dog. " * 8
d = Deflater()
takeover = [d.message(text), d.message(text), d.message(b""), d.message(b"abcabcabc")]
d = Deflater(takeover=False)
fresh = [d.message(text), d.message(b"x" * 3000)]
# A message ended by a final block (BFINAL=1) and one with stored blocks.
final = zlib.compressobj(6, zlib.DEFLATED, -15)
final_block = final.compress(b"final block") + final.flush(zlib.Z_FINISH)
stored = Deflater(level=0).message(b"stored " * 40)
bomb = Deflater().message(b"\x00" * 60000)

for name, selector, control, parts in (
        ("takeover", 0x0c, 0x0a, takeover),
        ("takeover-vector", 0x0c, 0x06, takeover),
        ("no-takeover", 0x0d, 0x0b, fresh),
        ("final-block", 0x0c, 0x02, [final_block, takeover[0]]),
        ("stored", 0x0d, 0x03, [stored]),
        ("bomb-small-cap", 0x06, 0x03, [bomb]),
        ("bomb-ratio", 0x5c, 0x03, [bomb]),
        ("bomb-zero-cap", 0x00, 0x0f, [bomb, b"\x00"]),
        ("garbage", 0x0c, 0x01, [b"\xff\xfe\xfd", b"\x03\x00"]),
):
    write(TARGET, name, bytes([selector, control]) + messages(parts))

plain = [text, b"", b"\x00" * 1000, bytes(range(256)) * 4, text]
for name, selector in (("roundtrip-w15", 0x8e | 0x50), ("roundtrip-w8-no-takeover", 0x81 | 0x60),
                       ("roundtrip-w9-level0", 0x82 | 0x10)):
    write(TARGET, name, bytes([selector, 0x0a]) + messages(plain))
