#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_dissector: a WebSocket session over
Ethernet/IPv4/TCP (handshake, messages both ways, close), one packet per
segment, in the target's format (byte 0: link type selector 0 = Ethernet;
then per packet a 2-byte big-endian length and the packet)."""
import os, struct, zlib

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_dissector")
os.makedirs(out, exist_ok=True)


def checksum(data):
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def packet(src_port, dst_port, seq, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", src_port, dst_port, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\x00" * 12 + b"\x08\x00" + ip + tcp


def frame(opcode, payload, masked, fin=True, rsv1=False):
    head = bytes([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode])
    m = 0x80 if masked else 0
    n = len(payload)
    head += bytes([m | n]) if n < 126 else bytes([m | 126]) + struct.pack(">H", n)
    if not masked:
        return head + payload
    key = b"\x37\xfa\x21\x3d"
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def session(deflate):
    ext = b"Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else b""
    request = (b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + ext + b"\r\n")
    response = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" + ext + b"\r\n")
    hello = b"Hello"
    if deflate:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        hello = (c.compress(hello) + c.flush(zlib.Z_SYNC_FLUSH))[:-4]
    cseq, sseq = 1000, 5000
    packets = [packet(40000, 8765, cseq, 0x02, b""), packet(8765, 40000, sseq, 0x12, b"")]
    cseq += 1
    sseq += 1
    for from_client, data in ((True, request), (False, response),
                              (True, frame(1, hello, True, rsv1=deflate)),
                              (False, frame(2, b"ab", False, fin=False) + frame(9, b"p", False) + frame(0, b"cd", False)),
                              (True, frame(8, b"\x03\xe8bye", True)), (False, frame(8, b"\x03\xe8", False))):
        if from_client:
            packets.append(packet(40000, 8765, cseq, 0x18, data))
            cseq += len(data)
        else:
            packets.append(packet(8765, 40000, sseq, 0x18, data))
            sseq += len(data)
    return b"\x00" + b"".join(struct.pack(">H", len(p)) + p for p in packets)


for deflate in (False, True):
    with open(os.path.join(out, "session-deflate" if deflate else "session-plain"), "wb") as f:
        f.write(session(deflate))
