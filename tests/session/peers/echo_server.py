#!/usr/bin/python3
"""Echo server peer for Sockscope's interop tests (Debian's python3-websockets).

Listens on 127.0.0.1 (port 0 by default: a free one), prints "PORT <n>" once
ready and serves until its stdin reaches end of file, so it never outlives the
test that started it. Every text/binary message is sent back, except a text
message "CLOSE <code> [reason]", which makes it close with that code.
"""

import argparse
import asyncio
import http
import sys

import websockets


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--compression", choices=["none", "deflate"], default="none")
    parser.add_argument("--subprotocol", action="append", default=[],
                        help="a supported subprotocol (repeatable)")
    parser.add_argument("--reject", type=int, metavar="STATUS",
                        help="answer every upgrade request with this HTTP status")
    parser.add_argument("--print-headers", action="store_true",
                        help='print "HEADER <name>: <value>" for each request header')
    return parser.parse_args()


async def echo(websocket):
    try:
        async for message in websocket:
            if isinstance(message, str) and message.startswith("CLOSE "):
                parts = message.split(" ", 2)
                reason = parts[2] if len(parts) > 2 else ""
                await websocket.close(code=int(parts[1]), reason=reason)
                return
            await websocket.send(message)
    except websockets.ConnectionClosed:
        pass


async def main():
    args = parse_args()

    async def process_request(path, headers):
        if args.print_headers:
            for name, value in headers.raw_items():
                print(f"HEADER {name}: {value}", flush=True)
        if args.reject:
            return (http.HTTPStatus(args.reject), [("Content-Type", "text/plain")],
                    b"rejected by the test\n")
        return None

    async with websockets.serve(
        echo,
        "127.0.0.1",
        args.port,
        compression=None if args.compression == "none" else "deflate",
        subprotocols=args.subprotocol or None,
        process_request=process_request,
        max_size=None,
        ping_interval=None,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"PORT {port}", flush=True)
        # Serve until the test closes our stdin (or goes away).
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
