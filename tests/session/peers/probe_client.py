#!/usr/bin/python3
"""Client peer for Sockscope's server tests (Debian's python3-websockets).

Opens URL, optionally with an Origin, over TLS trusting only --cafile, offering
subprotocols and permessage-deflate; sends each --send text and waits for its
echo; then closes. Prints, one per line:
  REFUSED <status>            the server answered the upgrade with this HTTP status
  OPEN                        the handshake succeeded
  EXTENSIONS <Sec-WebSocket-Extensions of the response, or ->
  SUBPROTOCOL <negotiated subprotocol, or ->
  ECHO <text>                 for every echo that matched what was sent
  CLOSED <code>               the close code the server answered with
and exits 0, or prints "FAIL <why>" and exits 1 (a refusal is not a failure).
"""

import argparse
import asyncio
import ssl
import sys

import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory


def fail(why):
    print(f"FAIL {why}", flush=True)
    sys.exit(1)


def refused_status(error):
    """The HTTP status of a refused upgrade, across websockets versions; None otherwise."""
    status = getattr(error, "status_code", None)  # InvalidStatusCode (websockets < 11)
    if status is None:
        response = getattr(error, "response", None)  # InvalidStatus (websockets >= 11)
        status = getattr(response, "status_code", None)
    return status


async def run(args):
    context = None
    if args.url.startswith("wss:"):
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=args.cafile)
    extensions = None
    if args.deflate:
        extensions = [ClientPerMessageDeflateFactory(client_max_window_bits=True)]
    try:
        ws = await websockets.connect(
            args.url,
            ssl=context,
            origin=args.origin,
            subprotocols=args.subprotocol or None,
            extensions=extensions,
            compression=None,
            ping_interval=None,
            open_timeout=args.timeout,
            close_timeout=args.timeout,
        )
    except websockets.WebSocketException as error:
        status = refused_status(error)
        if status is None:
            raise
        print("REFUSED", status, flush=True)
        return
    print("OPEN", flush=True)
    print("EXTENSIONS", ws.response_headers.get("Sec-WebSocket-Extensions", "-"), flush=True)
    print("SUBPROTOCOL", ws.subprotocol or "-", flush=True)
    for text in args.send:
        await ws.send(text)
        echo = await asyncio.wait_for(ws.recv(), args.timeout)
        if echo != text:
            fail(f"sent {text!r}, got back {echo!r}")
        print("ECHO", echo, flush=True)
    await ws.close()
    print("CLOSED", ws.close_code, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--origin")
    parser.add_argument("--cafile", help="trust only this CA (PEM) for wss://")
    parser.add_argument("--subprotocol", action="append", default=[])
    parser.add_argument("--deflate", action="store_true",
                        help="offer permessage-deflate; client_max_window_bits")
    parser.add_argument("--send", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    try:
        asyncio.run(run(args))
    except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as error:
        fail(f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
