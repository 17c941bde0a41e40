"""The cookbook recipe "forum" runs as written: a thread in the JSON rich-text format (4) is
published through the client's API and the platform receives the paragraphs built."""

from __future__ import annotations

from _cookbook import run_example


def test_forum_example() -> None:
    proc = run_example("forum.py")
    assert proc.stdout.splitlines() == [
        "published: task 1645413752912602306",
        "PUT /channels/1661124/threads format=4",
        "  paragraph [1] alignment=1",
        "  paragraph [1, 4, 1] alignment=0",
        "  paragraph [2] alignment=0",
        "forum demo finished",
    ]
