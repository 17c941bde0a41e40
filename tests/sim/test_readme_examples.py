"""The README's "Testing your bot offline" examples, run as written.

Every ``python`` block of that section is a test module: each is written to a directory of its
own and pytest runs them there in a subprocess, with nothing but the installed package (its
``qq_sim`` entry point, anyio's plugin), as a bot author would.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Testing your bot offline"


def examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", len(SECTION))]
    return re.findall(r"^```python\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)


def test_the_section_shows_both_loops() -> None:
    blocks = examples()
    assert len(blocks) == 2
    assert "import qqbot_asyncio as qq" in blocks[0] and '"asyncio"' in blocks[0]
    assert "import qqbot_trio as qq" in blocks[1] and '"trio"' in blocks[1]
    assert all("qq_sim.run(" in block and "await bot.say(" in block for block in blocks)


def test_the_readme_examples_pass_as_written(tmp_path: Path) -> None:
    for number, block in enumerate(examples()):
        (tmp_path / f"test_readme_{number}.py").write_text(block, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"\b2 passed\b", done.stdout), done.stdout[-3000:]
