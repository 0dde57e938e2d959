#!/usr/bin/env python3
"""Writes the TLS seeds: real TLS 1.3 and 1.2 sessions made in memory with
Python's ssl module (OpenSSL) and their NSS key logs, for fuzz_tls_records
(selector, seed, 2-byte key log length, key log, then steps: a control byte
with bit 0 the sender and bits 1-2 the kind, 0 = a 2-byte length and bytes),
fuzz_key_log (selector, seed, key log text) and fuzz_capture_records (a
pcapng file carrying the key log in a Decryption Secrets Block). Needs the
openssl command for a throwaway certificate."""
import os
import ssl
import struct
import subprocess
import tempfile

from seed_util import packet_records, pcapng_file, tcp_session, write

REQUEST = (b"GET /chat HTTP/1.1\r\nHost: fuzz.example\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Sec-WebSocket-Version: 13\r\n\r\n")
RESPONSE = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
HELLO = b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"  # masked "Hello"


def session(tmp, name, version, cipher=None):
    """Runs a handshake and a few messages between two in-memory ends;
    returns the steps (sender, bytes) in wire order and the key log."""
    keylog = os.path.join(tmp, name + ".keys")
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.check_hostname = False
    client_ctx.verify_mode = ssl.CERT_NONE
    client_ctx.keylog_filename = keylog
    client_ctx.set_alpn_protocols(["http/1.1"])
    client_ctx.minimum_version = client_ctx.maximum_version = version
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem"))
    server_ctx.set_alpn_protocols(["http/1.1"])
    if cipher:
        client_ctx.set_ciphers(cipher)
        server_ctx.set_ciphers(cipher)
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname="fuzz.example")
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    steps = []

    def pump():
        moved = False
        for out, into, sender in ((c_out, s_in, 0), (s_out, c_in, 1)):
            data = out.read()
            if data:
                steps.append((sender, data))
                into.write(data)
                moved = True
        return moved

    def step(fn):
        try:
            fn()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass

    for _ in range(20):
        step(client.do_handshake)
        step(server.do_handshake)
        if not pump() and client.server_hostname and server.version() and client.version():
            break
    client.write(REQUEST)
    pump()
    step(lambda: server.read(65536))
    server.write(RESPONSE)
    pump()
    step(lambda: client.read(65536))
    client.write(HELLO)
    pump()
    step(lambda: server.read(65536))
    step(client.unwrap)
    pump()
    with open(keylog, "rb") as f:
        return steps, f.read()


def tls_input(selector, seed, keys, steps):
    out = bytes([selector, seed]) + struct.pack(">H", len(keys)) + keys
    for sender, data in steps:
        for i in range(0, len(data), 65535):
            piece = data[i:i + 65535]
            out += bytes([sender]) + struct.pack(">H", len(piece)) + piece
    return out


def pcapng_with_secrets(keys, steps):
    def block(kind, body):
        body += b"\x00" * (-len(body) % 4)
        length = 12 + len(body)
        return struct.pack("<II", kind, length) + body + struct.pack("<I", length)
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    dsb = block(0x0000000A, struct.pack("<II", 0x544C534B, len(keys)) + keys)
    idb = block(0x00000001, struct.pack("<HHI", 1, 0, 65535))
    epbs = b""
    for i, (sender, data) in enumerate(steps[:4]):
        packet = b"\x00" * 12 + b"\x08\x00" + bytes([sender]) + data[:64]
        epbs += block(0x00000006, struct.pack("<IIIII", 0, 0, i, len(packet), len(packet)) + packet)
    return shb + dsb + idb + epbs


with tempfile.TemporaryDirectory() as tmp:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=fuzz.example",
                    "-days", "2", "-keyout", os.path.join(tmp, "key.pem"),
                    "-out", os.path.join(tmp, "cert.pem")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    v13, v12 = ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2
    sessions = {
        "tls13": session(tmp, "tls13", v13),
        "tls12-aes128gcm": session(tmp, "tls12a", v12, "ECDHE-ECDSA-AES128-GCM-SHA256"),
        "tls12-chacha20": session(tmp, "tls12c", v12, "ECDHE-ECDSA-CHACHA20-POLY1305"),
    }
    for name, (steps, keys) in sessions.items():
        write("fuzz_tls_records", name, tls_input(0x01, 0x02, keys, steps))
        write("fuzz_key_log", name, bytes([0x00, 0x02]) + keys)
    steps, keys = sessions["tls13"]
    # Keys that arrive late (retryKeys), a gap in the server's stream, small limits.
    late = tls_input(0x00, 0x03, keys, steps[:3]) + b"\x06" + b"".join(
        bytes([s]) + struct.pack(">H", len(d)) + d for s, d in steps[3:])
    write("fuzz_tls_records", "tls13-late-keys", late)
    gap = tls_input(0x05, 0x01, keys, steps[:4]) + b"\x05\x00\x10" + b"".join(
        bytes([s]) + struct.pack(">H", len(d)) + d for s, d in steps[4:])
    write("fuzz_tls_records", "tls13-gap-small-limits", gap)
    write("fuzz_tls_records", "tls13-wrong-keys",
          tls_input(0x09, 0x02, keys.replace(b" 1", b" 2").replace(b" a", b" b"), steps))
    lines = keys.split(b"\n")
    odd = (b"\xef\xbb\xbf# a comment\r\n" + lines[0] + b"\r\n" + b"CLIENT_TRAFFIC_SECRET_N " + lines[0].split(b" ", 1)[1]
           + b"\nCLIENT_RANDOM 00 11\nRSA abcd ef\n\t" + lines[1] + b"\n" + lines[1].upper() + b"\n" + lines[2])
    write("fuzz_key_log", "odd-lines", bytes([0x00, 0x01]) + odd)
    write("fuzz_key_log", "small-limits-split", bytes([0x3d, 0x00]) + keys + b"\x00" + odd)
    write("fuzz_capture_records", "secrets.pcapng", pcapng_with_secrets(keys, steps))
    # fuzz_dissector: the TLS 1.3 session over TCP port 443 as a pcapng file
    # with its key log inside, and as packets with the key log first (byte 0
    # = 5 * 4: link type Ethernet, options bit 2).
    packets = tcp_session([(sender == 0, data) for sender, data in steps], dport=443)
    write("fuzz_dissector", "tls13-secrets.pcapng", pcapng_file(packets, keys))
    write("fuzz_dissector", "tls13-packets",
          bytes([20]) + struct.pack(">H", len(keys)) + keys + packet_records(packets))
    steps, keys = sessions["tls12-aes128gcm"]
    packets = tcp_session([(sender == 0, data) for sender, data in steps], dport=8443)
    write("fuzz_dissector", "tls12-packets",
          bytes([20]) + struct.pack(">H", len(keys)) + keys + packet_records(packets))
