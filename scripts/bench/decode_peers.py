#!/usr/bin/env python3
"""Decode the same captured-style byte stream with IB's official Python decoder and ib_async's.

    decode_peers.py STREAM [--server-version 178] [--limit N]

STREAM is `papertrader bench wire --write STREAM` output (frames: 4-byte length + payload).
Prints messages/s for each; compare with `papertrader bench wire` on the same machine.
"""
import argparse
import logging
import time

logging.disable(logging.CRITICAL)


def frames(data, limit):
    pos, n = 0, 0
    while pos + 4 <= len(data) and n < limit:
        size = int.from_bytes(data[pos:pos + 4], "big")
        yield data[pos + 4:pos + 4 + size]
        pos += 4 + size
        n += 1


def official(payloads, version):
    from ibapi import comm
    from ibapi.decoder import Decoder
    from ibapi.wrapper import EWrapper

    class Quiet(EWrapper):
        def logAnswer(self, fnName, fnParams):
            pass

    dec = Decoder(Quiet(), version)
    start = time.perf_counter()
    for p in payloads:
        nul = p.index(b"\0")
        dec.interpret(comm.read_fields(p[nul + 1:]), int(p[:nul]))
    return time.perf_counter() - start


def ib_async_decoder(payloads, version):
    from ib_async import IB
    from ib_async.decoder import Decoder

    ib = IB()
    dec = Decoder(ib.wrapper, version)
    start = time.perf_counter()
    for p in payloads:
        # ib_async's reader splits the payload into str fields, then interprets.
        dec.interpret(p.decode("latin-1").split("\0")[:-1])
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stream")
    ap.add_argument("--server-version", type=int, default=178)
    ap.add_argument("--limit", type=int, default=200_000)
    a = ap.parse_args()
    payloads = list(frames(open(a.stream, "rb").read(), a.limit))
    for name, fn in (("ibapi (official)", official), ("ib_async", ib_async_decoder)):
        seconds = fn(payloads, a.server_version)
        print(f"{name:18} {len(payloads)} messages in {seconds:.2f} s: {len(payloads) / seconds:,.0f} msg/s")


if __name__ == "__main__":
    main()
