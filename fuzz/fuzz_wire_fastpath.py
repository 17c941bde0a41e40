"""atheris target: the fast path does exactly what wsproto alone does with the same stream.

For arbitrary bytes after the handshake (optionally after a Hello/READY opening), fed in any chunk
size, the fast path must produce exactly the events, the outgoing frames and the error that the
wsproto-only path produces when fed the whole stream at once, with one exception that wsproto
itself makes.

wsproto checks the UTF-8 of a text message piece by piece, as the bytes are read (an incremental
decoder), and the wire counts a message's size against ``max_message_size`` on each piece wsproto
hands it. So for a message over the limit with invalid UTF-8 past the limit, *which* of 1009
(too big) and 1007 (invalid UTF-8) comes first depends on the reads: fed at once, wsproto decodes
the whole frame before the wire sees any of it and closes with 1007; fed in small reads, the wire
has counted more than the limit before wsproto reads the bad byte and closes with 1009. The fast
path hands such frames (longer than the limit) to wsproto read by read, so it does what wsproto
does with the same reads. When the result differs from the whole-stream reference, the oracle
therefore requires (1) the fast path to equal the wsproto-only path fed in the same chunks,
exactly, and (2) that wsproto-only result to differ from the whole-stream one only by 1009 in
place of 1007 (never the other way round: a whole read sees the bad byte no later than pieces do).
"""

from __future__ import annotations

from _harness import CHUNK_SIZES, OPENING, Reader, feed, open_wire, run_atheris


def _as_if_invalid_utf8(result: tuple[str, str, bool], limit: int) -> tuple[str, str, bool]:
    """``result`` with the wire's 1009 failure written as its 1007 failure."""
    events, sent, raised = result
    too_big = f"message larger than {limit} bytes"
    invalid = "WebSocket protocol error: invalid UTF-8"
    events = events.replace(f"{too_big} (closed with 1009)", f"{invalid} (closed with 1007)")
    sent = sent.replace(
        f"CloseConnection(code=<CloseReason.MESSAGE_TOO_BIG: 1009>, reason='{too_big}')",
        f"CloseConnection(code=<CloseReason.INVALID_FRAME_PAYLOAD_DATA: 1007>, reason='{invalid}')",
    )
    return events, sent, raised


def TestOneInput(data: bytes) -> None:
    reader = Reader(data)
    flags = reader.byte()
    chunk = reader.choice(CHUNK_SIZES)
    limit = 64 if flags & 4 else 4096
    eof = bool(flags & 8)
    body = (OPENING if flags & 2 else b"") + reader.data
    fast = feed(*open_wire(fast_path=True, max_message_size=limit), body, chunk, eof)
    whole = feed(*open_wire(fast_path=False, max_message_size=limit), body, 1 << 30, eof)
    if fast == whole:
        return
    same_reads = feed(*open_wire(fast_path=False, max_message_size=limit), body, chunk, eof)
    if fast != same_reads:
        raise AssertionError(f"fast path differs from wsproto:\n{fast}\n!=\n{same_reads}")
    if _as_if_invalid_utf8(same_reads, limit) != whole:
        raise AssertionError(
            f"wsproto alone: the reads changed more than 1007 to 1009:\n{same_reads}\n!=\n{whole}"
        )


def main() -> None:
    run_atheris(TestOneInput)


if __name__ == "__main__":
    main()
