"""The media recipe (``examples/cookbook/media.py``) runs as a script against the simulator: a
group image from bytes, a C2C file from a path, a 12 MiB video in parts (one part sent twice) and
a channel image as multipart, exit 0."""

from __future__ import annotations

from _cookbook import run_example


def test_the_recipe_runs_and_sends_every_medium() -> None:
    proc = run_example("media.py")
    out = proc.stdout
    assert "running against the embedded QQ simulator" in out
    assert "[group] bot: 'here is a cat' + media {'file_info': '" in out
    assert "[c2c]   bot: \"this week's report\" + media {'file_info': '" in out
    assert "[group]   upload: 0% of 12582912 bytes" in out
    assert "[group]   upload: 100% of 12582912 bytes" in out
    assert "[group] bot: video in 13 part PUTs" in out  # 12 parts, one sent twice
    assert "[channel] bot: 'a channel cat' + 69-byte image" in out
    assert "uploads: group file_type 1, c2c file_type 4, group file_type 2" in out
    assert "all media sent as expected; demo finished" in out
    assert "unexpected" not in proc.stderr
