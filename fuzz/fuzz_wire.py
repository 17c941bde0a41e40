"""atheris target: arbitrary bytes after a completed WebSocket handshake.

Invariant: ``WireConnection.receive_data`` raises nothing but
``qqproto._errors.RemoteProtocolError``, and EOF always ends the transport. The first input bytes
choose the fast path or wsproto alone, whether a Hello/READY opening comes first (to reach a live
session), the chunk size, a small message limit and EOF; one flag makes the input the server's
answer to the upgrade instead, to fuzz the handshake too.
"""

from __future__ import annotations

from _harness import CHUNK_SIZES, OPENING, Reader, feed, open_wire, run_atheris


def TestOneInput(data: bytes) -> None:
    reader = Reader(data)
    flags = reader.byte()
    chunk = reader.choice(CHUNK_SIZES)
    upgrade = bool(flags & 16)
    wire, server = open_wire(
        fast_path=bool(flags & 1), max_message_size=64 if flags & 4 else 4096, accept=not upgrade
    )
    body = (OPENING if flags & 2 and not upgrade else b"") + reader.data
    feed(wire, server, body, chunk, eof=bool(flags & 8))


def main() -> None:
    run_atheris(TestOneInput)


if __name__ == "__main__":
    main()
