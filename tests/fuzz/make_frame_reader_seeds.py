#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_frame_reader: one direction's frames for
each reader configuration worth starting from. Byte 0 is the selector (bit 0
server sender, bit 1 lenient, bit 2 deflate, bit 3 no context takeover,
bits 5-7 limits), byte 1 the piece-size seed."""
from seed_util import Deflater, frame, write

TARGET = "fuzz_frame_reader"


def stream(masked, deflate=None):
    out = b""
    if deflate:
        out += frame(1, deflate.message(b"Hello, compressed"), masked, rsv1=True)
        out += frame(1, deflate.message(b"Hello, compressed"), masked, rsv1=True)
        part = deflate.message("κόσμε ".encode() * 20)
        out += frame(1, part[:10], masked, fin=False, rsv1=True) + frame(0, part[10:], masked)
    out += frame(1, b"Hello", masked) + frame(9, b"ping", masked)
    out += frame(2, b"ab", masked, fin=False) + frame(10, b"", masked) + frame(0, b"cd", masked)
    out += frame(1, "κόσμε".encode()[:5], masked, fin=False) + frame(0, "κόσμε".encode()[5:], masked)
    out += frame(2, bytes(range(200)), masked, length_form=64)
    out += frame(1, b"x" * 3, masked, length_form=16)
    out += frame(8, b"\x03\xe8bye", masked)
    return out


for name, selector, masked, deflate in (
        ("client-strict", 0x00, True, None),
        ("server-strict", 0x01, False, None),
        ("client-lenient", 0x02, True, None),
        ("server-lenient-small-limits", 0x23, False, None),
        ("client-deflate", 0x04, True, Deflater()),
        ("server-deflate-no-takeover", 0x0D, False, Deflater(takeover=False)),
        ("client-deflate-lenient-cap", 0x86, True, Deflater()),
):
    for seed in (0x00, 0x02, 0x03):
        write(TARGET, f"{name}-{seed}", bytes([selector, seed]) + stream(masked, deflate))

# Hostile shapes: invalid UTF-8, reserved bits and opcodes, an unmasked
# client frame, a 64-bit length with its top bit set, data after close.
bad = (frame(1, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80", True)
       + bytes([0xf3, 0x80]) + frame(2, b"", True)
       + frame(1, b"x", False)
       + bytes([0x82, 0xff]) + b"\x80" + b"\x00" * 7 + b"\x00" * 4
       + frame(8, b"\x03", True) + frame(1, b"late", True))
write(TARGET, "client-hostile-strict", bytes([0x00, 0x01]) + bad)
write(TARGET, "client-hostile-lenient", bytes([0x02, 0x01]) + bad)
