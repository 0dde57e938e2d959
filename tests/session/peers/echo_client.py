#!/usr/bin/python3
"""Client peer for Sockscope's interop tests (Debian's python3-websockets).

Connects to URL, sends one message per (kind, size), checks that each comes back
unchanged (same type, same bytes) and closes. Prints, one per line:
  EXTENSIONS <Sec-WebSocket-Extensions of the response, or ->
  SUBPROTOCOL <negotiated subprotocol, or ->
  OK <kind> <size>            for every echo that matched
  PONG <hex payload>          after --ping got its pong
  CLOSED <code>               the close code the server answered with
and exits 0, or prints "FAIL <why>" and exits 1.
"""

import argparse
import asyncio
import random
import sys

import websockets

TEXT_UNIT = "Sockscope \u00e9\u2713\U0001F50C 0123456789 "


def make_text(size):
    """A str whose UTF-8 encoding is exactly `size` bytes, with multi-byte characters."""
    encoded = (TEXT_UNIT * (size // len(TEXT_UNIT.encode()) + 1)).encode()[:size]
    text = encoded.decode("utf-8", errors="ignore")  # drops a cut character at the end
    return text + "x" * (size - len(text.encode()))


def make_binary(size):
    return random.Random(size).randbytes(size)


def fragments(message, count):
    """Splits a message into `count` pieces (characters for str, bytes for bytes)."""
    step = max(1, -(-len(message) // count))
    return [message[i:i + step] for i in range(0, len(message), step)] or [message]


def fail(why):
    print(f"FAIL {why}", flush=True)
    sys.exit(1)


async def run(args):
    async with websockets.connect(
        args.url,
        compression=None if args.compression == "none" else "deflate",
        subprotocols=args.subprotocol or None,
        max_size=None,
        ping_interval=None,
        open_timeout=args.timeout,
        close_timeout=args.timeout,
    ) as ws:
        print("EXTENSIONS", ws.response_headers.get("Sec-WebSocket-Extensions", "-"), flush=True)
        print("SUBPROTOCOL", ws.subprotocol or "-", flush=True)
        for kind in args.kinds.split(","):
            for size in (int(s) for s in args.sizes.split(",")):
                message = make_text(size) if kind == "text" else make_binary(size)
                if args.fragments > 1:
                    await ws.send(fragments(message, args.fragments))
                else:
                    await ws.send(message)
                echo = await asyncio.wait_for(ws.recv(), args.timeout)
                if type(echo) is not type(message):
                    fail(f"{kind} {size}: echo came back as {type(echo).__name__}")
                if echo != message:
                    fail(f"{kind} {size}: echo differs (got {len(echo)} units)")
                print("OK", kind, size, flush=True)
        if args.ping is not None:
            payload = bytes.fromhex(args.ping)
            waiter = await ws.ping(payload)
            await asyncio.wait_for(waiter, args.timeout)
            print("PONG", payload.hex(), flush=True)
        await ws.close(code=args.close_code, reason=args.close_reason)
        print("CLOSED", ws.close_code, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--compression", choices=["none", "deflate"], default="none")
    parser.add_argument("--kinds", default="text,binary")
    parser.add_argument("--sizes", default="0,1,125,126,65535,65536")
    parser.add_argument("--fragments", type=int, default=1,
                        help="send every message in this many frames")
    parser.add_argument("--subprotocol", action="append", default=[])
    parser.add_argument("--ping", metavar="HEX", help="ping with this payload and wait for the pong")
    parser.add_argument("--close-code", type=int, default=1000)
    parser.add_argument("--close-reason", default="")
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    try:
        asyncio.run(run(args))
    except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as error:
        fail(f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
