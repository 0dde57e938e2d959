#!/usr/bin/env python3
"""Writes a wss:// capture for the screenshots: a WebSocket chat inside real
TLS 1.3 made in memory (Python's ssl over MemoryBIOs, no network, no root),
as Ethernet/IPv4/TCP packets in a pcapng file whose Decryption Secrets Block
carries the key log (so Sockscope decrypts it without being told of a key
log). The TLS bytes differ from run to run; what is shown does not.

usage: make_tls_capture.py OUT.pcapng [KEYS.log]
"""
import base64
import hashlib
import json
import os
import ssl
import struct
import subprocess
import sys
import tempfile

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
KEY = "x3JJHMbDL1EzLkh9GBhXDw=="
START = 1700000000


def frame(opcode, payload, mask=None, fin=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([bit | 127]) + struct.pack(">Q", n)
    if not mask:
        return head + payload
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def conversation():
    """(sender, plaintext) in order: the upgrade, then a short chat."""
    accept = base64.b64encode(hashlib.sha1((KEY + GUID).encode()).digest()).decode()
    request = ("GET /chat?room=lobby HTTP/1.1\r\nHost: chat.example.test\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + KEY +
               "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat.v2\r\n"
               "Origin: https://chat.example.test\r\n\r\n")
    response = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept +
                "\r\nSec-WebSocket-Protocol: chat.v2\r\n\r\n")
    hello = json.dumps({"type": "join", "room": "lobby", "user": "ada"}).encode()
    welcome = json.dumps({"type": "welcome", "room": "lobby", "members": ["ada", "grace"],
                          "history": [{"from": "grace", "text": "hi ada"}]}).encode()
    say = json.dumps({"type": "say", "text": "Decrypted with the key log"}).encode()
    echo = json.dumps({"type": "message", "from": "ada", "text": "Decrypted with the key log",
                       "ts": 1700000002.5}).encode()
    return [
        ("c", request.encode()),
        ("s", response.encode()),
        ("c", frame(1, hello, b"\x1f\x2e\x3d\x4c")),
        ("s", frame(1, welcome)),
        ("c", frame(1, say, b"\x5b\x6a\x79\x88")),
        ("s", frame(1, echo)),
        ("c", frame(9, b"keepalive", b"\x01\x02\x03\x04")),
        ("s", frame(10, b"keepalive")),
        ("c", frame(8, struct.pack(">H", 1000) + b"bye", b"\x0a\x0b\x0c\x0d")),
        ("s", frame(8, struct.pack(">H", 1000) + b"bye")),
    ]


def tls_wire(keylog):
    """The TLS records each side wrote, as (sender, bytes) in wire order."""
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=chat.example.test",
                        "-days", "1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(cert, key)
        server_ctx.set_alpn_protocols(["http/1.1"])
        server_ctx.num_tickets = 0
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.check_hostname = False
    client_ctx.verify_mode = ssl.CERT_NONE
    client_ctx.set_alpn_protocols(["h2", "http/1.1"])
    client_ctx.keylog_filename = keylog
    for ctx in (server_ctx, client_ctx):
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    bios = {side: (ssl.MemoryBIO(), ssl.MemoryBIO()) for side in "cs"}  # (incoming, outgoing)
    client = client_ctx.wrap_bio(*bios["c"], server_side=False,
                                 server_hostname="chat.example.test")
    server = server_ctx.wrap_bio(*bios["s"], server_side=True)
    wire = []

    def pump():
        for side, peer in (("c", "s"), ("s", "c")):
            data = bios[side][1].read()
            if data:
                wire.append((side, data))
                bios[peer][0].write(data)

    for _ in range(20):
        done = 0
        for obj in (client, server):
            try:
                obj.do_handshake()
                done += 1
            except ssl.SSLWantReadError:
                pass
            pump()
        if done == 2:
            break
    ends = {"c": client, "s": server}
    for sender, data in conversation():
        ends[sender].write(data)
        pump()
        receiver = ends["s" if sender == "c" else "c"]
        got = b""
        while len(got) < len(data):
            got += receiver.read(len(data) - len(got))
        pump()
    return wire


def checksum(header):
    total = sum(struct.unpack(">10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def packet(sender, seq, ack, flags, payload):
    ports = (51234, 443) if sender == "c" else (443, 51234)
    ips = ((10, 0, 0, 2), (10, 0, 0, 1)) if sender == "c" else ((10, 0, 0, 1), (10, 0, 0, 2))
    tcp = struct.pack(">HHIIBBHHH", ports[0], ports[1], seq, ack, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack(">BBHHHBBH4B4B", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0x4000, 64, 6,
                     0, *ips[0], *ips[1])
    ip = ip[:10] + struct.pack(">H", checksum(ip)) + ip[12:]
    macs = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02"
    return macs + b"\x08\x00" + ip + tcp + payload


def block(kind, body):
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", kind, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        keylog = sys.argv[2] if len(sys.argv) == 3 else os.path.join(tmp, "keys.log")
        wire = tls_wire(keylog)
        with open(keylog, "rb") as f:
            keys = f.read()
    seq = {"c": 1000, "s": 5000}
    packets = [packet("c", 999, 0, 0x02, b""), packet("s", 4999, 1000, 0x12, b""),
               packet("c", 1000, 5000, 0x10, b"")]
    for sender, data in wire:
        other = "s" if sender == "c" else "c"
        for at in range(0, len(data), 1448):
            piece = data[at:at + 1448]
            packets.append(packet(sender, seq[sender], seq[other], 0x18, piece))
            seq[sender] += len(piece)
    for sender in "cs":
        packets.append(packet(sender, seq[sender], seq["s" if sender == "c" else "c"], 0x11, b""))
        seq[sender] += 1
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = block(1, struct.pack("<HHI", 1, 0, 262144) + struct.pack("<HHB3x", 9, 1, 9) + b"\0" * 4)
    dsb = block(0x0A, struct.pack("<II", 0x544C534B, len(keys)) + keys)
    epbs = b""
    for i, p in enumerate(packets):
        t = (START * 1000 + i * 7) * 1000000  # nanoseconds, 7 ms apart
        epbs += block(6, struct.pack("<IIIII", 0, t >> 32, t & 0xFFFFFFFF, len(p), len(p)) + p)
    with open(out, "wb") as f:
        f.write(shb + idb + dsb + epbs)


if __name__ == "__main__":
    main()
