"""atheris target: the fast path and wsproto alone give identical results on any stream.

For arbitrary bytes after the handshake (optionally after a Hello/READY opening), fed in any chunk
size, the fast path must produce exactly the events, the outgoing frames and the error that the
wsproto-only path produces when fed the whole stream at once.
"""

from __future__ import annotations

from _harness import CHUNK_SIZES, OPENING, Reader, feed, open_wire, run_atheris


def TestOneInput(data: bytes) -> None:
    reader = Reader(data)
    flags = reader.byte()
    chunk = reader.choice(CHUNK_SIZES)
    limit = 64 if flags & 4 else 4096
    eof = bool(flags & 8)
    body = (OPENING if flags & 2 else b"") + reader.data
    fast = feed(*open_wire(fast_path=True, max_message_size=limit), body, chunk, eof)
    reference = feed(*open_wire(fast_path=False, max_message_size=limit), body, 1 << 30, eof)
    if fast != reference:
        raise AssertionError(f"fast path differs:\n{fast}\n!=\n{reference}")


def main() -> None:
    run_atheris(TestOneInput)


if __name__ == "__main__":
    main()
