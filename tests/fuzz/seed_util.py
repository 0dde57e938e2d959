"""Helpers shared by the make_*_seeds.py scripts: WebSocket frames,
permessage-deflate compression and writing a corpus directory."""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
MASK_KEY = b"\x37\xfa\x21\x3d"


def corpus_dir(target):
    path = os.path.join(HERE, "corpus", target)
    os.makedirs(path, exist_ok=True)
    return path


def write(target, name, data):
    with open(os.path.join(corpus_dir(target), name), "wb") as f:
        f.write(data)


def frame(opcode, payload, masked, fin=True, rsv1=False, length_form=None):
    """One frame; length_form 16 or 64 forces a longer length encoding."""
    head = bytes([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode])
    m = 0x80 if masked else 0
    n = len(payload)
    if length_form == 64 or n >= 65536:
        head += bytes([m | 127]) + struct.pack(">Q", n)
    elif length_form == 16 or n >= 126:
        head += bytes([m | 126]) + struct.pack(">H", n)
    else:
        head += bytes([m | n])
    if not masked:
        return head + payload
    return head + MASK_KEY + bytes(b ^ MASK_KEY[i % 4] for i, b in enumerate(payload))


class Deflater:
    """permessage-deflate sender: raw DEFLATE, sync flush, tail removed."""

    def __init__(self, takeover=True, wbits=15, level=6):
        self.takeover, self.wbits, self.level = takeover, wbits, level
        self.c = zlib.compressobj(level, zlib.DEFLATED, -wbits)

    def message(self, data):
        out = self.c.compress(data) + self.c.flush(zlib.Z_SYNC_FLUSH)
        if not self.takeover:
            self.c = zlib.compressobj(self.level, zlib.DEFLATED, -self.wbits)
        assert out.endswith(b"\x00\x00\xff\xff")
        return out[:-4]


def _checksum(data):
    data += b"\x00" * (len(data) % 2)
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def tcp_packet(sport, dport, seq, flags, payload, v6=False, ack=0):
    """An Ethernet frame holding one TCP segment between two loopback addresses."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    if v6:
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(tcp), 6, 64, b"\x00" * 15 + b"\x01",
                         b"\x00" * 15 + b"\x01")
        return b"\x00" * 12 + b"\x86\xdd" + ip + tcp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return b"\x00" * 12 + b"\x08\x00" + ip + tcp


def tcp_session(steps, sport=40000, dport=8765, v6=False):
    """SYN, SYN-ACK, then one segment per (from_client, bytes) step, then FINs."""
    cseq, sseq = 1000, 5000
    out = [tcp_packet(sport, dport, cseq, 0x02, b"", v6),
           tcp_packet(dport, sport, sseq, 0x12, b"", v6, cseq + 1)]
    cseq += 1
    sseq += 1
    for from_client, data in steps:
        for i in range(0, len(data), 1400):
            piece = data[i:i + 1400]
            if from_client:
                out.append(tcp_packet(sport, dport, cseq, 0x18, piece, v6, sseq))
                cseq += len(piece)
            else:
                out.append(tcp_packet(dport, sport, sseq, 0x18, piece, v6, cseq))
                sseq += len(piece)
    out.append(tcp_packet(sport, dport, cseq, 0x11, b"", v6, sseq))
    out.append(tcp_packet(dport, sport, sseq, 0x11, b"", v6, cseq + 1))
    return out


def packet_records(packets):
    """fuzz_dissector's packet shape after byte 0: 2-byte length, bytes."""
    return b"".join(struct.pack(">H", len(p)) + p for p in packets)


def pcap_file(packets):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, p in enumerate(packets):
        out += struct.pack("<IIII", 1700000000 + i, 0, len(p), len(p)) + p
    return out


def pcapng_file(packets, keys=None):
    def block(kind, body):
        body += b"\x00" * (-len(body) % 4)
        length = 12 + len(body)
        return struct.pack("<II", kind, length) + body + struct.pack("<I", length)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    if keys:
        out += block(0x0000000A, struct.pack("<II", 0x544C534B, len(keys)) + keys)
    out += block(0x00000001, struct.pack("<HHI", 1, 0, 65535))
    for i, p in enumerate(packets):
        out += block(0x00000006, struct.pack("<IIIII", 0, 0, i, len(p), len(p)) + p)
    return out
