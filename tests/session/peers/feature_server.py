#!/usr/bin/python3
"""Echo server peer for the client-feature tests (Debian's python3-websockets).

Like echo_server.py, plus TLS: --certfile/--keyfile serve wss://, and
--client-ca makes a client certificate signed by (or equal to) that file
mandatory. Prints "PORT <n>" once ready, "HEADER <name>: <value>" for every
request header with --print-headers, "PEER <subject CN>" for each client that
presented a certificate, and serves until its stdin reaches end of file.
"""

import argparse
import asyncio
import ssl
import sys

import websockets


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--compression", choices=["none", "deflate"], default="none")
    parser.add_argument("--certfile")
    parser.add_argument("--keyfile")
    parser.add_argument("--client-ca", help="require a client certificate from this CA")
    parser.add_argument("--print-headers", action="store_true")
    return parser.parse_args()


def peer_name(websocket):
    cert = websocket.transport.get_extra_info("peercert")
    if not cert:
        return None
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return "?"


async def echo(websocket):
    name = peer_name(websocket)
    if name is not None:
        print(f"PEER {name}", flush=True)
    try:
        async for message in websocket:
            await websocket.send(message)
    except websockets.ConnectionClosed:
        pass


async def main():
    args = parse_args()
    context = None
    if args.certfile:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.certfile, args.keyfile)
        if args.client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(args.client_ca)

    async def process_request(path, headers):
        if args.print_headers:
            for name, value in headers.raw_items():
                print(f"HEADER {name}: {value}", flush=True)
        return None

    async with websockets.serve(
        echo,
        "127.0.0.1",
        0,
        ssl=context,
        compression=None if args.compression == "none" else "deflate",
        process_request=process_request,
        max_size=None,
        ping_interval=None,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"PORT {port}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
