#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_handshake. Byte 0: bits 0-1 mode (0 a
request, 1 a response, 2 options for a generated request), bits 2-3 the
head limit, bits 4-7 policy bits; byte 1 the prefix cut."""
from seed_util import write

TARGET = "fuzz_handshake"

request = (b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
           b"Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Origin: https://good.example\r\nSec-WebSocket-Protocol: chat, superchat\r\n"
           b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, "
           b"permessage-deflate; server_no_context_takeover\r\n"
           b"Sec-WebSocket-Version: 13\r\n\r\n")
response = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n"
            b"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
            b"server_max_window_bits=10\r\n\r\n")
lf_request = request.replace(b"\r\n", b"\n")

write(TARGET, "request-plain", bytes([0x00, 0x80]) + request)
write(TARGET, "request-deflate-policy", bytes([0x30, 0x40]) + request)
write(TARGET, "request-origin-policy", bytes([0x40, 0xc0]) + request)
write(TARGET, "request-small-limit", bytes([0x04, 0x80]) + request)
write(TARGET, "request-lf-only", bytes([0x10, 0x20]) + lf_request)
write(TARGET, "request-bad-version", bytes([0x00, 0x80]) + request.replace(b": 13", b": 8"))
write(TARGET, "response-plain", bytes([0x01, 0x80]) + response)
write(TARGET, "response-deflate-offer", bytes([0x71, 0x60]) + response)
write(TARGET, "response-400", bytes([0x01, 0x80]) + b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
# Generated: shape, subprotocols, deflate offer bits, two window bytes, the 16-byte nonce, policy.
write(TARGET, "generated-deflate", bytes([0x32, 0x80, 0x11, 0x13, 0x0f, 0x3a, 0x39]) + bytes(range(16)) + b"\x31\x3c")
write(TARGET, "generated-plain", bytes([0x12, 0x80, 0x00, 0x01, 0x00]) + bytes(range(16)))
