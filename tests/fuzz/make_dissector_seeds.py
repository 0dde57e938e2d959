#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_dissector: WebSocket sessions over
Ethernet/IP/TCP (handshake, messages both ways, close) in the target's packet
shape (byte 0: link type % 5 and options / 5; then per packet a 2-byte
big-endian length and the packet) and as pcap and pcapng files. The TLS
sessions are written by make_tls_seeds.py."""
from seed_util import (Deflater, frame, packet_records, pcap_file, pcapng_file, tcp_packet,
                       tcp_session, write)

TARGET = "fuzz_dissector"


def steps(deflate):
    ext = b"Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else b""
    request = (b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + ext + b"\r\n")
    response = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" + ext + b"\r\n")
    hello = Deflater().message(b"Hello") if deflate else b"Hello"
    return [(True, request), (False, response),
            (True, frame(1, hello, True, rsv1=deflate)),
            (False, frame(2, b"ab", False, fin=False) + frame(9, b"p", False) + frame(0, b"cd", False)),
            (True, frame(8, b"\x03\xe8bye", True)), (False, frame(8, b"\x03\xe8", False))]


plain = tcp_session(steps(False))
write(TARGET, "session-plain", b"\x00" + packet_records(plain))
write(TARGET, "session-deflate", b"\x00" + packet_records(tcp_session(steps(True))))
write(TARGET, "session-ipv6", b"\x00" + packet_records(tcp_session(steps(False), v6=True)))
# Options 1 (every limit tiny): byte 0 = 5 * 1 + 0.
write(TARGET, "session-tiny-limits", b"\x05" + packet_records(tcp_session(steps(True))))
# Out of order and retransmitted: the third data segment first, twice.
reordered = plain[:4] + [plain[5], plain[4], plain[4]] + plain[6:]
write(TARGET, "session-reordered", b"\x0a" + packet_records(reordered))
# A stream without SYN on the WebSocket port, and one cut by the snaplen.
midstream = [tcp_packet(8765, 40001, 77, 0x18, frame(1, b"mid", False))]
write(TARGET, "midstream", b"\x00" + packet_records(midstream) + b"\x80\x10" + plain[2][:16])
write(TARGET, "session.pcap", pcap_file(plain))
write(TARGET, "session.pcapng", pcapng_file(plain))
