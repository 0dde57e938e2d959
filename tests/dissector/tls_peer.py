#!/usr/bin/python3
"""wss:// peers for tests/dissector/tst_tls_real_peers.cpp (Debian's python3-websockets).

  tls_peer.py client URL --cafile CERT [options]
      Connects over TLS, sends one message per (kind, size) (the payloads of
      tests/session/peers/echo_client.py), checks each echo, pings, closes.
      Prints "OK <kind> <size>", "PONG <hex>", "CLOSED <code>"; or "FAIL <why>".
  tls_peer.py server --cert CERT --key KEY [options]
      Echo server over TLS: prints "PORT <n>" once ready, then for every
      connection any text message starting with "RESULT" (a browser page's
      verdict, not echoed) and "CLOSED <code> <reason>" at its end; serves
      until stdin ends. With --client-ca CERT it requires a client
      certificate issued by CERT and prints "CLIENT <common name>" for each.

Both take --keylog FILE (the NSS key log, SSLContext.keylog_filename),
--tls 1.2|1.3 (forced: minimum = maximum), --cipher NAME (TLS 1.2:
set_ciphers) and --alpn P (repeatable: the client's offer, the server's
choices). Python's ssl module cannot choose TLS 1.3 cipher suites: the
test runs this script with OPENSSL_CONF naming a file with a Ciphersuites line.
"""

import argparse
import asyncio
import os
import ssl
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "session",
                                "peers"))

import websockets  # noqa: E402

from echo_client import make_binary, make_text  # noqa: E402


def fail(why):
    print(f"FAIL {why}", flush=True)
    sys.exit(1)


def configure(context, args):
    if args.tls:
        version = ssl.TLSVersion.TLSv1_2 if args.tls == "1.2" else ssl.TLSVersion.TLSv1_3
        context.minimum_version = version
        context.maximum_version = version
    if args.cipher:
        context.set_ciphers(args.cipher)
    if args.alpn:
        context.set_alpn_protocols(args.alpn)
    if args.keylog:
        context.keylog_filename = args.keylog
    return context


async def echo(ws):
    peer = ws.transport.get_extra_info("peercert")
    if peer:
        names = [value for rdn in peer["subject"] for key, value in rdn if key == "commonName"]
        print("CLIENT", ",".join(names), flush=True)
    try:
        async for message in ws:
            if isinstance(message, str) and message.startswith("RESULT"):
                # Not echoed: the page closes right after it, and an echo
                # would race with websockets answering that close.
                print(message[:500], flush=True)
                continue
            await ws.send(message)
    except websockets.ConnectionClosed:
        pass
    print("CLOSED", ws.close_code, ws.close_reason, flush=True)


async def run_client(args):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(args.cafile)
    configure(context, args)
    async with websockets.connect(
        args.url,
        ssl=context,
        server_hostname=args.server_name,
        compression=None if args.compression == "none" else "deflate",
        max_size=None,
        ping_interval=None,
        open_timeout=args.timeout,
        close_timeout=args.timeout,
    ) as ws:
        tls = ws.transport.get_extra_info("ssl_object")
        print("TLS", tls.version(), tls.cipher()[0], flush=True)
        for kind in args.kinds.split(","):
            for size in (int(s) for s in args.sizes.split(",")):
                message = make_text(size) if kind == "text" else make_binary(size)
                await ws.send(message)
                reply = await asyncio.wait_for(ws.recv(), args.timeout)
                if reply != message:
                    fail(f"{kind} {size}: the echo differs")
                print("OK", kind, size, flush=True)
        if args.ping is not None:
            payload = bytes.fromhex(args.ping)
            await asyncio.wait_for(await ws.ping(payload), args.timeout)
            print("PONG", payload.hex(), flush=True)
        await ws.close(code=args.close_code, reason=args.close_reason)
        print("CLOSED", ws.close_code, flush=True)


async def run_server(args):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(args.client_ca)
    configure(context, args)
    async with websockets.serve(
        echo,
        "127.0.0.1",
        0,
        ssl=context,
        compression=None if args.compression == "none" else "deflate",
        max_size=None,
        ping_interval=None,
    ) as server:
        print("PORT", server.sockets[0].getsockname()[1], flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["client", "server"])
    parser.add_argument("url", nargs="?")
    parser.add_argument("--cafile")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--client-ca", help="server: require a client certificate from this CA")
    parser.add_argument("--keylog")
    parser.add_argument("--tls", choices=["1.2", "1.3"])
    parser.add_argument("--cipher")
    parser.add_argument("--alpn", action="append", default=[])
    parser.add_argument("--server-name", help="the client's SNI (and the name it verifies)")
    parser.add_argument("--compression", choices=["none", "deflate"], default="none")
    parser.add_argument("--kinds", default="text,binary")
    parser.add_argument("--sizes", default="0,1,125,126,65535,65536")
    parser.add_argument("--ping", metavar="HEX")
    parser.add_argument("--close-code", type=int, default=1000)
    parser.add_argument("--close-reason", default="")
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    try:
        if args.mode == "client":
            asyncio.run(run_client(args))
        else:
            asyncio.run(run_server(args))
    except (OSError, ssl.SSLError, asyncio.TimeoutError, websockets.WebSocketException) as error:
        fail(f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
