"""The cookbook recipe "streaming" runs as written: one streamed C2C reply, its frames indexed
from 1, the last one closing the stream (state 10), the whole answer delivered."""

from __future__ import annotations

import re

from _cookbook import run_example

ANSWER = "You said 'hello'. Streaming shows this answer while it is being written."


def test_streaming_example_runs_against_the_simulator() -> None:
    proc = run_example("streaming.py")
    lines = proc.stdout.splitlines()
    assert lines[0] == "  [C2C] user: hello", proc.stdout
    frames = [
        re.fullmatch(r"  frame (\d+) state (\d+): '(.*)'|  frame (\d+) state (\d+): \"(.*)\"", x)
        for x in lines[1:-2]
    ]
    assert all(frames), proc.stdout
    found = [(int(m[1] or m[4]), int(m[2] or m[5]), m[3] if m[1] else m[6]) for m in frames if m]
    assert [i for i, _, _ in found] == list(range(1, len(found) + 1))
    assert [s for _, s, _ in found] == [1] * (len(found) - 1) + [10]
    assert 2 <= len(found) < len(ANSWER.split())  # words joined into paced frames
    assert "".join(t for _, _, t in found).strip() == ANSWER
    assert lines[-2].endswith(f"{len(found)} frames): {ANSWER}"), proc.stdout
    assert lines[-1] == "streaming demo finished"
