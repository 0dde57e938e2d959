#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_endpoint: a valid handshake for each role
(with and without permessage-deflate) followed by a few frames, so the fuzzer
starts past the handshake. Byte 0 selects the role/deflate, byte 1 the chunk size."""
import base64, hashlib, os, struct, zlib

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_endpoint")
os.makedirs(out, exist_ok=True)
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
KEY = base64.b64encode(b"\x5a" * 16)  # the fuzz target's fixed "random" bytes


def frame(opcode, payload, masked, fin=True, rsv1=False):
    head = bytes([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode])
    n = len(payload)
    m = 0x80 if masked else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack(">H", n)
    else:
        head += bytes([m | 127]) + struct.pack(">Q", n)
    if not masked:
        return head + payload
    key = b"\x37\xfa\x21\x3d"
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def deflate(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return (c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH))[:-4]


def frames(masked, compressed):
    text = deflate(b"Hello") if compressed else b"Hello"
    return (frame(1, text, masked, rsv1=compressed) + frame(9, b"ping", masked)
            + frame(2, b"ab", masked, fin=False) + frame(0, b"cd", masked)
            + frame(1, "κόσμε".encode(), masked) + frame(8, b"\x03\xe8bye", masked))


for compressed in (False, True):
    ext = b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" if compressed else b""
    request = (b"GET /chat HTTP/1.1\r\nHost: fuzz\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + ext + b"\r\n")
    accept = base64.b64encode(hashlib.sha1(KEY + GUID).digest())
    rext = b"Sec-WebSocket-Extensions: permessage-deflate\r\n" if compressed else b""
    response = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept + b"\r\n" + rext + b"\r\n")
    selector = 2 if compressed else 0
    for chunk in (0, 6, 255):
        with open(os.path.join(out, f"server-{'deflate' if compressed else 'plain'}-{chunk}"), "wb") as f:
            f.write(bytes([selector, chunk]) + request + frames(True, compressed))
        with open(os.path.join(out, f"client-{'deflate' if compressed else 'plain'}-{chunk}"), "wb") as f:
            f.write(bytes([selector | 1, chunk]) + response + frames(False, compressed))
